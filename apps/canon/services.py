"""The canon's writes, one function per action. Nothing here changes or deletes a row: a
correction is a new row (a new version superseding the previous one).

Each archive appends to its table's hash chain (apps/canon/chain.py) under the table's lock,
in one transaction, and publishes its event (canon.*.archived) through core's outbox: it
reaches Redis when the caller's transaction commits, and not at all if it rolls back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.canon import chain, refs
from apps.canon.exceptions import AlreadyArchived, NoNoteProvider, NotInCanon
from apps.canon.models import (
    RECORD_MODELS,
    ArchivedNote,
    ChainedRecord,
    EventTrace,
    MemoryLink,
    PrdLog,
    VerificationRun,
)
from apps.core.highway.publisher import publish
from apps.core.modules.registry import contract, owning_module
from apps.core.modules.settings import module_setting

SOURCE = "canon"
NOTE_CONTRACT = "l3.note"
PRD_FIELDS = ("title", "summary", "source", "category")


@dataclass(frozen=True)
class Provenance:
    """Where an archived record comes from, and who archived it."""

    origin_module: str = ""
    origin_l1_ids: list[str] = field(default_factory=list)
    origin_note_id: str = ""
    origin_event_id: str = ""
    archived_by: Any = None  # the user, or None
    agent: str = ""

    def values(self) -> dict[str, Any]:
        return {
            "origin_module": self.origin_module,
            "origin_l1_ids": [str(item) for item in self.origin_l1_ids],
            "origin_note_id": self.origin_note_id,
            "origin_event_id": self.origin_event_id,
            "archived_by_id": getattr(self.archived_by, "pk", None),
            "agent": self.agent,
            "archived_at": timezone.now(),
        }


def _event(row: ChainedRecord, **data: Any) -> dict[str, Any]:
    return {"id": row.pk, "seq": row.seq, "row_hash": row.row_hash, **data}


def archive_prd_version(
    prd_key: str,
    *,
    title: str,
    summary: str = "",
    source: str = "",
    category: str = "",
    created_at: datetime | None = None,
    provenance: Provenance | None = None,
) -> PrdLog:
    """A new version of PRD `prd_key` superseding its latest; AlreadyArchived (409) when the
    latest version has the same title, summary, source and category."""
    provenance = provenance or Provenance()
    content = {"title": title, "summary": summary, "source": source, "category": category}
    with transaction.atomic():
        chain.lock(PrdLog)  # before reading the latest: no two writers make the same version
        latest = PrdLog.objects.filter(prd_key=prd_key).order_by("-version").first()
        if latest is not None and all(getattr(latest, k) == content[k] for k in PRD_FIELDS):
            raise AlreadyArchived(
                _("Already archived: version %(version)d of '%(key)s' has this content.")
                % {"version": latest.version, "key": prd_key}
            )
        values = provenance.values()
        row = chain.append(
            PrdLog,
            locked=True,
            prd_key=prd_key,
            version=1 if latest is None else latest.version + 1,
            supersedes_id=None if latest is None else latest.pk,
            created_at=created_at or values["archived_at"],
            **content,
            **values,
        )
        publish(
            "canon.prd.archived",
            _event(
                row,
                prd_key=prd_key,
                version=row.version,
                supersedes=row.supersedes_id,
                title=row.title,
            ),
            source=SOURCE,
        )
    return row


def archive_trace(
    prd_key: str,
    *,
    trigger: str,
    context: dict[str, Any] | None = None,
    version: int | None = None,
    provenance: Provenance | None = None,
) -> EventTrace:
    """What triggered a PRD version (its latest, or `version`); NotInCanon (404) for an
    unknown PRD, AlreadyArchived (409) for the same trace of the same version twice."""
    provenance = provenance or Provenance()
    context = chain.normalise(context or {})
    prd = _prd_version(prd_key, version)
    with transaction.atomic():
        chain.lock(EventTrace)
        twin = EventTrace.objects.filter(
            prd=prd,
            trigger=trigger,
            context=context,
            origin_event_id=provenance.origin_event_id,
        )
        if twin.exists():
            raise AlreadyArchived(
                _("Already archived: this trace of '%(key)s' v%(version)d is in the canon.")
                % {"key": prd_key, "version": prd.version}
            )
        row = chain.append(
            EventTrace,
            locked=True,
            prd_id=prd.pk,
            trigger=trigger,
            context=context,
            **provenance.values(),
        )
        publish(
            "canon.trace.archived",
            _event(row, prd_key=prd_key, version=prd.version, trigger=trigger),
            source=SOURCE,
        )
    return row


def _prd_version(prd_key: str, version: int | None) -> PrdLog:
    versions = PrdLog.objects.filter(prd_key=prd_key)
    prd = (
        versions.order_by("-version").first()
        if version is None
        else versions.filter(version=version).first()
    )
    if prd is None:
        if version is None:
            raise NotInCanon(_("No PRD '%(key)s' in the canon.") % {"key": prd_key})
        raise NotInCanon(
            _("No version %(version)d of PRD '%(key)s' in the canon.")
            % {"version": version, "key": prd_key}
        )
    return prd


def archive_link(
    source_node: str,
    target_node: str,
    link_type: str,
    *,
    rationale: str = "",
    provenance: Provenance | None = None,
) -> MemoryLink:
    """A link between two nodes. An end in the canon ("canon:prd:<key>", "canon:trace:<id>",
    "canon:note:<note id>") must exist (404); the same link twice is AlreadyArchived (409)."""
    provenance = provenance or Provenance()
    for end in (source_node, target_node):
        if not refs.exists_in_canon(end):
            raise NotInCanon(_("'%(ref)s' is not in the canon.") % {"ref": end})
    with transaction.atomic():
        chain.lock(MemoryLink)
        twin = MemoryLink.objects.filter(
            source_node=source_node, target_node=target_node, link_type=link_type
        )
        if twin.exists():
            raise AlreadyArchived(
                _("Already archived: %(source)s %(type)s %(target)s is in the canon.")
                % {"source": source_node, "type": link_type, "target": target_node}
            )
        row = chain.append(
            MemoryLink,
            locked=True,
            source_node=source_node,
            target_node=target_node,
            link_type=link_type,
            rationale=rationale,
            **provenance.values(),
        )
        publish(
            "canon.link.archived",
            _event(row, source=source_node, target=target_node, type=link_type),
            source=SOURCE,
        )
    return row


def archive_note(note_id: str, *, provenance: Provenance | None = None) -> ArchivedNote:
    """A snapshot of L3 note `note_id`, read through the "l3.note" contract: NoNoteProvider
    (400) without a provider, NotInCanon (404) for an unknown note, AlreadyArchived (409) when
    the latest archived version is the same snapshot; a changed note gets a new version."""
    note_snapshot = contract(NOTE_CONTRACT)
    if note_snapshot is None:
        raise NoNoteProvider()
    snapshot = note_snapshot(note_id)
    if snapshot is None:
        raise NotInCanon(_("No L3 note '%(id)s'.") % {"id": note_id})
    snapshot = chain.normalise(snapshot)
    provenance = provenance or Provenance()
    values = provenance.values()
    values["origin_module"] = values["origin_module"] or (
        owning_module(note_snapshot.__module__) or ""
    )
    values["origin_note_id"] = str(snapshot.get("id") or note_id)
    values["origin_l1_ids"] = values["origin_l1_ids"] or refs.citation_refs(snapshot)
    with transaction.atomic():
        chain.lock(ArchivedNote)
        latest = (
            ArchivedNote.objects.filter(note_id=values["origin_note_id"])
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.snapshot == snapshot:
            raise AlreadyArchived(
                _("Already archived: version %(version)d of note '%(id)s' is this snapshot.")
                % {"version": latest.version, "id": note_id}
            )
        row = chain.append(
            ArchivedNote,
            locked=True,
            note_id=values["origin_note_id"],
            version=1 if latest is None else latest.version + 1,
            supersedes_id=None if latest is None else latest.pk,
            title=str(snapshot.get("title") or ""),
            body=str(snapshot.get("body") or ""),
            snapshot=snapshot,
            **values,
        )
        publish(
            "canon.note.archived",
            _event(row, note_id=row.note_id, version=row.version),
            source=SOURCE,
        )
    return row


def record_verification(recent: int | None = None) -> VerificationRun:
    """Check the latest `recent` rows of each chain (the module's VERIFY_RECENT setting by
    default), and that no chain ends before the head the previous check saw; keep the result."""
    if recent is None:
        recent = module_setting(SOURCE, "VERIFY_RECENT")
    started = time.perf_counter()
    previous = VerificationRun.objects.order_by("-checked_at", "-id").first()
    seen = previous.heads if previous is not None else {}
    rows, problem, heads = 0, None, {}
    for model in RECORD_MODELS:
        table = chain.table_name(model)
        heads[table] = chain.head(model)
        verdict = chain.verify(model, since=max(1, heads[table] - recent + 1))
        rows += verdict.rows
        found = verdict.problem or chain.cut_off(model, seen.get(table))
        if found is not None and problem is None:
            problem = found.as_dict()
    return VerificationRun.objects.create(
        checked_at=timezone.now(),
        ok=problem is None,
        rows_checked=rows,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
        problem=problem,
        # The highest head seen so far: a broken check must not lower the reference.
        heads={t: max(n, int(seen.get(t) or 0)) for t, n in heads.items()},
    )
