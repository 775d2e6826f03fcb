"""cc's reads."""

from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

from apps.cc.models import BaseLog, Module, ModuleStateChange, PromptTrace, ScratchNote
from apps.core import access, health, registry
from apps.core.highway.livefeed import recent_events


def prompt_traces() -> QuerySet[PromptTrace]:
    # `timestamp` on each trace: the cursor pagination reads it from the objects.
    return (
        PromptTrace.objects.select_related("base_log", "base_log__event")
        .annotate(timestamp=F("base_log__timestamp"))
        .order_by("-timestamp", "-id")
    )


def logs() -> QuerySet[BaseLog]:
    return BaseLog.objects.select_related("event", "prompt").order_by("-timestamp", "-id")


def notes(*, key_prefix: str = "", include_expired: bool = False) -> QuerySet[ScratchNote]:
    found = ScratchNote.objects.order_by("-created_at", "id")
    if key_prefix:
        found = found.filter(key__startswith=key_prefix)
    if not include_expired:
        found = found.filter(expires_at__gt=timezone.now())
    return found


def note_by_key(key: str) -> ScratchNote | None:
    """The newest unexpired note with this key (none can hold a NUL: PostgreSQL text cannot)."""
    if "\x00" in key:
        return None
    return notes().filter(key=key).first()


def note_stats() -> dict[str, Any]:
    now = timezone.now()
    return ScratchNote.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(expires_at__gt=now)),
        expired=Count("id", filter=Q(expires_at__lte=now)),
        oldest=Min("created_at"),
        newest=Max("created_at"),
    )


# >>> cc only
def registered_modules() -> QuerySet[Module]:
    return Module.objects.order_by("name")


def state_changes(module: Module | None = None) -> QuerySet[ModuleStateChange]:
    found = ModuleStateChange.objects.order_by("-at", "-id")
    return found.filter(module_name=module.name) if module is not None else found


def module_tiles(user: Any, events_per_module: int = 3) -> dict[str, Any]:
    """What the admin dashboard shows of each installed module `user` may view: state, health
    and the last events."""
    rows = {module.name: module for module in Module.objects.all()}
    try:
        recent, events_error = recent_events(events_per_module), None
    except RedisError as exc:
        recent, events_error = {}, f"{type(exc).__name__}: {exc}"
    tiles = []
    for config in registry.module_configs():
        definition = config.definition
        if not access.may_view(user, definition.code):
            continue  # a module the user may not view has no tile either
        row = rows.get(definition.code)
        tiles.append(
            {
                "definition": definition,
                "title": config.verbose_name,
                "enabled": row.active if row is not None else True,
                "reason": row.reason if row is not None else "",
                "module_id": row.pk if row is not None else None,
                "health": health.check_module(definition.code),
                "events": [
                    {**found, "time": found["event"].get("timestamp", "")}
                    for found in recent.get(definition.code, [])
                ],
            }
        )
    return {"tiles": tiles, "events_error": events_error}


# <<< cc only
def memory_overview(recent: int = 10) -> dict[str, Any]:
    """The module's L1 memory at a glance: logs by level, notes, the newest logs."""
    by_level = dict(
        BaseLog.objects.values_list("level").annotate(count=Count("id")).order_by("level")
    )
    return {
        "logs_by_level": by_level,
        "log_count": sum(by_level.values()),
        "prompt_trace_count": PromptTrace.objects.count(),
        "notes": note_stats(),
        "recent_logs": list(logs()[:recent]),
    }
