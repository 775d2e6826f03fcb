"""L4, the canon: the immutable, auditable system of record, in schema `canon`.

Every table is append-only AT THE DATABASE: triggers (migrations/0002) refuse UPDATE, DELETE
and TRUNCATE for every role with SQLSTATE CN001. The models are unmanaged for that reason:
Django's `flush` (run between transactional tests, or by hand) truncates every managed table and
would be refused; the tables are created by migration 0001 from these very models.

Each record row is a link of its table's hash chain (apps/canon/chain.py, the one place hashes
are computed): `seq` (1, 2, 3... gapless), `content_hash` (sha256 of the canonical JSON of its
content), `prev_hash` (the previous row's `row_hash`) and `row_hash`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.db.schemas import schema_table


class LinkType(models.TextChoices):
    """The L2 graph's relationship types, for links kept in the canon (those of
    apps.core.graphdb.nodes.RELATIONSHIP_TYPES: a test checks)."""

    CONTAINS = "CONTAINS", "CONTAINS"
    REFERENCES = "REFERENCES", "REFERENCES"
    DEPENDS_ON = "DEPENDS_ON", "DEPENDS_ON"
    CREATED_BY = "CREATED_BY", "CREATED_BY"
    TRIGGERED_BY = "TRIGGERED_BY", "TRIGGERED_BY"
    FLOWS_TO = "FLOWS_TO", "FLOWS_TO"
    RELATES_TO = "RELATES_TO", "RELATES_TO"


class ChainedRecord(models.Model):
    """The chain's columns and the archive's provenance, on every record table."""

    seq = models.BigIntegerField(_("sequence"), unique=True, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, editable=False)
    origin_module = models.CharField(_("origin module"), max_length=64, blank=True, db_index=True)
    origin_l1_ids = models.JSONField(_("origin L1 ids"), default=list, blank=True)
    origin_note_id = models.CharField(_("origin L3 note id"), max_length=64, blank=True)
    origin_event_id = models.CharField(_("origin event id"), max_length=64, blank=True)
    # No database constraint: an audit row outlives the user (a real foreign key would stop
    # the user's deletion, or need an UPDATE the canon refuses), and flush must not cascade.
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    agent = models.CharField(_("agent"), max_length=200, blank=True)
    archived_at = models.DateTimeField(_("archived at"), db_index=True)

    class Meta:
        abstract = True
        ordering = ("seq",)


class PrdLog(ChainedRecord):
    """One version of a PRD; a correction is a new version superseding the previous one."""

    prd_key = models.CharField(_("PRD key"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta(ChainedRecord.Meta):
        managed = False
        db_table = schema_table("canon", "prd_log")
        verbose_name = _("PRD version")
        verbose_name_plural = _("PRD log")
        constraints = [
            models.UniqueConstraint(fields=["prd_key", "version"], name="canon_prd_key_version")
        ]

    def __str__(self) -> str:
        return f"{self.prd_key} v{self.version}"


class EventTrace(ChainedRecord):
    """What triggered a PRD version, with its context."""

    prd = models.ForeignKey(
        PrdLog, verbose_name=_("PRD version"), on_delete=models.PROTECT, related_name="traces"
    )
    trigger = models.CharField(_("trigger"), max_length=200)
    context = models.JSONField(_("context"), default=dict, blank=True)

    class Meta(ChainedRecord.Meta):
        managed = False
        db_table = schema_table("canon", "event_trace")
        verbose_name = _("event trace")
        verbose_name_plural = _("event traces")
        indexes = [models.Index(fields=["prd", "trigger"], name="canon_trace_prd_trigger")]

    def __str__(self) -> str:
        return f"{self.trigger} #{self.seq}"


class MemoryLink(ChainedRecord):
    """A link between two nodes: graph node uids or "module:kind:id" references."""

    source_node = models.CharField(_("source node"), max_length=300)
    target_node = models.CharField(_("target node"), max_length=300)
    link_type = models.CharField(_("link type"), max_length=20, choices=LinkType.choices)
    rationale = models.TextField(_("rationale"), blank=True)

    class Meta(ChainedRecord.Meta):
        managed = False
        db_table = schema_table("canon", "memory_link")
        verbose_name = _("memory link")
        verbose_name_plural = _("memory links")
        indexes = [
            models.Index(fields=["source_node"], name="canon_link_source"),
            models.Index(fields=["target_node"], name="canon_link_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_node} -{self.link_type}-> {self.target_node}"


class ArchivedNote(ChainedRecord):
    """A snapshot of an L3 note; archiving it again once changed adds a version."""

    note_id = models.CharField(_("note id"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("body"), blank=True)
    snapshot = models.JSONField(_("snapshot"))

    class Meta(ChainedRecord.Meta):
        managed = False
        db_table = schema_table("canon", "archived_note")
        verbose_name = _("archived note")
        verbose_name_plural = _("archived notes")
        constraints = [
            models.UniqueConstraint(fields=["note_id", "version"], name="canon_note_id_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class VerificationRun(models.Model):
    """One periodic check of the chains (apps/canon/events.py): append-only like the rest, but
    not chained itself (it records checks of the canon, not the canon)."""

    checked_at = models.DateTimeField(_("checked at"), db_index=True)
    ok = models.BooleanField(_("chains intact"))
    rows_checked = models.BigIntegerField(_("rows checked"))
    duration_ms = models.FloatField(_("duration (ms)"))
    problem = models.JSONField(_("first problem"), null=True, blank=True)
    # Each chain's last seq when checked: a later check finds rows cut off the end by them.
    heads = models.JSONField(_("chain heads"), default=dict)

    class Meta:
        managed = False
        db_table = schema_table("canon", "verification_run")
        ordering = ("-checked_at",)
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'BROKEN'}"


RECORD_MODELS: tuple[type[ChainedRecord], ...] = (PrdLog, EventTrace, MemoryLink, ArchivedNote)
ALL_MODELS: tuple[type[models.Model], ...] = (*RECORD_MODELS, VerificationRun)
