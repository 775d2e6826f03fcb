"""The canon's reads: filtered lists, a PRD's versions and its lineage, the chains' last check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import SearchRank
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from prometheus_client.core import GaugeMetricFamily, Metric

from apps.canon import refs
from apps.canon.models import (
    RECORD_MODELS,
    ArchivedNote,
    ChainedRecord,
    EventTrace,
    MemoryLink,
    PrdLog,
    VerificationRun,
)
from apps.core.search import SearchHit, SearchLink, search_query, search_vector, snippet

# The text fields ?q searches, per table.
TEXT_FIELDS: dict[type[ChainedRecord], tuple[str, ...]] = {
    PrdLog: ("title", "summary"),
    ArchivedNote: ("title", "body"),
    EventTrace: ("trigger",),
    MemoryLink: ("rationale", "source_node", "target_node"),
}


def records(
    model: type[ChainedRecord],
    *,
    origin_module: str | None = None,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str | None = None,
) -> QuerySet[Any]:
    """`model`'s rows, filtered: by origin module, category (PRDs), archived in [since, until),
    and text (case-insensitive, in the table's text fields)."""
    rows = model._default_manager.all()
    if origin_module:
        rows = rows.filter(origin_module=origin_module)
    if category and model is PrdLog:
        rows = rows.filter(**{"category": category})  # PRDs only: other tables have none
    if since is not None:
        rows = rows.filter(archived_at__gte=since)
    if until is not None:
        rows = rows.filter(archived_at__lt=until)
    if q:
        match = Q()
        for name in TEXT_FIELDS[model]:
            match |= Q(**{f"{name}__icontains": q})
        rows = rows.filter(match)
    return rows


def prd_versions(prd_key: str) -> list[PrdLog]:
    return list(PrdLog.objects.filter(prd_key=prd_key).order_by("version"))


def lineage(prd_key: str) -> dict[str, Any] | None:
    """PRD `prd_key`'s chain: its versions -> their traces -> the links touching the PRD or a
    trace -> the archived L3 notes those links reach -> the notes' L1 citations. None for an
    unknown key."""
    versions = prd_versions(prd_key)
    if not versions:
        return None
    traces = list(EventTrace.objects.filter(prd__in=versions).order_by("seq"))
    ends = [refs.prd(prd_key), *(refs.trace(t.pk) for t in traces)]
    links = list(
        MemoryLink.objects.filter(Q(source_node__in=ends) | Q(target_node__in=ends)).order_by("seq")
    )
    note_ids = sorted(
        {
            note_id
            for link in links
            for end in (link.source_node, link.target_node)
            if (note_id := refs.note_id_of(end)) is not None
        }
    )
    notes = latest_notes(note_ids)
    return {
        "prd_key": prd_key,
        "versions": [
            {
                **record_json(v),
                "version": v.version,
                "supersedes": v.supersedes_id,
                "title": v.title,
                "summary": v.summary,
                "source": v.source,
                "category": v.category,
                "created_at": v.created_at.isoformat(),
                "traces": [trace_json(t) for t in traces if t.prd_id == v.pk],
            }
            for v in versions
        ],
        "links": [link_json(link) for link in links],
        "notes": [
            {
                **record_json(note),
                "note_id": note.note_id,
                "version": note.version,
                "title": note.title,
                "citations": note.snapshot.get("citations") or [],
            }
            for note in notes
        ],
    }


def latest_notes(note_ids: list[str]) -> list[ArchivedNote]:
    """The latest archived version of each note (unarchived ids are left out)."""
    rows = ArchivedNote.objects.filter(note_id__in=note_ids).order_by("note_id", "-version")
    return list(rows.distinct("note_id"))


def record_json(row: ChainedRecord) -> dict[str, Any]:
    return {
        "id": row.pk,
        "seq": row.seq,
        "row_hash": row.row_hash,
        "origin_module": row.origin_module,
        "origin_l1_ids": row.origin_l1_ids,
        "archived_at": row.archived_at.isoformat(),
        "agent": row.agent,
    }


def trace_json(row: EventTrace) -> dict[str, Any]:
    return {**record_json(row), "trigger": row.trigger, "context": row.context}


def link_json(row: MemoryLink) -> dict[str, Any]:
    return {
        **record_json(row),
        "source_node": row.source_node,
        "target_node": row.target_node,
        "link_type": row.link_type,
        "rationale": row.rationale,
    }


def last_verification() -> VerificationRun | None:
    return VerificationRun.objects.order_by("-checked_at", "-id").first()


def verification_report() -> dict[str, Any]:
    """The last periodic check, as /status shows it under reports -> canon."""
    run = last_verification()
    heads = {
        model._meta.db_table.rsplit('"."', 1)[-1]: model._default_manager.order_by("-seq")
        .values_list("seq", flat=True)
        .first()
        or 0
        for model in RECORD_MODELS
    }
    if run is None:
        return {"status": "unverified", "last_verification": None, "rows": heads}
    return {
        "status": "ok" if run.ok else "broken",
        "last_verification": {
            "checked_at": run.checked_at.isoformat(),
            "ok": run.ok,
            "rows_checked": run.rows_checked,
            "duration_ms": run.duration_ms,
            "problem": run.problem,
        },
        "rows": heads,
    }


def verification_metrics() -> Iterator[Metric]:
    """/metrics: the last check's verdict, age and size."""
    run = last_verification()
    ok = GaugeMetricFamily(
        "cos_canon_chain_ok", "1 when the last check found every canon chain intact, else 0"
    )
    checked = GaugeMetricFamily("cos_canon_verified_at", "Unix time of the last chain check")
    rows = GaugeMetricFamily("cos_canon_rows_checked", "Rows the last chain check walked")
    if run is not None:
        ok.add_metric([], 1 if run.ok else 0)
        checked.add_metric([], run.checked_at.timestamp())
        rows.add_metric([], run.rows_checked)
    yield from (ok, checked, rows)


def prd_keys(limit: int = 200) -> list[dict[str, Any]]:
    """The most recently archived PRDs: key, latest version and title."""
    latest = PrdLog.objects.order_by("prd_key", "-version").distinct("prd_key")
    rows = sorted(latest, key=lambda row: row.seq, reverse=True)[:limit]
    return [{"prd_key": r.prd_key, "version": r.version, "title": r.title} for r in rows]


# What the admin's search across modules reads, per table: GIN indexes on these very
# expressions are made by migration 0003 (the tables are unmanaged).
SEARCH_FIELDS: dict[type[ChainedRecord], tuple[str, ...]] = {
    PrdLog: ("title", "summary"),
    ArchivedNote: ("title", "body"),
}


def search_hits(query: str, limit: int) -> list[SearchHit]:
    """The search provider (CanonConfig.search_provider): PRD versions (with their lineage) and
    archived notes whose words match, best first."""
    words = search_query(query)

    def best(model: type[ChainedRecord]) -> QuerySet[Any]:
        vector = search_vector(*SEARCH_FIELDS[model])
        return (
            model._default_manager.alias(found=vector)
            .filter(found=words)
            .annotate(rank=SearchRank(vector, words))
            .order_by("-rank", "-seq")[: limit + 1]
        )

    hits = [
        SearchHit(
            kind="prd",
            label=_("PRD version"),
            title=f"{prd.title} ({prd.prd_key} v{prd.version})",
            url=reverse("admin:canon_prdlog_change", args=[prd.pk]),
            snippet=snippet(prd.summary[:1000]),
            at=prd.archived_at,
            links=(
                SearchLink(
                    _("lineage"),
                    f"{reverse('admin:cos-canon-lineage')}?{urlencode({'prd': prd.prd_key})}",
                    "canon",
                ),
            ),
        )
        for prd in best(PrdLog)
    ]
    hits.extend(
        SearchHit(
            kind="archived_note",
            label=_("archived note"),
            title=f"{note.title} v{note.version}",
            url=reverse("admin:canon_archivednote_change", args=[note.pk]),
            snippet=snippet(note.body[:1000]),
            at=note.archived_at,
        )
        for note in best(ArchivedNote)
    )
    return hits
