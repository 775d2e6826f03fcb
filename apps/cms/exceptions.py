"""What the CMS refuses. Each refusal has a stable `code` and an HTTP status: the API answers
it in core's error shape ({"status", "code", "detail", ...}), the public site with a page in
the visitor's language (apps.cms.site_views)."""

from __future__ import annotations

from typing import Any


class CmsError(Exception):
    """Base of the CMS's refusals."""

    status = 400
    code = "cms_error"

    def __init__(self, detail: str = "", **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class InvalidInput(CmsError):
    """400: `errors` maps each field to its messages."""

    code = "invalid"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("Invalid input.")
        self.errors = errors


class PageNotFound(CmsError):
    """404: no such page (or none a visitor may see: a draft is not found)."""

    status = 404
    code = "page_not_found"


class SlugTaken(CmsError):
    """409: another page has this slug."""

    status = 409
    code = "slug_taken"


class TranslationMissing(CmsError):
    """409: a published page needs its default language (settings.LANGUAGE_CODE), the fallback
    every visitor may be shown: publishing without it, or removing it from a published page."""

    status = 409
    code = "translation_missing"


class InvalidStatusChange(CmsError):
    """409: the page's status does not allow this (publishing an archived page, say)."""

    status = 409
    code = "invalid_status_change"
