"""The services: each write publishes its event; status changes follow the rules; media are
checked by size and by their contents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cms import services
from apps.cms.exceptions import InvalidInput, InvalidStatusChange, SlugTaken, TranslationMissing
from apps.cms.models import Media, Page
from apps.cms.tests.conftest import make_page, published

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_status_changes_follow_the_rules(highway):
    page = make_page(publish=False)
    with pytest.raises(InvalidStatusChange):
        services.unpublish_page(page)
    services.publish_page(page)
    with pytest.raises(InvalidStatusChange):
        services.publish_page(page)
    services.archive_page(page)
    with pytest.raises(InvalidStatusChange):
        services.publish_page(page)
    services.restore_page(page)
    assert page.status == "draft"
    events = [e["status"] for e in published("cms.page.archived") + published("cms.page.restored")]
    assert events == ["archived", "draft"]


def test_a_published_page_keeps_its_default_language(highway):
    page = make_page(en=("A", "a"), fr=("B", "b"))
    services.delete_translation(page, "fr")
    with pytest.raises(TranslationMissing):
        services.delete_translation(page, "en")
    assert [t.language for t in page.translations.all()] == ["en"]


def test_a_taken_slug_is_refused_and_nothing_is_published(highway):
    make_page("about", publish=False)
    with pytest.raises(SlugTaken):
        services.create_page("about")
    assert len(published("cms.page.created")) == 1


def test_an_unknown_language_is_refused(highway):
    page = make_page(publish=False)
    with pytest.raises(InvalidInput) as refused:
        services.save_translation(page, "it", "Titolo")
    assert "language" in refused.value.errors


def test_images_are_stored_through_the_storage_api_within_limits(highway, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    page = make_page(publish=False)
    media = services.attach_media(page, SimpleUploadedFile("a b.png", PNG), "alt")
    assert (media.content_type, media.size) == ("image/png", len(PNG))
    stored = tmp_path / "cms" / "media" / str(media.file.name)
    assert stored.read_bytes() == PNG
    assert published("cms.media.added")[0]["type"] == "image/png"
    services.remove_media(media)
    assert not stored.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.png", b"<svg onload=alert(1)>"),  # an image by name, not by its contents
        ("page.html", b"<html><script></script>"),
    ],
)
def test_what_is_not_an_image_is_refused(highway, tmp_path, settings, name, content):
    settings.VAR_DIR = tmp_path
    page = make_page(publish=False)
    with pytest.raises(InvalidInput):
        services.attach_media(page, SimpleUploadedFile(name, content))
    assert Media.objects.count() == 0


def test_a_too_large_image_is_refused(highway, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.COS_MODULE_SETTINGS = {"cms": {"MEDIA_MAX_BYTES": "32"}}  # as COS_CMS__...
    with pytest.raises(InvalidInput) as refused:
        services.attach_media(make_page(publish=False), SimpleUploadedFile("a.png", PNG))
    assert "file" in refused.value.errors


def test_deleting_a_page_with_children_is_refused(highway):
    parent = make_page("parent", publish=False)
    services.update_page(make_page("child", publish=False), parent=parent)
    with pytest.raises(InvalidStatusChange):
        services.delete_page(parent)
    assert Page.objects.count() == 2
