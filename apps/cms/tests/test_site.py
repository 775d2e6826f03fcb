"""The public site: published pages at /<language>/pages/<slug>/, in the visitor's language or
the default one (saying so), drafts and archived pages hidden, bodies sanitised."""

import re

import pytest
from django.test import Client

from apps.cms import services
from apps.cms.tests.conftest import make_page

pytestmark = pytest.mark.django_db

WORDS = {
    "en": ("About us", "We **write**."),
    "fr": ("À propos", "Nous **écrivons**."),
    "de": ("Über uns", "Wir **schreiben**."),
    "lb": ("Iwwer eis", "Mir **schreiwen**."),
}


@pytest.mark.parametrize("language", ["en", "fr", "de", "lb"])
def test_a_published_page_renders_in_each_language(highway, language):
    make_page(**WORDS)
    response = Client().get(f"/{language}/pages/about/")
    html = response.content.decode()
    title, body = WORDS[language]
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert f"<h1>{title}</h1>" in html
    assert "<strong>" + body.split("**")[1] + "</strong>" in html
    assert "cms-fallback" not in html
    for other in WORDS:  # every language's address, as hreflang alternate and in the switcher
        assert f'hreflang="{other}" href="http://testserver/{other}/pages/about/"' in html
        assert f'href="/{other}/pages/about/" hreflang="{other}"' in html


def test_a_missing_translation_falls_back_to_the_default_language_and_says_so(highway):
    make_page(en=WORDS["en"], fr=WORDS["fr"])
    html = Client().get("/de/pages/about/").content.decode()
    assert '<html lang="de">' in html
    assert "<h1>About us</h1>" in html
    assert '<article class="cms-page" lang="en">' in html  # the text's own language
    assert "original language (en)" in html.replace("\n", " ") or "cms-fallback" in html
    assert 'class="cms-fallback"' in html
    # Only the written languages are alternates for search engines.
    assert 'hreflang="de" href="http' not in html
    assert 'hreflang="fr" href="http://testserver/fr/pages/about/"' in html


def test_the_fallback_notice_is_in_the_visitors_language(highway):
    make_page(en=WORDS["en"])
    html = Client().get("/fr/pages/about/").content.decode()
    found = re.search(r'class="cms-fallback"[^>]*>(.*?)</p>', html, re.S)
    assert found is not None
    notice = found.group(1)
    assert "This page" not in notice  # French, not the English source
    assert "(en)" in notice


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_drafts_and_archived_pages_are_not_found(highway, status):
    page = make_page(publish=status == "archived")
    if status == "archived":
        services.archive_page(page)
    response = Client().get("/en/pages/about/")
    assert response.status_code == 404
    assert "About us" not in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Page not found"), ("fr", "Page introuvable"), ("de", "Seite nicht gefunden")],
)
def test_the_404_page_speaks_the_visitors_language(highway, language, heading):
    response = Client().get(f"/{language}/pages/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html


def test_a_script_in_a_body_never_reaches_a_visitor(highway):
    make_page(en=("Evil", 'Hi <script>alert("x")</script> [x](javascript:alert(1))'))
    html = Client().get("/en/pages/about/").content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert 'href="javascript:' not in html  # not a link: text at most


def test_a_title_is_escaped(highway):
    make_page(en=("<b>Bold</b> title", "x"))
    html = Client().get("/en/pages/about/").content.decode()
    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in html


def test_the_page_list_shows_top_level_published_pages(highway):
    make_page("about", **WORDS)
    make_page("hidden", publish=False)
    html = Client().get("/fr/pages/").content.decode()
    assert 'href="/fr/pages/about/"' in html and "À propos" in html
    assert "hidden" not in html


def test_pages_answer_if_modified_since_with_304(highway):
    make_page()
    first = Client().get("/en/pages/about/")
    again = Client().get("/en/pages/about/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_the_sitemap_lists_each_published_page_in_each_language(highway):
    make_page("about", **WORDS)
    make_page("draft", publish=False)
    response = Client().get("/sitemap.xml")
    xml = response.content.decode()
    assert response.status_code == 200
    for language in WORDS:
        assert f"<loc>http://testserver/{language}/pages/about/</loc>" in xml
        assert f'hreflang="{language}" href="http://testserver/{language}/pages/about/"' in xml
    assert 'hreflang="x-default"' in xml
    assert "draft" not in xml


def test_a_published_pages_image_is_served(highway, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VAR_DIR = tmp_path
    page = make_page(publish=False)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    media = services.attach_media(page, SimpleUploadedFile("a.png", png))
    assert Client().get(f"/cms/media/{media.pk}/").status_code == 404  # a draft's
    services.publish_page(page)
    response = Client().get(f"/cms/media/{media.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.getvalue() == png
