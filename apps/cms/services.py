"""The CMS's writes, one function per action. Each publishes its event through core's outbox in
the same transaction (it reaches Redis when the transaction commits); apps/cms/apps.py lists
them. Status changes: draft -> published (publish), published -> draft (unpublish),
draft or published -> archived (archive), archived -> draft (restore).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from apps.cms.exceptions import (
    InvalidInput,
    InvalidStatusChange,
    SlugTaken,
    TranslationMissing,
)
from apps.cms.models import (
    SEO_MAX,
    SLUG_MAX,
    TITLE_MAX,
    Media,
    Page,
    PageStatus,
    PageTranslation,
)
from apps.core.highway.publisher import publish
from apps.core.modules.settings import module_setting

SOURCE = "cms"
PAGE_CREATED = "cms.page.created"
PAGE_UPDATED = "cms.page.updated"
PAGE_DELETED = "cms.page.deleted"
PAGE_PUBLISHED = "cms.page.published"
PAGE_UNPUBLISHED = "cms.page.unpublished"
PAGE_ARCHIVED = "cms.page.archived"
PAGE_RESTORED = "cms.page.restored"
TRANSLATION_SAVED = "cms.translation.saved"
TRANSLATION_DELETED = "cms.translation.deleted"
MEDIA_ADDED = "cms.media.added"
MEDIA_REMOVED = "cms.media.removed"
EVENTS = (
    PAGE_CREATED,
    PAGE_UPDATED,
    PAGE_DELETED,
    PAGE_PUBLISHED,
    PAGE_UNPUBLISHED,
    PAGE_ARCHIVED,
    PAGE_RESTORED,
    TRANSLATION_SAVED,
    TRANSLATION_DELETED,
    MEDIA_ADDED,
    MEDIA_REMOVED,
)

BODY_MAX = 200_000
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PAGE_FIELDS = ("slug", "parent", "ordering", "published_at")
# Images a browser shows, recognised by their first bytes (never by the name or the header the
# client sends). No SVG: it can carry scripts.
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def default_language() -> str:
    return str(settings.LANGUAGE_CODE)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _page_event(page: Page) -> dict[str, Any]:
    return {"id": page.pk, "slug": page.slug, "status": page.status}


def clean_page_fields(fields: dict[str, Any], page: Page | None = None) -> dict[str, Any]:
    """The page fields given, checked (the API's serializers and the admin's forms check the
    same; other callers come here directly)."""
    errors: dict[str, list[str]] = {}
    if "slug" in fields:
        slug = str(fields["slug"]).strip()
        if len(slug) > SLUG_MAX or not SLUG.fullmatch(slug):
            errors["slug"] = [
                _("A slug of 1 to %(max)d lowercase letters and digits, hyphens between them.")
                % {"max": SLUG_MAX}
            ]
        fields["slug"] = slug
    parent = fields.get("parent")
    if parent is not None and page is not None and page.pk is not None:
        ancestor: Page | None = parent
        while ancestor is not None:  # the tree stays a tree: no page under itself
            if ancestor.pk == page.pk:
                errors["parent"] = [_("A page cannot be under itself.")]
                break
            ancestor = ancestor.parent
    if errors:
        raise InvalidInput(errors)
    return fields


def clean_translation_fields(language: str, fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if language not in languages():
        errors["language"] = [_("One of %(languages)s.") % {"languages": ", ".join(languages())}]
    title = str(fields.get("title", "")).strip()
    if not title or len(title) > TITLE_MAX:
        errors["title"] = [_("A title of 1 to %(max)d characters.") % {"max": TITLE_MAX}]
    if len(fields.get("body", "")) > BODY_MAX:
        errors["body"] = [_("At most %(max)d characters.") % {"max": BODY_MAX}]
    if len(fields.get("seo_description", "")) > SEO_MAX:
        errors["seo_description"] = [_("At most %(max)d characters.") % {"max": SEO_MAX}]
    if errors:
        raise InvalidInput(errors)
    return {
        "title": title,
        "body": str(fields.get("body", "")),
        "seo_description": str(fields.get("seo_description", "")).strip(),
    }


def _slug_taken(slug: str) -> SlugTaken:
    return SlugTaken(_("The slug '%(slug)s' is taken.") % {"slug": slug[:SLUG_MAX]})


def create_page(
    slug: str,
    *,
    parent: Page | None = None,
    ordering: int = 0,
    published_at: Any = None,
    author: Any = None,
) -> Page:
    fields = clean_page_fields(
        {"slug": slug, "parent": parent, "ordering": ordering, "published_at": published_at}
    )
    try:
        with transaction.atomic():
            page = Page.objects.create(**fields, author=author)
            publish(PAGE_CREATED, _page_event(page), source=SOURCE)
    except IntegrityError as clash:
        raise _slug_taken(fields["slug"]) from clash
    return page


def update_page(page: Page, **changes: Any) -> Page:
    """Change some of slug, parent, ordering, published_at; an unchanged page publishes nothing."""
    unknown = set(changes) - set(PAGE_FIELDS)
    if unknown:
        raise TypeError(f"update_page() got unknown fields: {sorted(unknown)}")
    fields = clean_page_fields(dict(changes), page)
    changed = sorted(name for name, value in fields.items() if getattr(page, name) != value)
    if not changed:
        return page
    try:
        with transaction.atomic():
            for name in changed:
                setattr(page, name, fields[name])
            page.save()
            publish(PAGE_UPDATED, {**_page_event(page), "changed": changed}, source=SOURCE)
    except IntegrityError as clash:
        page.refresh_from_db()
        raise _slug_taken(fields["slug"]) from clash
    return page


def delete_page(page: Page) -> None:
    """The page, its translations and media. A page with children keeps them: refused."""
    if page.children.exists():
        raise InvalidStatusChange(_("The page has child pages: move or delete them first."))
    event = _page_event(page)
    files = [str(media.file.name) for media in page.media.all()]
    with transaction.atomic():
        page.delete()
        publish(PAGE_DELETED, event, source=SOURCE)
    storage = Media._meta.get_field("file").storage
    for name in files:  # after the commit: a rolled-back delete keeps its files
        storage.delete(name)


def save_translation(
    page: Page, language: str, title: str, body: str = "", seo_description: str = ""
) -> PageTranslation:
    """Create or replace the page's words in `language`."""
    fields = clean_translation_fields(
        language, {"title": title, "body": body, "seo_description": seo_description}
    )
    with transaction.atomic():
        translation, created = PageTranslation.objects.update_or_create(
            page=page, language=language, defaults=fields
        )
        page.save(update_fields=["updated_at"])  # the page's Last-Modified moves with its words
        publish(
            TRANSLATION_SAVED,
            {**_page_event(page), "language": language, "created": created},
            source=SOURCE,
        )
    return translation


def delete_translation(page: Page, language: str) -> None:
    if language == default_language() and page.status == PageStatus.PUBLISHED:
        raise TranslationMissing(
            _("A published page keeps its %(language)s translation.") % {"language": language}
        )
    with transaction.atomic():
        deleted, _rows = PageTranslation.objects.filter(page=page, language=language).delete()
        if deleted:
            page.save(update_fields=["updated_at"])
            publish(TRANSLATION_DELETED, {**_page_event(page), "language": language}, source=SOURCE)


def _change_status(
    page: Page, allowed_from: tuple[str, ...], to: str, event_type: str, message: str
) -> Page:
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        if locked.status not in allowed_from:
            raise InvalidStatusChange(message % {"status": locked.status})
        locked.status = to
        if to == PageStatus.PUBLISHED and locked.published_at is None:
            locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
        publish(event_type, _page_event(locked), source=SOURCE)
    page.refresh_from_db()
    return page


def publish_page(page: Page) -> Page:
    """Draft -> published; needs the default language's translation (the visitors' fallback)."""
    if not page.translations.filter(language=default_language()).exists():
        raise TranslationMissing(
            _("Publishing needs the %(language)s translation.") % {"language": default_language()}
        )
    return _change_status(
        page,
        (PageStatus.DRAFT,),
        PageStatus.PUBLISHED,
        PAGE_PUBLISHED,
        _("Only a draft can be published (this page is %(status)s)."),
    )


def unpublish_page(page: Page) -> Page:
    return _change_status(
        page,
        (PageStatus.PUBLISHED,),
        PageStatus.DRAFT,
        PAGE_UNPUBLISHED,
        _("Only a published page can be unpublished (this page is %(status)s)."),
    )


def archive_page(page: Page) -> Page:
    return _change_status(
        page,
        (PageStatus.DRAFT, PageStatus.PUBLISHED),
        PageStatus.ARCHIVED,
        PAGE_ARCHIVED,
        _("This page is already %(status)s."),
    )


def restore_page(page: Page) -> Page:
    return _change_status(
        page,
        (PageStatus.ARCHIVED,),
        PageStatus.DRAFT,
        PAGE_RESTORED,
        _("Only an archived page can be restored (this page is %(status)s)."),
    )


def media_limits() -> tuple[int, tuple[str, ...]]:
    """(largest size in bytes, accepted types), from the module's settings."""
    return int(module_setting(SOURCE, "MEDIA_MAX_BYTES")), tuple(IMAGE_SIGNATURES.values())


def sniff_image_type(head: bytes) -> str | None:
    for signature, content_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def attach_media(page: Page, upload: UploadedFile, alt_text: str = "") -> Media:
    """Store an image for the page through the storage API: at most MEDIA_MAX_BYTES, and a
    PNG, JPEG, GIF or WebP by its contents."""
    content_type = check_upload(upload, alt_text)
    size = upload.size or 0
    with transaction.atomic():
        media = Media(page=page, content_type=content_type, size=size, alt_text=alt_text)
        media.file.save(get_valid_filename(upload.name or "image"), upload, save=False)
        media.save()
        publish(
            MEDIA_ADDED,
            {**_page_event(page), "media": media.pk, "type": content_type, "size": size},
            source=SOURCE,
        )
    return media


def check_upload(upload: UploadedFile, alt_text: str = "") -> str:
    """The image's content type, or InvalidInput: the size and type limits (forms ask first)."""
    max_bytes, _types = media_limits()
    size = upload.size or 0
    if size > max_bytes:
        raise InvalidInput(
            {
                "file": [
                    _("At most %(max)d bytes (this file has %(size)d).")
                    % {"max": max_bytes, "size": size}
                ]
            }
        )
    upload.seek(0)
    content_type = sniff_image_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise InvalidInput({"file": [_("Only PNG, JPEG, GIF or WebP images.")]})
    if len(alt_text) > TITLE_MAX:
        raise InvalidInput({"alt_text": [_("At most %(max)d characters.") % {"max": TITLE_MAX}]})
    return content_type


def remove_media(media: Media) -> None:
    page, name, pk = media.page, str(media.file.name), media.pk
    with transaction.atomic():
        media.delete()
        publish(MEDIA_REMOVED, {**_page_event(page), "media": pk}, source=SOURCE)
    media.file.storage.delete(name)
