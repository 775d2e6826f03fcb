"""A module's settings in the API and the admin: each setting's value in effect and its source,
changes validated (400 naming the setting), audited and announced like enable/disable."""

import orjson
import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from apps.cc.models import Module, ModuleSettingChange
from apps.core.models import OutboxEntry
from apps.core.modules import settings as module_settings
from apps.core.modules.settings import module_setting

pytestmark = pytest.mark.django_db
URL = "/api/cc/modules/"


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch, settings):
    """No environment settings, nothing kept from an earlier test (restart_required values)."""
    settings.COS_MODULE_SETTINGS = {}
    monkeypatch.setattr(module_settings, "_frozen", {})


@pytest.fixture
def api(highway):
    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("root"))
    return client


def probe_url():
    return f"{URL}{Module.objects.get(name='probe').pk}/"


def by_name(body):
    return {setting["name"]: setting for setting in body["settings"]}


def test_the_api_shows_each_setting_its_value_and_source(api, settings):
    settings.COS_MODULE_SETTINGS = {"probe": {"WORKERS": "3"}}  # COS_PROBE__WORKERS=3
    api.patch(probe_url(), {"config": {"PAGE_SIZE": 25}}, format="json")
    found = by_name(api.get(probe_url()).json())
    assert found["PAGE_SIZE"] | {"help": ""} == {
        "name": "PAGE_SIZE", "value": 25, "source": "registry", "default": 10, "help": "",
        "restart_required": False, "ignored": None,
    }  # fmt: skip
    assert (found["WORKERS"]["value"], found["WORKERS"]["source"]) == (3, "environment")
    assert found["WORKERS"]["restart_required"] is True
    outsider = api.post(URL, {"name": "outsider", "version": "1"}, format="json").json()
    assert outsider["settings"] == []  # not installed: its config is its own


def test_a_change_through_the_api_applies_is_audited_and_announced(
    api, django_capture_on_commit_callbacks
):
    assert module_setting("probe", "PAGE_SIZE") == 10
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(probe_url(), {"config": {"PAGE_SIZE": 25}}, format="json")
    assert response.status_code == 200
    assert module_setting("probe", "PAGE_SIZE") == 25
    change = ModuleSettingChange.objects.get()
    assert (change.module_name, change.setting, change.from_value, change.to_value) == (
        "probe", "PAGE_SIZE", None, 25
    )  # fmt: skip
    assert (change.actor_name, change.via) == ("root", "api")
    [entry] = OutboxEntry.objects.filter(channel="cc.modules")
    event = orjson.loads(bytes(entry.payload))
    assert event["type"] == "cc.module.configured"
    assert event["data"] == {
        "module": "probe", "changes": {"PAGE_SIZE": {"from": None, "to": 25}}, "by": "root"
    }  # fmt: skip

    api.patch(probe_url(), {"config": {}}, format="json")  # back to the default
    assert module_setting("probe", "PAGE_SIZE") == 10
    history = api.get(f"{probe_url()}setting-history/").json()
    assert [(h["setting"], h["from_value"], h["to_value"], h["via"]) for h in history] == [
        ("PAGE_SIZE", 25, None, "api"), ("PAGE_SIZE", None, 25, "api")
    ]  # fmt: skip


def test_an_unchanged_config_audits_nothing(api):
    api.patch(probe_url(), {"config": {"PAGE_SIZE": 25}}, format="json")
    api.patch(probe_url(), {"config": {"PAGE_SIZE": 25}, "version": "1.0.0"}, format="json")
    assert ModuleSettingChange.objects.count() == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"PAGE_SIZE": "many"}, "'PAGE_SIZE' has an invalid value 'many'"),
        ({"PAGE_SIZE": [1]}, "'PAGE_SIZE' must be a string, number or boolean."),
        ({"COLOUR": "red"}, "'COLOUR' is not a setting of module 'probe'"),
    ],
)
def test_an_invalid_setting_is_a_400_naming_it_and_changes_nothing(api, config, message):
    response = api.patch(probe_url(), {"config": config}, format="json")
    assert response.status_code == 400
    assert message in response.json()["errors"]["config"][0]
    assert not ModuleSettingChange.objects.exists()
    assert module_setting("probe", "PAGE_SIZE") == 10


# --- the admin ------------------------------------------------------------------------------
@pytest.fixture
def admin(client, highway):
    client.force_login(User.objects.create_superuser("root"))
    return client


def admin_form(module, config):
    return {
        "version": module.version,
        "description": module.description,
        "config": orjson.dumps(config).decode(),
    }


def settings_row(page, name):
    start = page.index(f'data-setting="{name}"')
    return page[start : page.index("</tr>", start)]


def test_the_admin_shows_each_settings_value_source_and_restart(admin, settings):
    settings.COS_MODULE_SETTINGS = {"probe": {"PAGE_SIZE": "7"}}
    Module.objects.filter(name="probe").update(config={"PAGE_SIZE": 25, "WORKERS": 2})
    page = admin.get(f"/admin/cc/module/{Module.objects.get(name='probe').pk}/change/")
    html = page.content.decode()
    page_size, workers = settings_row(html, "PAGE_SIZE"), settings_row(html, "WORKERS")
    assert 'data-source="environment"' in page_size and "<code>7</code>" in page_size
    assert "COS_PROBE__PAGE_SIZE wins over the registry" in page_size
    assert 'data-source="registry"' in workers and "<code>2</code>" in workers
    assert "restart required" in workers and "restart required" not in page_size


def test_a_change_in_the_admin_is_validated_then_audited(admin):
    module = Module.objects.get(name="probe")
    url = f"/admin/cc/module/{module.pk}/change/"
    inlines = management_forms(admin, url)
    refused = admin.post(url, admin_form(module, {"PAGE_SIZE": "many"}) | inlines)
    assert refused.status_code == 200 and "invalid value" in refused.content.decode()
    assert not ModuleSettingChange.objects.exists()
    done = admin.post(url, admin_form(module, {"PAGE_SIZE": 30}) | inlines)
    assert done.status_code == 302
    change = ModuleSettingChange.objects.get()
    assert (change.setting, change.to_value, change.via, change.actor_name) == (
        "PAGE_SIZE", 30, "admin", "root"
    )  # fmt: skip
    assert module_setting("probe", "PAGE_SIZE") == 30


def management_forms(client, url):
    """The inline formsets' management fields, as the change page renders them."""
    context = client.get(url).context
    fields = {}
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            fields[management.add_prefix(name)] = management.initial.get(name, field.initial)
    return fields
