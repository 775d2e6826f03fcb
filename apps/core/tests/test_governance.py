"""Governance is core's: its states come from core's registry, its events from core, and cc
shows it through proxies that keep cc's admin permissions."""

import orjson
import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from apps.core import governance
from apps.core.governance import services
from apps.core.governance.models import Module
from apps.core.models import OutboxEntry
from apps.core.modules import registry

pytestmark = pytest.mark.django_db


def test_states_are_read_from_cores_registry_without_any_contract():
    assert registry.contract("module_states") is None
    assert governance.is_enabled("probe")

    Module.objects.filter(name="probe").update(active=False, reason="Paused")
    governance.invalidate()

    assert not governance.is_enabled("probe")
    with translation.override("en"):
        assert governance.refusal("probe") == "Module 'probe' is disabled: Paused"


def test_a_state_change_is_announced_by_core_with_the_type_and_payload_cc_used(
    highway, django_user_model
):
    ada = django_user_model.objects.create(username="ada")

    services.disable_module("sidecar", actor=ada, reason="maintenance")

    event = orjson.loads(bytes(OutboxEntry.objects.get(channel="cc.modules").payload))
    assert (event["type"], event["source"], event["channel"]) == (
        "cc.module.disabled", "core", "cc.modules",
    )  # fmt: skip
    assert event["data"] == {
        "module": "sidecar", "active": False, "reason": "maintenance", "by": "ada",
    }  # fmt: skip


def test_the_registry_has_a_row_per_installed_module_after_migrate():
    installed = {definition.code for definition in registry.modules()}
    assert installed <= set(Module.objects.values_list("name", flat=True))


def test_permissions_are_ccs_proxies_not_cores_tables():
    def codenames(app_label: str) -> set[str]:
        found = Permission.objects.filter(content_type__app_label=app_label)
        return set(found.values_list("codename", flat=True))

    assert {"view_module", "change_module", "view_modulestatechange"} <= codenames("cc")
    assert not {"view_module", "change_module"} & codenames("core")
