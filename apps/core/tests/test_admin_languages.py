"""Every admin page, in French, German and Luxembourgish, shows no English message: the pages
are found from the admin site's registry and URL patterns (apps.core.admin.translations), so a
page or model admin added anywhere is covered."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from apps.core.admin.translations import admin_pages, untranslated, visible_texts
from apps.core.memory.recording import log_l1
from apps.core.modules.registry import modules

LANGUAGES = ("fr", "de", "lb")
# Names that are the same in every language (and happen to be messages of some catalog).
BRANDS = ("COS", "Swagger UI", "ReDoc", "API", "Cytoscape")


@pytest.fixture
def one_of_each(admin_user, highway):
    """An object for the change form of each model that has records: a group, a token, and
    an L1 log (with its prompt trace) in each module that keeps L1 memory."""
    Group.objects.create(name="editors-7")
    Token.objects.create(user=admin_user)
    for definition in modules():
        try:
            log_l1(definition.code, "probe.logged", "probe log 7", prompt={"prompt_text": "p7"})
        except LookupError:
            continue  # a module without L1 memory
    return admin_user


@pytest.mark.django_db
def test_no_admin_page_shows_an_english_message(client, one_of_each):
    client.force_login(one_of_each)
    request = RequestFactory().get("/admin/")
    request.user = one_of_each
    pages = admin_pages(admin.site, request)
    assert len(pages) > 30  # index, app indexes, model pages and registered pages
    english = {}
    # Data: the user's name, each module's code (the module registry lists "core"), and each
    # language's own name (a language switch shows "English" on a French page).
    allowed = (
        *BRANDS,
        one_of_each.username,
        *(definition.code for definition in modules()),
        *(name for _code, name in settings.LANGUAGES),
    )
    for language in LANGUAGES:
        for page in pages:
            response = client.get(page, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (page, language, response.status_code)
            if not response["Content-Type"].startswith("text/html"):
                continue
            found = untranslated(response.content.decode(), language, allowed)
            if found:
                english[f"{language} {page}"] = found
    listed = "\n".join(f"{page}: {', '.join(found)}" for page, found in english.items())
    assert not english, f"English on translated admin pages:\n{listed}"


def test_visible_text_is_text_and_the_attributes_people_see_not_scripts():
    html = (
        '<title>Site</title><p title="Hint">Save <b>now</b></p><script>var x = "Delete";</script>'
        '<input type="submit" value="Go on"><input type="text" value="data">'
        '<style>.a{}</style><img alt="Logo"><div hidden><div>Secret</div></div>'
        '<tr class="form-row empty-form"><td><img alt="None"></td></tr><p>Shown</p>'
        '<p>Module <code>core</code></p><option translate="no">Module</option>'
        '<script id="feed-texts" type="application/json">{"retry": "Retry now", "n": 3}</script>'
        '<script id="feed-config" type="application/json">{"kind": "Module"}</script>'
    )
    shown = ["Site", "Hint", "Save", "now", "Go on", "Logo", "Shown", "Module", "Retry now"]
    assert visible_texts(html) == shown


def test_an_english_message_is_found_on_a_french_page_and_a_translated_one_is_not():
    page = "<h1>Select user to change</h1><p>Enregistrer</p><p>Save</p><p>my note</p>"
    assert untranslated(page, "fr") == ["Save", "Select user to change"]
    assert untranslated(page, "en") == []
    assert untranslated(page, "fr", allowed=["Save"]) == ["Select user to change"]
