"""The staff API (/api/cms/pages/: the module's view permission to read, write permission for
the rest) and the public read API (/api/cms/public/pages/: anyone, published pages only,
throttled, ETag and Last-Modified)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.cms.models import Page, PageStatus
from apps.cms.tests.conftest import make_page, published

pytestmark = pytest.mark.django_db


def test_a_writer_creates_writes_and_publishes_a_page(writer):
    created = writer.post("/api/cms/pages/", {"slug": "about"}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    for language, title in (("en", "About"), ("fr", "À propos")):
        written = writer.put(
            f"/api/cms/pages/{pk}/translations/{language}/",
            {"title": title, "body": "Hello", "seo_description": "x"},
            format="json",
        )
        assert written.status_code == 200, written.json()
    shown = writer.post(f"/api/cms/pages/{pk}/publish/")
    assert shown.status_code == 200
    assert shown.json()["status"] == "published"
    assert shown.json()["published_at"] is not None
    assert sorted(t["language"] for t in shown.json()["translations"]) == ["en", "fr"]
    assert [e["slug"] for e in published("cms.page.published")] == ["about"]
    hidden = writer.post(f"/api/cms/pages/{pk}/unpublish/")
    assert hidden.json()["status"] == "draft"
    assert [e["slug"] for e in published("cms.page.unpublished")] == ["about"]


def test_a_reader_reads_but_may_not_write(reader, writer):
    page = make_page()
    assert reader.get("/api/cms/pages/").json()["count"] == 1
    assert reader.get(f"/api/cms/pages/{page.pk}/translations/").json()[0]["language"] == "en"
    for response in (
        reader.post("/api/cms/pages/", {"slug": "x"}, format="json"),
        reader.post(f"/api/cms/pages/{page.pk}/unpublish/"),
        reader.put(f"/api/cms/pages/{page.pk}/translations/fr/", {"title": "T"}, format="json"),
        reader.delete(f"/api/cms/pages/{page.pk}/"),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Page.objects.get().status == PageStatus.PUBLISHED


def test_a_visitor_may_not_use_the_staff_api(highway):
    make_page()
    response = APIClient().get("/api/cms/pages/")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        ("taken", 409, "slug_taken"),
        ("publish_archived", 409, "invalid_status_change"),
        ("publish_without_default", 409, "translation_missing"),
        ("unknown", 404, "page_not_found"),
        ("bad_slug", 400, "invalid"),
    ],
)
def test_refusals_have_stable_codes(writer, call, status, code):
    page = make_page(publish=False)
    if call == "taken":
        response = writer.post("/api/cms/pages/", {"slug": "about"}, format="json")
    elif call == "publish_archived":
        writer.post(f"/api/cms/pages/{page.pk}/archive/")
        response = writer.post(f"/api/cms/pages/{page.pk}/publish/")
    elif call == "publish_without_default":
        writer.delete(f"/api/cms/pages/{page.pk}/translations/en/")
        response = writer.post(f"/api/cms/pages/{page.pk}/publish/")
    elif call == "unknown":
        response = writer.post("/api/cms/pages/987654/publish/")
    else:
        response = writer.post("/api/cms/pages/", {"slug": "Not a slug!"}, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["status"] == status


def test_a_page_cannot_go_under_itself(writer):
    parent = make_page("parent")
    child = make_page("child")
    writer.patch(f"/api/cms/pages/{child.pk}/", {"parent": parent.pk}, format="json")
    response = writer.patch(f"/api/cms/pages/{parent.pk}/", {"parent": child.pk}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()["errors"]


def test_the_public_api_shows_published_pages_in_a_language_with_fallback(highway):
    make_page(en=("About", "<script>x</script> *hi*"), fr=("À propos", "*salut*"))
    make_page("secret", publish=False)
    visitor = APIClient()
    listed = visitor.get("/api/cms/public/pages/?lang=fr").json()
    assert [p["slug"] for p in listed["results"]] == ["about"]
    french = visitor.get("/api/cms/public/pages/about/?lang=fr").json()
    assert (french["title"], french["fallback"], french["html"]) == (
        "À propos",
        False,
        "<p><em>salut</em></p>\n",
    )
    german = visitor.get("/api/cms/public/pages/about/?lang=de").json()
    assert (german["language"], german["fallback"], german["title"]) == ("en", True, "About")
    assert "<script>" not in german["html"] and "&lt;script&gt;" in german["html"]
    missing = visitor.get("/api/cms/public/pages/secret/")
    assert (missing.status_code, missing.json()["code"]) == (404, "page_not_found")
    bad = visitor.get("/api/cms/public/pages/about/?lang=xx")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


def test_the_public_api_answers_conditional_requests(highway, writer):
    page = make_page()
    visitor = APIClient()
    first = visitor.get("/api/cms/public/pages/about/?lang=en")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert (
        visitor.get("/api/cms/public/pages/about/?lang=en", HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )
    assert (
        visitor.get(
            "/api/cms/public/pages/about/?lang=en", HTTP_IF_MODIFIED_SINCE=modified
        ).status_code
        == 304
    )
    # Another language is another representation.
    assert (
        visitor.get("/api/cms/public/pages/about/?lang=fr", HTTP_IF_NONE_MATCH=etag).status_code
        == 200
    )
    writer.put(f"/api/cms/pages/{page.pk}/translations/en/", {"title": "New"}, format="json")
    changed = visitor.get("/api/cms/public/pages/about/?lang=en", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_public_api_is_throttled_per_address(highway, settings):
    make_page()
    settings.COS_MODULE_SETTINGS = {"cms": {"PUBLIC_API_RATE": "3/min"}}  # as COS_CMS__...
    address = "203.0.113.14"  # this test's own: other tests' requests count for 127.0.0.1
    cache.delete(f"throttle_cms_public_{address}")
    try:
        visitor = APIClient(REMOTE_ADDR=address)
        answers = [visitor.get("/api/cms/public/pages/").status_code for _ in range(4)]
        other = APIClient(REMOTE_ADDR="203.0.113.15").get("/api/cms/public/pages/").status_code
    finally:
        cache.delete_many([f"throttle_cms_public_{address}", "throttle_cms_public_203.0.113.15"])
    assert answers == [200, 200, 200, 429]
    assert other == 200
