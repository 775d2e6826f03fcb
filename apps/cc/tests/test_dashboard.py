"""The admin index is cc's dashboard: a tile per module (health, state, last events) and a
live feed panel fed by /ws/events/; with a language switcher, in four languages."""

import pytest
from django.contrib.auth.models import User
from django.utils import translation
from rest_framework.test import APIClient

from apps.cc.models import Module
from apps.core.governance import services
from apps.core.highway.publisher import publish
from apps.core.testing import user_with_access

pytestmark = pytest.mark.django_db


def tile_of(page, code):
    start = page.rindex("<article", 0, page.index(f'data-module="{code}"'))
    return page[start : page.index("</article>", start)]


def test_each_module_has_a_tile_with_its_state_and_health(admin_client):
    services.disable_module("sidecar", reason="Not needed this month")
    page = admin_client.get("/admin/").content.decode()
    for code in ("core", "cc", "probe", "sidecar"):
        assert f'data-module="{code}"' in page
    cc = tile_of(page, "cc")
    assert "cc-enabled" in page and "Enabled" in cc and "Healthy" in cc and " ms<" in cc
    sidecar = tile_of(page, "sidecar")
    assert "Disabled" in sidecar and "Not needed this month" in sidecar


def test_a_tile_lists_the_modules_last_events(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            publish("probe.test.event", {"n": n}, source="probe", channel="probe.dashboard")
    probe = tile_of(admin_client.get("/admin/").content.decode(), "probe")
    assert probe.count("probe.test.event") == 3  # the newest three
    assert "probe.dashboard" in probe


def test_an_unhealthy_module_shows_as_such(admin_client, monkeypatch):
    from apps.core.modules.registry import get_module_config

    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(get_module_config("probe"), "health_check", broken)
    probe = tile_of(admin_client.get("/admin/").content.decode(), "probe")
    assert "cc-health-down" in probe and "Unhealthy" in probe and "disk on fire" in probe


def test_the_live_panel_connects_to_the_event_feed_with_plain_javascript(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'id="cc-live"' in page and 'data-ws-path="/ws/events/"' in page
    assert "/static/cc/admin/livefeed.js" in page
    script = admin_client.get("/static/cc/admin/livefeed.js")
    assert script.status_code == 200
    source = b"".join(script.streaming_content).decode()
    assert "new WebSocket" in source and '"subscribe"' in source


def test_people_without_admin_access_do_not_see_the_dashboard(client, highway):
    assert client.get("/admin/").status_code == 302  # to the login page
    client.force_login(user_with_access("author", "cc"))  # not staff
    assert client.get("/admin/").status_code == 302


def in_language(language, text):
    """`text` translated by the catalogs; the test fails if there is no real translation."""
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated != text or language == "en", f"no {language} translation of {text!r}"
    return translated


@pytest.mark.parametrize("language", ["fr", "de", "lb"])
def test_the_dashboard_speaks_the_chosen_language(admin_client, settings, language):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = admin_client.get("/admin/").content.decode()
    for text in ("Live feed", "Last events", "Enabled", "Healthy", "Control Center"):
        assert in_language(language, text) in page, text


def test_french_strings_render(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = admin_client.get("/admin/").content.decode()
    assert "Flux en direct" in page and "Centre de contrôle" in page


def test_the_language_switcher_sets_the_language(admin_client, settings):
    page = admin_client.get("/admin/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'value="lb"' in page
    response = admin_client.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert in_language("de", "Live feed") in admin_client.get("/admin/").content.decode()


def test_api_messages_are_translated_too(highway):
    api = APIClient()
    api.force_authenticate(User.objects.create_superuser("root"))
    url = f"/api/cc/modules/{Module.objects.get(name='cc').pk}/disable/"
    response = api.post(url, headers={"Accept-Language": "fr"})
    assert response.status_code == 409
    message = "Module '%(name)s' is a core module and cannot be disabled."
    assert response.json()["detail"] == in_language("fr", message) % {"name": "cc"}
