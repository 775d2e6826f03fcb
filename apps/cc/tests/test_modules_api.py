"""modules/: the registry. Installed modules register themselves; others can be registered."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from apps.cc.models import Module
from apps.core.testing import user_with_access

pytestmark = pytest.mark.django_db
URL = "/api/cc/modules/"


@pytest.fixture
def api(highway):
    client = APIClient()
    client.force_authenticate(user_with_access("operator", "cc", write=True))
    return client


def test_anonymous_requests_get_401(highway):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, {"name": "x", "version": "1"}).status_code == 401


def test_the_list_shows_installed_modules_with_their_definition(api):
    body = api.get(URL).json()
    probe = next(m for m in body["results"] if m["name"] == "probe")
    assert probe["installed"] is True and probe["kind"] == "optional"
    assert probe["requires"] == ["core"] and probe["version"] == "1.0.0" and probe["active"]
    assert body["count"] == Module.objects.count()


def test_registering_a_module(api):
    response = api.post(
        URL,
        {"name": "scribe_agent", "version": "0.3.1", "config": {"model": "local"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["installed"] is False and body["kind"] is None and body["active"] is True
    assert Module.objects.get(name="scribe_agent").config == {"model": "local"}


def test_a_duplicate_name_is_a_409(api):
    api.post(URL, {"name": "scribe_agent", "version": "1"}, format="json")
    response = api.post(URL, {"name": "scribe_agent", "version": "2"}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == "A module named 'scribe_agent' is already registered."
    assert api.post(URL, {"name": "probe", "version": "9"}, format="json").status_code == 409


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"name", "version"}),
        ({"name": "Bad Name", "version": "1"}, {"name"}),
        ({"name": "ok", "version": "1", "config": [1, 2]}, {"config"}),
        ({"name": "ok", "version": "1", "config": "text"}, {"config"}),
    ],
)
def test_invalid_input_names_each_field(api, data, errors):
    response = api.post(URL, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors


def test_an_installed_modules_config_must_name_its_settings_with_valid_values(api):
    probe = Module.objects.get(name="probe")
    response = api.patch(f"{URL}{probe.pk}/", {"config": {"COLOUR": "red"}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["config"] == [
        "'COLOUR' is not a setting of module 'probe' (its settings: PAGE_SIZE, WORKERS)."
    ]
    response = api.patch(f"{URL}{probe.pk}/", {"config": {"PAGE_SIZE": "many"}}, format="json")
    assert response.status_code == 400
    assert "'PAGE_SIZE' has an invalid value 'many'" in response.json()["errors"]["config"][0]
    response = api.patch(f"{URL}{probe.pk}/", {"config": {"PAGE_SIZE": 25}}, format="json")
    assert response.status_code == 200 and response.json()["config"] == {"PAGE_SIZE": 25}


def test_update_and_delete_a_registered_module(api):
    created = api.post(URL, {"name": "scribe_agent", "version": "1"}, format="json").json()
    url = f"{URL}{created['id']}/"
    assert api.patch(url, {"version": "1.1"}, format="json").json()["version"] == "1.1"
    renamed = api.patch(url, {"name": "other"}, format="json")
    assert renamed.status_code == 400 and "name" in renamed.json()["errors"]
    assert api.get(url).json()["active"] is True
    api.patch(url, {"active": False}, format="json")  # read-only: use disable/
    assert api.get(url).json()["active"] is True
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_an_installed_module_cannot_be_deleted_from_the_registry(api):
    response = api.delete(f"{URL}{Module.objects.get(name='probe').pk}/")
    assert response.status_code == 409
    assert "removemodule" in response.json()["detail"]


def test_limit_and_offset_page_the_list(api):
    names = list(Module.objects.order_by("name").values_list("name", flat=True))
    body = api.get(URL, {"limit": 2, "offset": 1}).json()
    assert [m["name"] for m in body["results"]] == names[1:3]
    assert body["count"] == len(names)


def test_filters_by_state_and_name(api):
    Module.objects.filter(name="sidecar").update(active=False)
    assert [m["name"] for m in api.get(URL, {"active": "false"}).json()["results"]] == ["sidecar"]
    assert [m["name"] for m in api.get(URL, {"name": "probe"}).json()["results"]] == ["probe"]


def test_reading_needs_the_view_permission_and_writing_the_write_permission(highway):
    nobody = APIClient()
    nobody.force_authenticate(User.objects.create_user("nobody"))
    assert nobody.get(URL).status_code == 403
    viewer = APIClient()
    viewer.force_authenticate(user_with_access("viewer", "cc"))
    assert viewer.get(URL).status_code == 200
    response = viewer.post(URL, {"name": "x", "version": "1"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
