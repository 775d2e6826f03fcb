"""The module's tables, in its schema `zk`: notes, the typed links between them, and the L1
records a note cites. zk keeps no L1 memory of its own (no mem0_zk tables): it curates the
other modules'."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.db.schemas import schema_table

SEARCH_CONFIG = "simple"  # no stemming: notes mix languages (en, fr, de, lb)
TITLE_MAX = 300
TAG_MAX = 50


class LinkType(models.TextChoices):
    # The graph's relationship types (apps.core.graphdb.nodes.RELATIONSHIP_TYPES, a test
    # checks), so the graph can mirror a link as it is.
    CONTAINS = "CONTAINS", _("contains")
    REFERENCES = "REFERENCES", _("references")
    DEPENDS_ON = "DEPENDS_ON", _("depends on")
    CREATED_BY = "CREATED_BY", _("created by")
    TRIGGERED_BY = "TRIGGERED_BY", _("triggered by")
    FLOWS_TO = "FLOWS_TO", _("flows to")
    RELATES_TO = "RELATES_TO", _("relates to")


class CitationKind(models.TextChoices):
    LOG = "log", _("log")
    PROMPT_TRACE = "prompt_trace", _("prompt trace")


class Note(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    tags = ArrayField(
        models.CharField(max_length=TAG_MAX), verbose_name=_("tags"), default=list, blank=True
    )
    source = models.TextField(_("source"), blank=True, help_text=_("Where it came from."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    # Kept by PostgreSQL itself: no write can forget it. Title words weigh more than body's.
    search = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("body", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = schema_table("zk", "note")
        ordering = ["-updated_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [
            GinIndex(fields=["tags"], name="zk_note_tags_gin"),
            GinIndex(fields=["search"], name="zk_note_search_gin"),
            models.Index(fields=["-updated_at", "-id"], name="zk_note_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class NoteLink(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    from_note = models.ForeignKey(
        Note, verbose_name=_("from"), on_delete=models.CASCADE, related_name="links"
    )
    to_note = models.ForeignKey(
        Note, verbose_name=_("to"), on_delete=models.CASCADE, related_name="backlinks"
    )
    type = models.CharField(_("type"), max_length=20, choices=LinkType.choices)
    rationale = models.TextField(_("rationale"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        db_table = schema_table("zk", "note_link")
        ordering = ["type", "created_at", "id"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(fields=["from_note", "to_note", "type"], name="zk_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(from_note=models.F("to_note")), name="zk_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_note_id} -{self.type}-> {self.to_note_id}"


class Citation(models.Model):
    """An L1 record a note quotes, with what it said then: L1 may be pruned, the note stays."""

    note = models.ForeignKey(
        Note, verbose_name=_("note"), on_delete=models.CASCADE, related_name="citations"
    )
    module = models.CharField(_("module"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CitationKind.choices)
    record_id = models.CharField(_("record id"), max_length=64)
    text = models.TextField(_("text"), help_text=_("The message or prompt, as promoted."))
    recorded_at = models.DateTimeField(_("recorded"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        db_table = schema_table("zk", "citation")
        ordering = ["position", "id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(
                fields=["note", "module", "kind", "record_id"], name="zk_citation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.module}:{self.kind}:{self.record_id}"
