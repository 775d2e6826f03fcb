"""The kit's periodic job: a module schedules its notes cleanup with one line in events.py,

    clean_expired_notes = note_cleanup_job("books")

registered as `<code>.clean_expired_notes`, hourly, run by the event worker."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps

from apps.core.memory.notes import clean_expired_notes
from apps.core.runtime.schedule import periodic

NOTE_CLEANUP_EVERY = 3600  # seconds


def note_cleanup_job(module: str, every: float = NOTE_CLEANUP_EVERY) -> Callable[[], int]:
    def job() -> int:
        return clean_expired_notes(module)

    # The job belongs to the module: the worker skips it while the module is disabled
    # (apps.core.runtime.schedule reads the owner from the function's Python module).
    job.__module__ = apps.get_app_config(module).name
    job.__qualname__ = job.__name__ = "clean_expired_notes"
    return periodic(every=every, name=f"{module}.clean_expired_notes")(job)
