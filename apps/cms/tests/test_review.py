"""What a review found: answers that must follow everything a page shows, a draft parent kept
from visitors, caches that revalidate, and bad uploads or lost files answered without a 500."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.cms import services
from apps.cms.models import Media

from .conftest import make_page

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_publishing_a_child_changes_the_parents_validators(highway):
    parent = make_page("parent")
    first = Client().get("/en/pages/parent/")
    child = make_page("kid", publish=False)
    services.update_page(child, parent=parent)
    services.publish_page(child)
    again = Client().get("/en/pages/parent/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "/en/pages/kid/" in again.content.decode()
    assert Client().get("/en/pages/parent/", HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


def test_the_public_api_follows_its_parents_slug_and_hides_a_draft_parent(highway):
    parent = make_page("secret-draft", publish=False)
    child = make_page("child", publish=False)
    services.update_page(child, parent=parent)
    services.publish_page(child)
    answer = Client().get("/api/cms/public/pages/child/")
    assert answer.status_code == 200 and answer.json()["parent"] is None
    listed = Client().get("/api/cms/public/pages/").json()["results"]
    assert [p["parent"] for p in listed if p["slug"] == "child"] == [None]
    services.publish_page(parent)
    published = Client().get("/api/cms/public/pages/child/", HTTP_IF_NONE_MATCH=answer["ETag"])
    assert published.status_code == 200 and published.json()["parent"] == "secret-draft"


def test_public_answers_are_revalidated_by_caches(highway):
    make_page()
    for path in ("/en/pages/about/", "/api/cms/public/pages/about/"):
        assert "no-cache" in Client().get(path)["Cache-Control"], path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("fake.png", b"<svg onload=alert(1)></svg>", "Only PNG"), ("big.png", PNG * 2, "At most")],
)
def test_a_bad_image_in_the_admin_is_a_form_error(client, highway, monkeypatch, name, content,
                                                  message):  # fmt: skip
    monkeypatch.setattr(services, "media_limits", lambda: (100, ("image/png",)))
    page = make_page()
    client.force_login(get_user_model().objects.create_superuser("root"))
    upload = {"media-0-file": SimpleUploadedFile(name, content)}
    response = client.post(
        f"/admin/cms/page/{page.pk}/change/", _management_data(client, page) | upload
    )
    assert response.status_code == 200, response.status_code
    assert message in response.content.decode()
    assert not Media.objects.exists()


def _management_data(client, page):
    """The change form as the admin renders it, every field and inline as they are."""
    response = client.get(f"/admin/cms/page/{page.pk}/change/")
    data = {}
    for form in [response.context["adminform"].form] + [
        f for formset in response.context["inline_admin_formsets"] for f in formset.formset.forms
    ]:
        for field in form:
            value = field.value()
            if value is not None and field.name != "file":
                data[field.html_name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for field in management:
            data[field.html_name] = field.value()
    return data


def test_an_image_whose_file_is_gone_is_a_404(highway):
    page = make_page()
    media = services.attach_media(page, SimpleUploadedFile("a.png", PNG))
    media.file.storage.delete(str(media.file.name))
    assert Client().get(f"/cms/media/{media.pk}/").status_code == 404
