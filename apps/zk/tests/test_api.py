"""The notes API (/api/zk/): CRUD, search, links, preview, permissions and bad input."""

import uuid

import pytest

from apps.zk import services
from apps.zk.models import Note, NoteLink
from apps.zk.tests.conftest import published

# Fixed, not uuid4(): pytest-xdist workers must collect the same test ids.
NO_SUCH_NOTE = "0e0c0588-bd45-4fea-b510-813517bd3c5d"

NOTES = "/api/zk/notes/"
pytestmark = pytest.mark.django_db


def create(api, **fields):
    return api.post(NOTES, {"title": "A note", **fields}, format="json")


def test_a_note_is_created_read_changed_and_deleted(writer):
    response = create(writer, body="# Idea", tags=["plot"], source="notebook p. 3")
    assert response.status_code == 201
    note = response.json()
    assert set(note) == {
        "id", "title", "body", "tags", "source", "created_by", "created_at", "updated_at",
    }  # fmt: skip
    assert (note["title"], note["tags"], note["created_by"]) == ("A note", ["plot"], "writer")
    url = f"{NOTES}{note['id']}/"
    assert writer.get(url).json() == note
    changed = writer.patch(url, {"tags": ["plot", "act-1"]}, format="json").json()
    assert changed["tags"] == ["plot", "act-1"] and changed["body"] == "# Idea"
    replaced = writer.put(url, {"title": "Renamed"}, format="json").json()
    assert (replaced["title"], replaced["body"], replaced["tags"]) == ("Renamed", "", [])
    assert writer.delete(url).status_code == 204
    assert writer.get(url).status_code == 404
    assert [len(published(f"zk.note.{t}")) for t in ("created", "updated", "deleted")] == [1, 2, 1]


def test_the_list_is_paged_and_filtered_by_text_and_tag(writer):
    services.create_note("River scene", tags=["plot"])
    services.create_note("Mountain", "by the river", tags=["world"])
    services.create_note("Other", tags=["plot"])
    page = writer.get(NOTES, {"limit": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    found = writer.get(NOTES, {"q": "river"}).json()["results"]
    assert [n["title"] for n in found] == ["River scene", "Mountain"]
    found = writer.get(NOTES, {"q": "river", "tag": "plot"}).json()["results"]
    assert [n["title"] for n in found] == ["River scene"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"tag": "Not A Slug"}, "tag"), ({"q": "x" * 501}, "q"), ({"q": "a\x00b"}, "q")],
)
def test_bad_filters_are_400(writer, params, field):
    response = writer.get(NOTES, params)
    assert response.status_code == 400 and field in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "t", "tags": ["Bad Tag"]}, "tags"),
        ({"title": "t", "tags": "plot"}, "tags"),
        ({"title": "t", "body": "x" * (services.BODY_MAX + 1)}, "body"),
        ({"title": "t\x00"}, "title"),
    ],
)
def test_bad_notes_are_400_and_write_nothing(writer, body, field):
    response = writer.post(NOTES, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]
    assert not Note.objects.exists()


def test_a_body_past_the_request_limit_is_413(writer, settings):
    response = create(writer, body="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 413 and response.json()["code"] == "too_large"


@pytest.mark.parametrize("note_id", [NO_SUCH_NOTE, "nope"])
def test_unknown_notes_are_404(writer, note_id):
    for method, path in [
        ("get", ""), ("patch", ""), ("delete", ""), ("get", "links/"), ("get", "backlinks/"),
    ]:  # fmt: skip
        response = getattr(writer, method)(f"{NOTES}{note_id}/{path}", {}, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"


def test_links_backlinks_and_unlinking(writer):
    a, b = create(writer, title="a").json()["id"], create(writer, title="b").json()["id"]
    response = writer.post(
        f"{NOTES}{a}/links/", {"to": b, "type": "REFERENCES", "rationale": "why"}, format="json"
    )
    assert response.status_code == 201
    link = response.json()
    assert (link["from_note"], link["to_note"], link["type"]) == (a, b, "REFERENCES")
    assert (link["from_title"], link["to_title"], link["rationale"]) == ("a", "b", "why")
    assert writer.get(f"{NOTES}{a}/links/").json()["results"] == [link]
    assert writer.get(f"{NOTES}{b}/backlinks/").json()["results"] == [link]
    assert writer.get(f"{NOTES}{b}/links/").json()["results"] == []
    assert writer.get(f"/api/zk/links/{link['id']}/").json() == link
    assert writer.delete(f"/api/zk/links/{link['id']}/").status_code == 204
    assert writer.delete(f"/api/zk/links/{link['id']}/").status_code == 404
    assert writer.delete("/api/zk/links/nope/").status_code == 404


def test_bad_links_are_refused(writer):
    a, b = create(writer, title="a").json()["id"], create(writer, title="b").json()["id"]
    links = f"{NOTES}{a}/links/"
    itself = writer.post(links, {"to": a, "type": "CONTAINS"}, format="json")
    assert itself.status_code == 400 and "to" in itself.json()["errors"]
    bad_type = writer.post(links, {"to": b, "type": "LIKES"}, format="json")
    assert bad_type.status_code == 400 and "type" in bad_type.json()["errors"]
    unknown = writer.post(links, {"to": str(uuid.uuid4()), "type": "CONTAINS"}, format="json")
    assert unknown.status_code == 404
    assert writer.post(links, {"to": b, "type": "CONTAINS"}, format="json").status_code == 201
    again = writer.post(links, {"to": b, "type": "CONTAINS"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert NoteLink.objects.count() == 1


def test_preview_renders_markdown_without_raw_html(writer):
    body = "# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    html = writer.post("/api/zk/preview/", {"body": body}, format="json").json()["html"]
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_reading_needs_the_view_permission_and_writing_the_write_one(reader, highway):
    from rest_framework.test import APIClient

    from apps.core.testing import user_with_access

    note = services.create_note("Private")
    assert reader.get(NOTES).status_code == 200
    assert reader.get(f"{NOTES}{note.pk}/").status_code == 200
    refused = create(reader)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You may not write to module 'zk'."
    assert reader.delete(f"{NOTES}{note.pk}/").status_code == 403
    assert reader.post("/api/zk/preview/", {"body": "x"}, format="json").status_code == 403
    stranger = APIClient()
    stranger.force_authenticate(user_with_access("stranger", "cc", write=True))
    assert stranger.get(NOTES).status_code == 403
    assert APIClient().get(NOTES).status_code == 401
    assert Note.objects.count() == 1


def test_zk_has_no_l1_memory_routes_but_its_health(reader):
    assert reader.get("/api/zk/status/").json() == {"status": "ok"}
    assert reader.get("/api/zk/logs/").status_code == 404
    assert reader.get("/api/zk/prompt-traces/").status_code == 404


def test_a_note_outlives_its_author(writer, highway):
    from apps.core.testing import user_with_access
    from apps.zk.tests.conftest import api_as

    author = user_with_access("author", "zk", write=True)
    note_id = create(api_as(author)).json()["id"]
    author.delete()
    assert writer.get(f"{NOTES}{note_id}/").json()["created_by"] is None
