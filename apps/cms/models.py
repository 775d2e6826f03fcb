"""The module's tables.

L1 memory (core's abstract models, made concrete) goes to the module's memory schema,
mem0_cms; the module's own tables (pages, their translations and media) go to its main
schema, cms.
"""

import os
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.db.schemas import schema_table
from apps.core.memory import (
    AbstractBaseLog,
    AbstractEventLog,
    AbstractPromptTrace,
    AbstractScratchNote,
)
from apps.core.search import search_vector


class BaseLog(AbstractBaseLog):
    class Meta(AbstractBaseLog.Meta):
        db_table = schema_table("mem0_cms", "base_log")


class EventLog(AbstractEventLog):
    class Meta(AbstractEventLog.Meta):
        db_table = schema_table("mem0_cms", "event_log")


class PromptTrace(AbstractPromptTrace):
    class Meta(AbstractPromptTrace.Meta):
        db_table = schema_table("mem0_cms", "prompt_trace")


class ScratchNote(AbstractScratchNote):
    class Meta(AbstractScratchNote.Meta):
        db_table = schema_table("mem0_cms", "scratch_note")


# --- Content pages ------------------------------------------------------------------------
SLUG_MAX = 120
TITLE_MAX = 200
SEO_MAX = 300
SEARCH_FIELDS = ("title", "body", "seo_description")  # a translation's searched text


class PageStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class Page(models.Model):
    """A content page: its slug, status and place in the tree; its words are its translations.

    Written only through apps.cms.services (events); read through apps.cms.selectors."""

    slug = models.SlugField(_("slug"), max_length=SLUG_MAX, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PageStatus.choices, default=PageStatus.DRAFT
    )
    published_at = models.DateTimeField(_("publish date"), null=True, blank=True)
    ordering = models.PositiveIntegerField(_("ordering"), default=0)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent page"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a page with children is not deleted under them
        related_name="children",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = schema_table("cms", "page")
        ordering = ["ordering", "slug"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self) -> str:
        return self.slug


class PageTranslation(models.Model):
    """A page's words in one language (en, fr, de or lb)."""

    page = models.ForeignKey(
        Page, verbose_name=_("page"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body (Markdown)"), blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=SEO_MAX, blank=True)

    class Meta:
        db_table = schema_table("cms", "page_translation")
        ordering = ["page", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "language"], name="cms_one_translation_per_language"
            )
        ]
        # Full-text search (selectors.search_hits): the same expression.
        indexes = [GinIndex(search_vector(*SEARCH_FIELDS), name="cms_translation_search")]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")

    def __str__(self) -> str:
        return f"{self.page_id}/{self.language}"


class VarStorage(FileSystemStorage):
    """Files under var/cms/media/, read from settings.VAR_DIR when used (not when the model
    loads), so that a test's or a deployment's VAR_DIR is where the files go."""

    @property
    def base_location(self) -> str:
        return str(Path(settings.VAR_DIR) / "cms" / "media")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def media_storage() -> Storage:
    """Where media files go: Django's storage API, a folder under var/ unless configured
    (STORAGES["cms_media"] names another backend)."""
    if "cms_media" in settings.STORAGES:
        return storages["cms_media"]
    return VarStorage()


class Media(models.Model):
    """An image attached to a page, kept through the storage API (size and type checked by
    apps.cms.services.attach_media)."""

    page = models.ForeignKey(
        Page, verbose_name=_("page"), on_delete=models.CASCADE, related_name="media"
    )
    file = models.FileField(_("file"), upload_to="pages/%Y/%m/", storage=media_storage)
    content_type = models.CharField(_("type"), max_length=32)
    size = models.PositiveIntegerField(_("size (bytes)"))
    alt_text = models.CharField(_("alternative text"), max_length=TITLE_MAX, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        db_table = schema_table("cms", "media")
        ordering = ["page", "uploaded_at"]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")

    def __str__(self) -> str:
        return str(self.file.name or "")
