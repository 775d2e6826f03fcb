"""cc's writes, one function per action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.cc.models import ScratchNote
from apps.core.memory import SCRATCH_NOTE_TTL

CLEANUP_BATCH = 1000


def create_note(*, key: str, content: str, ttl_seconds: int | None = None) -> ScratchNote:
    ttl = timedelta(seconds=ttl_seconds) if ttl_seconds is not None else SCRATCH_NOTE_TTL
    now = timezone.now()
    return ScratchNote.objects.create(
        key=key, content=content, created_at=now, expires_at=now + ttl
    )


def update_note(note: ScratchNote, **changes: Any) -> ScratchNote:
    ttl_seconds = changes.pop("ttl_seconds", None)
    for field, value in changes.items():
        setattr(note, field, value)
    if ttl_seconds is not None:
        note.expires_at = timezone.now() + timedelta(seconds=ttl_seconds)
    note.save()
    return note


def delete_note(note: ScratchNote) -> None:
    note.delete()


def clean_expired_notes(batch: int = CLEANUP_BATCH) -> int:
    """Delete expired notes in batches; safe to run from several workers at once."""
    deleted = 0
    while True:
        with transaction.atomic():
            expired = ScratchNote.objects.select_for_update(skip_locked=True).filter(
                expires_at__lte=timezone.now()
            )
            ids = list(expired.values_list("id", flat=True)[:batch])
            if not ids:
                return deleted
            ScratchNote.objects.filter(id__in=ids).delete()
        deleted += len(ids)
