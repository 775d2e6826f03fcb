"""Writes to a module's scratch notes (its logs are written by recording.log_l1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.memory.models import SCRATCH_NOTE_TTL, AbstractScratchNote, NoMemory, memory_models

CLEANUP_BATCH = 1000


def note_model(module: str) -> type[AbstractScratchNote]:
    model = memory_models(module).scratch_note
    if model is None:
        raise NoMemory(f"Module {module!r} has no scratch notes.")
    return model


def create_note(
    module: str, *, key: str, content: str, ttl_seconds: int | None = None
) -> AbstractScratchNote:
    ttl = timedelta(seconds=ttl_seconds) if ttl_seconds is not None else SCRATCH_NOTE_TTL
    now = timezone.now()
    return note_model(module)._default_manager.create(
        key=key, content=content, created_at=now, expires_at=now + ttl
    )


def update_note(note: AbstractScratchNote, **changes: Any) -> AbstractScratchNote:
    ttl_seconds = changes.pop("ttl_seconds", None)
    for field, value in changes.items():
        setattr(note, field, value)
    if ttl_seconds is not None:
        note.expires_at = timezone.now() + timedelta(seconds=ttl_seconds)
    note.save()
    return note


def delete_note(note: AbstractScratchNote) -> None:
    note.delete()


def clean_expired_notes(module: str, batch: int = CLEANUP_BATCH) -> int:
    """Delete expired notes in batches; safe to run from several workers at once."""
    model = note_model(module)
    deleted = 0
    while True:
        with transaction.atomic():
            expired = model._default_manager.select_for_update(skip_locked=True).filter(
                expires_at__lte=timezone.now()
            )
            ids = list(expired.values_list("id", flat=True)[:batch])
            if not ids:
                return deleted
            model._default_manager.filter(id__in=ids).delete()
        deleted += len(ids)
