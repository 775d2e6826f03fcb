"""The public site's views, thin: published pages from apps.cms.selectors, in the language of
the URL (/<language>/pages/<slug>/, set by i18n_patterns and LocaleMiddleware). A page that is
not published, or not there, is a 404 page in the visitor's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.files.storage import Storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from apps.cms import selectors
from apps.cms.exceptions import PageNotFound
from apps.cms.models import Media, Page


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "cms/404.html", status=404)


def alternates(slug: str, available: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The page's URL in each language (the switcher, hreflang links); with `available`, marks
    the languages the page is written in."""
    links = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            url = reverse("cms_site:page", kwargs={"slug": slug})
        links.append(
            {
                "code": code,
                "name": name,
                "url": url,
                "written": available is None or code in available,
            }
        )
    return links


@require_safe
def page_list(request: HttpRequest) -> HttpResponse:
    language = translation.get_language() or settings.LANGUAGE_CODE
    shown = []
    for found in selectors.published_pages().filter(parent=None):
        try:
            shown.append(selectors.page_view(found, language))
        except PageNotFound:
            continue
    return render(request, "cms/page_list.html", {"pages": shown})


def _page_modified(request: HttpRequest, slug: str) -> datetime | None:
    version = selectors.request_page_version(request, slug)
    return None if version is None else version[0]


def _page_etag(request: HttpRequest, slug: str) -> str | None:
    version = selectors.request_page_version(request, slug)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return None if version is None else f"{language}-{version[1]}"


@require_safe
@cache_control(no_cache=True)  # caches keep it but ask first: an unpublished page goes at once
@condition(etag_func=_page_etag, last_modified_func=_page_modified)
def page(request: HttpRequest, slug: str) -> HttpResponse:
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        view = selectors.page_view(selectors.published_page(slug), language)
    except PageNotFound:
        return not_found(request)
    children = [child for child in selectors.published_pages().filter(parent=view.page)]
    context: dict[str, Any] = {
        "view": view,
        "alternates": alternates(slug, view.available),
        "children": children,
    }
    return render(request, "cms/page.html", context)


@require_safe
def media(request: HttpRequest, pk: int) -> FileResponse:
    """An image of a published page (a draft's are for staff, in the admin)."""
    found = selectors.published_media(pk)
    if found is None:
        raise Http404
    storage: Storage = Media._meta.get_field("file").storage
    try:
        opened = storage.open(str(found.file.name))
    except OSError as missing:  # the row outlived its file (removed by hand, another storage)
        raise Http404 from missing
    response = FileResponse(opened, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PageSitemap(Sitemap):
    """Published pages, one URL per language with hreflang alternates."""

    i18n = True
    alternates = True
    x_default = True

    def items(self) -> list[Page]:
        return list(selectors.published_pages().order_by("slug"))

    def location(self, item: Page) -> str:
        return reverse("cms_site:page", kwargs={"slug": item.slug})

    def lastmod(self, item: Page) -> datetime:
        return item.updated_at


SITEMAPS = {"pages": PageSitemap}
