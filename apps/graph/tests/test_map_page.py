"""The graph's picture in the admin (/admin/cos/graph-map/): who may open it, what it loads, and
the link to it from every module's overview. The drawing itself is tested in a browser,
test_map_browser.py."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from apps.core.testing import grant

pytestmark = pytest.mark.django_db

PAGE = "/admin/cos/graph-map/"


def staff_member(name, *modules):
    user = User.objects.create_user(name, is_staff=True)
    for module in modules:
        grant(user, module)
    return user


def map_config(page) -> dict:
    found = re.search(r'<script id="graph-map-config" type="application/json">(.*?)</script>', page)
    assert found, page[:500]
    return json.loads(found[1])


def test_it_needs_the_graph_modules_view_permission(client, highway):
    client.force_login(staff_member("outsider", "cc"))
    assert client.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in client.get("/admin/").content.decode()
    client.force_login(staff_member("insider", "graph"))
    assert client.get(PAGE).status_code == 200
    assert f'href="{PAGE}"' in client.get("/admin/").content.decode()


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_loads_the_vendored_cytoscape_and_the_graph_api(admin_client, highway):
    page = admin_client.get(f"{PAGE}?module=cc").content.decode()
    assert "/static/core/vendor/cytoscape.min.js" in page
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)  # nothing from a CDN
    config = map_config(page)
    assert config["api"] == "/api/graph/"
    assert config["module"] == "cc"
    assert {"Module", "LogEntry", "Session"} <= set(config["labels"])


def test_each_modules_overview_links_to_its_picture(client, highway):
    client.force_login(staff_member("viewer", "cc", "graph"))
    overview = client.get("/admin/cos/cc/").content.decode()
    assert f'href="{PAGE}?module=cc"' in overview


def test_each_modules_dashboard_tile_links_to_its_picture(client, highway):
    client.force_login(staff_member("viewer", "cc", "graph"))
    dashboard = client.get("/admin/").content.decode()
    assert f'href="{PAGE}?module=cc"' in dashboard


def test_the_link_is_left_out_for_who_may_not_view_the_graph(client, highway):
    client.force_login(staff_member("cc-only", "cc"))
    assert PAGE not in client.get("/admin/cos/cc/").content.decode()
    assert PAGE not in client.get("/admin/").content.decode()


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Carte du graphe"), ("de", "Graphkarte"), ("lb", "Graphkaart")]
)
def test_it_speaks_the_users_language(admin_client, highway, language, title):
    from apps.graph.admin import MAP_TEXTS

    page = admin_client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert title in page
    found = re.search(r'<script id="graph-map-texts" type="application/json">(.*?)</script>', page)
    assert found, page[:500]
    texts = json.loads(found[1])
    with translation.override("en"):
        untranslated = [key for key, text in MAP_TEXTS.items() if texts[key] == str(text)]
    assert untranslated == []


def test_a_disabled_graph_module_takes_its_picture_away(admin_client, highway):
    from apps.core.governance import services

    services.disable_module("graph", reason="Rebuilding")
    assert PAGE not in admin_client.get("/admin/").content.decode()
    assert PAGE not in admin_client.get("/admin/cos/cc/").content.decode()
    response = admin_client.get(PAGE, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "Rebuilding" in response.content.decode()
    services.enable_module("graph")
    assert admin_client.get(PAGE).status_code == 200
