"""cc's own admin: governance and the dashboard (its L1 memory pages:
apps/core/tests/memory_contract/test_admin.py)."""

import pytest
from django.contrib.auth.models import User

from apps.core.testing import grant

pytestmark = pytest.mark.django_db


def run_action(client, action, names, reason=None):
    from apps.cc.models import Module

    data = {
        "action": action,
        "_selected_action": [
            str(pk) for pk in Module.objects.filter(name__in=names).values_list("pk", flat=True)
        ],
    }
    if reason is not None:
        data |= {"apply": "1", "reason": reason}
    return client.post("/admin/cc/module/", data, follow=reason is not None)


@pytest.mark.parametrize("model", ["module", "modulestatechange", "modulesettingchange"])
def test_registry_pages_render(admin_client, model):
    assert admin_client.get(f"/admin/cc/{model}/").status_code == 200


def test_disabling_from_the_admin_asks_for_a_reason_then_audits(admin_client):
    from apps.cc.models import Module, ModuleStateChange

    confirm = run_action(admin_client, "disable_modules", ["sidecar"])
    assert confirm.status_code == 200 and 'name="reason"' in confirm.content.decode()
    assert Module.objects.get(name="sidecar").active  # nothing changed yet
    done = run_action(admin_client, "disable_modules", ["sidecar"], reason="Quiet month")
    assert "Module &#x27;sidecar&#x27; disabled." in done.content.decode()
    change = ModuleStateChange.objects.get()
    assert (change.module_name, change.to_active, change.via, change.actor_name) == (
        "sidecar", False, "admin", "root"
    )  # fmt: skip
    assert change.reason == "Quiet month"


def test_the_admin_shows_why_a_change_is_refused(admin_client):
    from apps.cc.models import Module

    done = run_action(admin_client, "disable_modules", ["cc", "probe"], reason="")
    page = done.content.decode()
    assert "Module &#x27;cc&#x27; is a core module and cannot be disabled." in page
    assert "required by the enabled module(s) &#x27;sidecar&#x27;" in page
    assert Module.objects.get(name="probe").active


def test_disabling_a_module_with_what_requires_it_in_one_go(admin_client):
    from apps.cc.models import Module

    run_action(admin_client, "disable_modules", ["probe", "sidecar"], reason="both")
    assert not Module.objects.filter(name__in=["probe", "sidecar"], active=True).exists()
    run_action(admin_client, "enable_modules", ["sidecar"], reason="back")
    assert Module.objects.filter(name__in=["probe", "sidecar"], active=True).count() == 2


def test_the_audit_trail_is_read_only(admin_client):
    from apps.cc.models import ModuleStateChange
    from apps.core.governance import services

    services.disable_module("sidecar")
    change = ModuleStateChange.objects.get()
    assert admin_client.get("/admin/cc/modulestatechange/add/").status_code == 403
    assert admin_client.get(f"/admin/cc/modulestatechange/{change.pk}/delete/").status_code == 403


def test_installed_modules_cannot_be_deleted_from_the_admin(admin_client):
    from apps.cc.models import Module

    probe = Module.objects.get(name="probe")
    assert admin_client.get(f"/admin/cc/module/{probe.pk}/delete/").status_code == 403


def test_tokens_for_agents_are_issued_and_revoked_in_the_admin(admin_client, highway):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from apps.core.testing import user_with_access

    agent = user_with_access("scribe", "cc")
    response = admin_client.post("/admin/authtoken/tokenproxy/add/", {"user": agent.pk})
    assert response.status_code == 302
    key = Token.objects.get(user=agent).key
    api = APIClient(headers={"Authorization": f"Token {key}"})
    assert api.get("/api/cc/logs/").status_code == 200
    # The admin lists tokens by their user (DRF's TokenProxy).
    deleted = admin_client.post(f"/admin/authtoken/tokenproxy/{agent.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not Token.objects.filter(key=key).exists()
    assert api.get("/api/cc/logs/").status_code == 401


def staff_member(name, *modules):
    user = User.objects.create_user(name, is_staff=True)
    for module in modules:
        grant(user, module)
    return user


def test_the_dashboard_shows_tiles_only_of_modules_the_user_may_view(client, highway):
    client.force_login(staff_member("prober", "probe"))
    page = client.get("/admin/").content.decode()
    assert 'data-module="probe"' in page
    assert 'data-module="cc"' not in page
