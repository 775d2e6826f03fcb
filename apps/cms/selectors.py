"""The CMS's reads. What a visitor may see is decided here once: published pages only."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchRank
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.cms.exceptions import PageNotFound
from apps.cms.models import SEARCH_FIELDS, Media, Page, PageStatus, PageTranslation
from apps.cms.rendering import render_markdown
from apps.core.search import SearchHit, search_query, search_vector, snippet


@dataclass(frozen=True)
class PageView:
    """A page as shown in one language: the translation asked for, or the default language's
    (then `fallback` is True and `language` says which one is shown)."""

    page: Page
    requested: str
    language: str
    title: str
    html: str
    seo_description: str
    available: tuple[str, ...]

    @property
    def fallback(self) -> bool:
        return self.language != self.requested


def pages() -> QuerySet[Page]:
    """Every page, for staff."""
    return Page.objects.select_related("parent", "author").prefetch_related("translations")


def page(pk: object) -> Page | None:
    try:
        return pages().filter(pk=int(str(pk))).first()
    except (TypeError, ValueError, OverflowError):
        return None


def published_pages() -> QuerySet[Page]:
    return Page.objects.filter(status=PageStatus.PUBLISHED).prefetch_related(
        Prefetch("translations", queryset=PageTranslation.objects.order_by("language"))
    )


def published_page(slug: str) -> Page:
    found = published_pages().filter(slug=slug[:200]).first()
    if found is None:
        raise PageNotFound(_("No published page '%(slug)s'.") % {"slug": slug[:120]})
    return found


def page_view(found: Page, language: str) -> PageView:
    """`found` in `language`, else in the default language; a page with neither is not found."""
    translations = {t.language: t for t in found.translations.all()}
    shown = translations.get(language) or translations.get(settings.LANGUAGE_CODE)
    if shown is None:
        raise PageNotFound(_("Page '%(slug)s' has no text to show.") % {"slug": found.slug})
    return PageView(
        page=found,
        requested=language,
        language=shown.language,
        title=shown.title,
        html=render_markdown(shown.body),
        seo_description=shown.seo_description,
        available=tuple(code for code, _name in settings.LANGUAGES if code in translations),
    )


def page_version(slug: str) -> tuple[datetime, str] | None:
    """What a published page's answers are validated by: the newest change to what they show
    (the page and its words, its published children, its parent) and a fingerprint of it all
    (an ETag: a child deleted, or two changes within a second, change it too). None if there is
    no such page."""
    page = (
        Page.objects.select_related("parent")
        .filter(status=PageStatus.PUBLISHED, slug=slug[:200])
        .first()
    )
    if page is None:
        return None
    children = sorted(
        Page.objects.filter(parent=page, status=PageStatus.PUBLISHED).values_list(
            "pk", "updated_at"
        )
    )
    stamps = [page.updated_at, *(stamp for _, stamp in children)]
    parent = page.parent
    if parent is not None:
        stamps.append(parent.updated_at)
    parent_state = (parent.slug, parent.status) if parent is not None else None
    shown = f"{page.pk}|{page.updated_at.isoformat()}|{children}|{parent_state}"
    return max(stamps), hashlib.sha256(shown.encode()).hexdigest()[:32]


def request_page_version(request: Any, slug: str) -> tuple[datetime, str] | None:
    """page_version, once per request: Django's condition() asks for the ETag and the
    Last-Modified separately."""
    known: dict[str, tuple[datetime, str] | None] = request.__dict__.setdefault(
        "_cms_page_versions", {}
    )
    if slug not in known:
        known[slug] = page_version(slug)
    return known[slug]


def published_media(pk: int) -> Media | None:
    return (
        Media.objects.select_related("page")
        .filter(pk=pk, page__status=PageStatus.PUBLISHED)
        .first()
    )


def search_hits(query: str, limit: int) -> list[SearchHit]:
    """The search provider (CmsConfig.search_provider): page translations whose title, body or
    SEO description match, best first, each leading to its page in the admin."""
    words = search_query(query)
    found = (
        PageTranslation.objects.alias(found=search_vector(*SEARCH_FIELDS))
        .filter(found=words)
        .annotate(rank=SearchRank(search_vector(*SEARCH_FIELDS), words))
        .select_related("page")
        .order_by("-rank", "page__slug", "language")[: limit + 1]
    )
    return [
        SearchHit(
            kind="page",
            label=_("page"),
            title=f"{translation.title} ({translation.language})",
            url=reverse("admin:cms_page_change", args=[translation.page_id]),
            snippet=snippet(f"/{translation.page.slug}/ · {translation.page.get_status_display()}"),
            at=translation.page.updated_at,
        )
        for translation in found
    ]
