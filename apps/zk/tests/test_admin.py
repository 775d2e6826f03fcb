"""Notes in the admin: the change page renders the body, saving goes through the services."""

import pytest
from django.contrib.auth.models import User

from apps.zk import services
from apps.zk.models import Note
from apps.zk.tests.conftest import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, highway):
    client.force_login(User.objects.create_superuser("root"))
    return client


def test_the_change_page_shows_the_rendered_body_and_the_live_preview(admin_client):
    note = services.create_note("Shown", "**bold** <script>x()</script>")
    target = services.create_note("Target")
    services.link_notes(note, target, "REFERENCES", "see also")
    note.citations.create(
        module="cc", kind="log", record_id="r-1", text="quoted", recorded_at=note.created_at
    )
    page = admin_client.get(f"/admin/zk/note/{note.pk}/change/").content.decode()
    assert '<div class="zk-rendered"><p><strong>bold</strong> &lt;script&gt;' in page
    assert "<script>x()</script>" not in page
    assert 'data-zk-preview-for="id_body"' in page
    assert "zk/vendor/markdown-it.min.js" in page and "zk/admin/preview.js" in page
    assert "see also" in page and "r-1" in page  # links and citations, read-only


def test_adding_and_changing_publishes_events(admin_client):
    response = admin_client.post(
        "/admin/zk/note/add/",
        {"title": "From the admin", "body": "b", "tags": "plot,act-1", "source": "",
         **inline_management()},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    note = Note.objects.get()
    assert note.tags == ["plot", "act-1"]
    assert note.created_by is not None and note.created_by.username == "root"
    response = admin_client.post(
        f"/admin/zk/note/{note.pk}/change/",
        {"title": "Renamed", "body": "b", "tags": "plot", "source": "", **inline_management()},
    )
    assert response.status_code == 302
    assert [e["title"] for e in published("zk.note.created")] == ["From the admin"]
    assert published("zk.note.updated")[0]["changed"] == ["tags", "title"]


def test_a_bad_tag_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/zk/note/add/", {"title": "t", "body": "", "tags": "Bad Tag", **inline_management()}
    )
    assert response.status_code == 200 and "is not a tag" in response.content.decode()
    assert not Note.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("body", "x" * 200_001), ("source", "s" * 2_001)])
def test_a_field_past_its_limit_is_a_form_error(admin_client, field, value):
    form = {"title": "t", "body": "", "tags": "", "source": "", **inline_management()}
    response = admin_client.post("/admin/zk/note/add/", {**form, field: value})
    assert response.status_code == 200 and "At most" in response.content.decode()
    assert not Note.objects.exists()


def test_search_and_tag_filter(admin_client):
    services.create_note("River", tags=["plot"])
    services.create_note("Mountain", tags=["world"])
    by_text = admin_client.get("/admin/zk/note/", {"q": "river"}).content.decode()
    assert "River" in by_text and "Mountain" not in by_text
    by_tag = admin_client.get("/admin/zk/note/", {"tag": "world"}).content.decode()
    assert "Mountain" in by_tag and ">River<" not in by_tag
    assert "?tag=plot" in by_tag  # the filter lists the tags in use


def test_deleting_from_the_admin_publishes(admin_client):
    note = services.create_note("Gone")
    response = admin_client.post(f"/admin/zk/note/{note.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Note.objects.exists()
    assert published("zk.note.deleted")[0]["title"] == "Gone"


def inline_management():
    return {
        f"{prefix}-{key}": value
        for prefix in ("links", "citations")
        for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }
