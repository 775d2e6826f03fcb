"""The module's reads: notes (searched by text and tag), a note's links and backlinks, the
`l3.note` contract (`note_snapshot`), through which other modules (L4) read a note, and the
`dashboard.counts` contract (`dashboard_counts`), the numbers of zk's tile on the dashboard."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet
from django.urls import reverse

from apps.zk.models import SEARCH_CONFIG, Note, NoteLink

# Full-text search wants words: shorter or word-less queries ("c#", "ab", "--") match by
# substring instead, which also finds the beginning of a word as it is typed.
FTS_MIN_LENGTH = 3
WORD = re.compile(r"\w{2,}")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def notes(q: str = "", tag: str = "") -> QuerySet[Note]:
    """Notes, newest change first; with `q`, best match first (title words weigh more)."""
    found = Note.objects.select_related("created_by")
    if tag:
        found = found.filter(tags__contains=[tag])
    q = q.strip()
    if not q:
        return found.order_by("-updated_at", "-id")
    substring = Q(title__icontains=q) | Q(body__icontains=q)
    if len(q) < FTS_MIN_LENGTH or not WORD.search(q):
        return found.filter(substring).order_by("-updated_at", "-id")
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    return (
        found.filter(Q(search=query) | Q(title__icontains=q))
        .annotate(rank=SearchRank(F("search"), query))
        .order_by("-rank", "-updated_at", "-id")
    )


def note(note_id: Any) -> Note | None:
    """The note, or None (also for a malformed id)."""
    key = _uuid(note_id)
    return None if key is None else Note.objects.filter(pk=key).first()


def link(link_id: Any) -> NoteLink | None:
    key = _uuid(link_id)
    if key is None:
        return None
    return NoteLink.objects.select_related("from_note", "to_note").filter(pk=key).first()


def links_of(note: Note) -> QuerySet[NoteLink]:
    """The note's links to other notes."""
    return NoteLink.objects.filter(from_note=note).select_related("from_note", "to_note")


def backlinks_of(note: Note) -> QuerySet[NoteLink]:
    """The links of other notes to this one."""
    return NoteLink.objects.filter(to_note=note).select_related("from_note", "to_note")


def note_snapshot(note_id: Any) -> dict[str, Any] | None:
    """The `l3.note` contract: a note as plain JSON data, or None when there is no such note
    (or the id is malformed). The shape is fixed: L4 archives it as it is."""
    found = note(note_id)
    if found is None:
        return None
    return {
        "id": str(found.pk),
        "title": found.title,
        "body": found.body,
        "tags": list(found.tags),
        "source": found.source,
        "created_at": found.created_at.isoformat(),
        "updated_at": found.updated_at.isoformat(),
        "citations": [
            {"module": c.module, "kind": c.kind, "id": c.record_id}
            for c in found.citations.order_by("position", "id")
        ],
        "links": [
            {"type": link.type, "to": str(link.to_note_id)}
            for link in found.links.order_by("type", "created_at", "id")
        ],
    }


def dashboard_counts(since: Any) -> list[dict[str, Any]]:
    """The `dashboard.counts` contract: zk's notes, for its tile on cc's dashboard."""
    return [
        {"name": "notes", "value": Note.objects.count(), "url": reverse("admin:zk_note_changelist")}
    ]
