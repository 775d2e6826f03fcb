"""Reads of a module's L1 memory, by module code."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from apps.core.memory.models import (
    AbstractBaseLog,
    AbstractPromptTrace,
    AbstractScratchNote,
    Level,
    memory_models,
)
from apps.core.memory.notes import note_model


def prompt_traces(module: str) -> QuerySet[AbstractPromptTrace]:
    # `timestamp` on each trace: the cursor pagination reads it from the objects.
    # Any: django-stubs can't follow the relations of the abstract models (named by string).
    traces: Any = memory_models(module).prompt_trace._default_manager
    return (
        traces.select_related("base_log", "base_log__event")
        .annotate(timestamp=F("base_log__timestamp"))
        .order_by("-timestamp", "-id")
    )


def logs(module: str) -> QuerySet[AbstractBaseLog]:
    # Any: django-stubs can't follow the relations of the abstract models (named by string).
    logs: Any = memory_models(module).base_log._default_manager
    return logs.select_related("event", "prompt").order_by("-timestamp", "-id")


def notes(
    module: str, *, key_prefix: str = "", include_expired: bool = False
) -> QuerySet[AbstractScratchNote]:
    found = note_model(module)._default_manager.order_by("-created_at", "id")
    if key_prefix:
        found = found.filter(key__startswith=key_prefix)
    if not include_expired:
        found = found.filter(expires_at__gt=timezone.now())
    return found


def note_by_key(module: str, key: str) -> AbstractScratchNote | None:
    """The newest unexpired note with this key (none can hold a NUL: PostgreSQL text cannot)."""
    if "\x00" in key:
        return None
    return notes(module).filter(key=key).first()


def note_stats(module: str) -> dict[str, Any]:
    now = timezone.now()
    return note_model(module)._default_manager.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(expires_at__gt=now)),
        expired=Count("id", filter=Q(expires_at__lte=now)),
        oldest=Min("created_at"),
        newest=Max("created_at"),
    )


def memory_overview(module: str, recent: int = 10) -> dict[str, Any]:
    """The module's L1 memory at a glance: logs by level, notes, the newest logs."""
    found = memory_models(module)
    logs_: Any = found.base_log._default_manager
    by_level = dict(logs_.values_list("level").annotate(count=Count("id")).order_by("level"))
    return {
        "logs_by_level": by_level,
        # (label in the reader's language, count), most severe last, as Level lists them
        "level_counts": [(level.label, by_level[level]) for level in Level if level in by_level],
        "log_count": sum(by_level.values()),
        "prompt_trace_count": found.prompt_trace._default_manager.count(),
        "notes": note_stats(module),
        "recent_logs": list(logs(module)[:recent]),
    }
