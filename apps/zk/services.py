"""The module's writes, one function per action: notes, links between them, and promotion of
L1 records into a note. Each write publishes its event through core's outbox in the same
transaction; it reaches Redis when that transaction commits (apps/zk/events.py lists them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.highway.publisher import publish
from apps.zk import promotion
from apps.zk.exceptions import Duplicate, InvalidInput
from apps.zk.models import TAG_MAX, TITLE_MAX, Citation, LinkType, Note, NoteLink

SOURCE = "zk"
NOTE_CREATED = "zk.note.created"
NOTE_UPDATED = "zk.note.updated"
NOTE_DELETED = "zk.note.deleted"
NOTE_PROMOTED = "zk.note.promoted"
LINK_CREATED = "zk.link.created"
LINK_DELETED = "zk.link.deleted"

# A note's body: far below the 1 MB a PostgreSQL tsvector may hold (about 1.2 bytes of
# tsvector per character at worst, measured), and far more than an atomic note needs.
BODY_MAX = 200_000
SOURCE_MAX = 2_000
TAGS_MAX = 30
TAG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
NOTE_FIELDS = ("title", "body", "tags", "source")


def tag_problem(tag: str) -> str | None:
    """Why `tag` is not a short slug, or None."""
    if not TAG.match(tag) or len(tag) > TAG_MAX:
        return _(
            "'%(tag)s' is not a tag: lowercase letters, digits, '-' or '_' between them, "
            "at most %(max)d characters."
        ) % {"tag": tag[:60], "max": TAG_MAX}
    return None


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored: each a short slug, each once, in the order given."""
    found = list(dict.fromkeys(tags))
    problems = [p for p in map(tag_problem, found) if p is not None]
    if len(found) > TAGS_MAX:
        problems.append(_("At most %(max)d tags.") % {"max": TAGS_MAX})
    if problems:
        raise InvalidInput({"tags": problems})
    return found


def clean_note_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The note fields given, checked (the API's serializers check the same; the admin and
    other callers come here directly)."""
    errors: dict[str, list[str]] = {}
    if "title" in fields:
        fields["title"] = str(fields["title"]).strip()
        if not fields["title"] or len(fields["title"]) > TITLE_MAX:
            errors["title"] = [_("A title of 1 to %(max)d characters.") % {"max": TITLE_MAX}]
    if len(fields.get("body", "")) > BODY_MAX:
        errors["body"] = [_("At most %(max)d characters.") % {"max": BODY_MAX}]
    if len(fields.get("source", "")) > SOURCE_MAX:
        errors["source"] = [_("At most %(max)d characters.") % {"max": SOURCE_MAX}]
    if "tags" in fields:
        try:
            fields["tags"] = clean_tags(fields["tags"])
        except InvalidInput as bad:
            errors.update(bad.errors)
    if errors:
        raise InvalidInput(errors)
    return fields


def _note_event(note: Note) -> dict[str, Any]:
    return {"id": str(note.pk), "title": note.title, "tags": list(note.tags)}


def _link_event(link: NoteLink) -> dict[str, Any]:
    return {
        "id": str(link.pk),
        "type": link.type,
        "from": str(link.from_note_id),
        "to": str(link.to_note_id),
        "from_title": link.from_note.title,
        "to_title": link.to_note.title,
    }


def create_note(
    title: str,
    body: str = "",
    tags: Sequence[str] = (),
    source: str = "",
    created_by: Any = None,
) -> Note:
    fields = clean_note_fields({"title": title, "body": body, "tags": tags, "source": source})
    with transaction.atomic():
        note = Note.objects.create(**fields, created_by=created_by)
        publish(NOTE_CREATED, _note_event(note), source=SOURCE)
    return note


def update_note(note: Note, **changes: Any) -> Note:
    """Change some of title, body, tags, source; an unchanged note publishes nothing."""
    unknown = set(changes) - set(NOTE_FIELDS)
    if unknown:
        raise TypeError(f"update_note() got unknown fields: {sorted(unknown)}")
    fields = clean_note_fields(dict(changes))
    changed = sorted(name for name, value in fields.items() if getattr(note, name) != value)
    if not changed:
        return note
    with transaction.atomic():
        for name in changed:
            setattr(note, name, fields[name])
        note.updated_at = timezone.now()
        note.save(update_fields=[*changed, "updated_at"])
        publish(NOTE_UPDATED, {**_note_event(note), "changed": changed}, source=SOURCE)
    return note


def delete_note(note: Note) -> None:
    """Delete a note with its links (both ways) and citations."""
    event = {"id": str(note.pk), "title": note.title}
    with transaction.atomic():
        note.delete()
        publish(NOTE_DELETED, event, source=SOURCE)


def link_notes(from_note: Note, to_note: Note, type: str, rationale: str = "") -> NoteLink:
    """`from_note -[type]-> to_note`; refused to itself (400) and twice with one type (409)."""
    errors = {}
    if type not in LinkType.values:
        errors["type"] = [_("One of %(types)s.") % {"types": ", ".join(LinkType.values)}]
    if from_note.pk == to_note.pk:
        errors["to"] = [_("A note cannot link to itself.")]
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            link = NoteLink.objects.create(
                from_note=from_note, to_note=to_note, type=type, rationale=rationale
            )
            publish(LINK_CREATED, _link_event(link), source=SOURCE)
    except IntegrityError as exc:  # the unique (from, to, type), also under a race
        raise Duplicate(
            _("This note already links to that note with %(type)s.") % {"type": type}
        ) from exc
    return link


def unlink_notes(link: NoteLink) -> None:
    event = _link_event(link)
    with transaction.atomic():
        link.delete()
        publish(LINK_DELETED, event, source=SOURCE)


def promote_l1(
    module: str,
    kind: str,
    ids: Sequence[str],
    title: str,
    *,
    tags: Sequence[str] = (),
    source: str = "",
    intro: str = "",
    created_by: Any = None,
    reader: Any = None,
) -> Note:
    """One note quoting L1 records (logs or prompt traces) of `module`, citing each with what
    it said then. `reader`, when given, must be allowed to view `module` (apps/zk/promotion.py
    reads L1 through core's kit, never through the module)."""
    records = promotion.read_records(module, kind, ids, reader=reader)
    fields = clean_note_fields(
        {
            "title": title,
            "body": promotion.quote(module, kind, records, intro),
            "tags": tags,
            "source": source or f"L1 {module} {kind}",
        }
    )
    with transaction.atomic():
        note = Note.objects.create(**fields, created_by=created_by)
        Citation.objects.bulk_create(
            Citation(
                note=note,
                module=module,
                kind=kind,
                record_id=record.id,
                text=record.text,
                recorded_at=record.recorded_at,
                position=position,
            )
            for position, record in enumerate(records)
        )
        publish(NOTE_CREATED, _note_event(note), source=SOURCE)
        promoted = {"module": module, "kind": kind, "records": [r.id for r in records]}
        publish(NOTE_PROMOTED, {**_note_event(note), **promoted}, source=SOURCE)
    return note
