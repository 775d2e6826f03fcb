"""The admin: a page written in four languages side by side and saved through the services
(events), a preview in each language whatever the status, publish and unpublish actions."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.cms.models import Page
from apps.cms.tests.conftest import make_page, published

pytestmark = pytest.mark.django_db

TITLES = {"en": "About", "fr": "À propos", "de": "Über uns", "lb": "Iwwer eis"}


@pytest.fixture
def staff(highway):
    client = Client()
    client.force_login(User.objects.create_superuser("root"))
    return client


def form(**page):
    """The add form's data: the page, one translation form per language, no image."""
    data = {
        "slug": "about",
        "ordering": "0",
        "translations-TOTAL_FORMS": "4",
        "translations-INITIAL_FORMS": "0",
        "translations-MIN_NUM_FORMS": "0",
        "translations-MAX_NUM_FORMS": "4",
        "media-TOTAL_FORMS": "0",
        "media-INITIAL_FORMS": "0",
        "media-MIN_NUM_FORMS": "0",
        "media-MAX_NUM_FORMS": "1000",
        **page,
    }
    for index, (language, title) in enumerate(TITLES.items()):
        data[f"translations-{index}-language"] = language
        data[f"translations-{index}-title"] = title
        data[f"translations-{index}-body"] = f"*{title}*"
    return data


def test_the_add_form_offers_the_four_languages_side_by_side(staff):
    html = staff.get("/admin/cms/page/add/").content.decode()
    for index, language in enumerate(TITLES):
        assert f'name="translations-{index}-language"' in html
        assert f'<option value="{language}" selected>' in html
    assert "cms/admin/translations.css" in html
    assert "cms-translations" in html


def test_a_page_written_in_four_languages_is_saved_through_the_services(staff):
    response = staff.post("/admin/cms/page/add/", form())
    assert response.status_code == 302, response.content.decode()[:2000]
    page = Page.objects.get(slug="about")
    assert {t.language: t.title for t in page.translations.all()} == TITLES
    assert page.author is not None and page.author.username == "root"
    assert [e["slug"] for e in published("cms.page.created")] == ["about"]
    assert sorted(e["language"] for e in published("cms.translation.saved")) == sorted(TITLES)


def test_a_bad_slug_is_a_form_error(staff):
    response = staff.post("/admin/cms/page/add/", form(slug="Not a slug"))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Page.objects.exists()


def test_the_preview_shows_a_draft_in_each_language(staff):
    page = make_page(publish=False, en=("About", "<script>x</script>"), fr=("À propos", "*fr*"))
    french = staff.get(f"/admin/cms/page/{page.pk}/preview/fr/").content.decode()
    assert '<html lang="fr">' in french and "<h1>À propos</h1>" in french
    english = staff.get(f"/admin/cms/page/{page.pk}/preview/en/").content.decode()
    assert "<script>x" not in english and "&lt;script&gt;" in english
    assert Client().get(f"/admin/cms/page/{page.pk}/preview/fr/").status_code == 302  # sign in


def test_publish_and_unpublish_actions(staff):
    page = make_page(publish=False)
    staff.post("/admin/cms/page/", {"action": "publish", "_selected_action": [page.pk]})
    page.refresh_from_db()
    assert page.status == "published"
    staff.post("/admin/cms/page/", {"action": "unpublish", "_selected_action": [page.pk]})
    page.refresh_from_db()
    assert page.status == "draft"
    assert len(published("cms.page.published")) == len(published("cms.page.unpublished")) == 1


def test_the_add_form_names_the_inputs_django_draws_without_a_label(staff):
    """The publish date's two inputs and the image table's inputs have no <label for>: a
    screen reader names them by aria-label (apps.core.admin.fields.LabelledFields)."""
    html = staff.get("/admin/cms/page/add/").content.decode()
    assert 'aria-label="Publish date (date)"' in html
    assert 'aria-label="Publish date (time)"' in html
    assert 'name="media-0-alt_text"' in html
    assert 'aria-label="Alternative text"' in html and 'aria-label="File"' in html
