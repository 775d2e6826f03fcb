"""What a newcomer meets first: `/`, the API docs offline, the admin in their language."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


def signed_in(**kwargs):
    """Any signed-in user (visitors are sent to sign in: test_access_closed)."""
    client = Client(**kwargs)
    client.force_login(User.objects.create_user("newcomer"))
    return client


def test_the_root_says_what_cos_is_and_links_onwards():
    page = signed_in().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Creative Operating System" in html
    for link in ("/admin/", "/api/docs/", "/api/redoc/", "/health"):
        assert f'href="{link}"' in html


def test_the_root_speaks_the_visitors_language():
    html = signed_in(headers={"accept-language": "fr"}).get("/").content.decode()
    assert '<html lang="fr">' in html and "Documentation de l'API" in html


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_load_their_scripts_from_cos_not_a_cdn(path):
    html = signed_in().get(path).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    scripts = [s for s in sources if s.endswith(".js")]
    assert scripts and all(s.startswith("/static/drf_spectacular_sidecar/") for s in scripts)
    assert not re.search(r"https?://(?!127\.|localhost)", " ".join(sources))
    assert Client().get(scripts[0]).status_code == 200  # and COS serves them, to anyone


def test_the_language_switcher_does_not_rename_djangos_change_links(admin_client):
    html = admin_client.get("/admin/", headers={"accept-language": "de"}).content.decode()
    assert 'value="Wechseln"' in html  # the switcher's own button
    assert ">Ändern<" in html  # Django's "Change" links keep their word
