"""cc's reads: the registry, its audit trail, and what the admin dashboard shows."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

from apps.cc.models import Module, ModuleSettingChange, ModuleStateChange
from apps.core.highway.livefeed import recent_events
from apps.core.http import health
from apps.core.memory import Level, MemoryModels, NoMemory, memory_models
from apps.core.modules import access, registry

ERROR_LEVELS = (Level.ERROR, Level.CRITICAL)
# A module adds its own numbers to its tile by providing this contract: a callable taking the
# start of today and returning [{"name": "notes", "value": 12, "url": "/admin/..."}] (names cc
# knows are translated by cc: see cc_dashboard.count_labels; others may bring a "label").
COUNTS_CONTRACT = "dashboard.counts"
MAX_ACTIVITY_HOURS = 7 * 24


def registered_modules() -> QuerySet[Module]:
    return Module.objects.order_by("name")


def state_changes(module: Module | None = None) -> QuerySet[ModuleStateChange]:
    found = ModuleStateChange.objects.order_by("-at", "-id")
    return found.filter(module_name=module.name) if module is not None else found


def setting_changes(module: Module) -> QuerySet[ModuleSettingChange]:
    return ModuleSettingChange.objects.filter(module_name=module.name).order_by("-at", "-id")


def viewable_modules(user: Any) -> list[str]:
    """Codes of the installed modules `user` may view, in registry order."""
    return [d.code for d in registry.modules() if access.may_view(user, d.code)]


def module_tiles(user: Any, events_per_module: int = 3) -> dict[str, Any]:
    """What the admin dashboard shows of each installed module `user` may view: state, health,
    counts and the last events."""
    try:
        recent, events_error = recent_events(events_per_module), None
    except RedisError as exc:
        recent, events_error = {}, f"{type(exc).__name__}: {exc}"
    states = tile_states(user)
    tiles = []
    for config in registry.module_configs():
        code = config.definition.code
        if code not in states:
            continue  # a module the user may not view has no tile either
        tiles.append(
            {
                **states[code],
                "definition": config.definition,
                "title": config.verbose_name,
                "events": [
                    {**found, "time": found["event"].get("timestamp", "")}
                    for found in recent.get(code, [])
                ],
            }
        )
    return {"tiles": tiles, "events_error": events_error}


def tile_states(user: Any, until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Each viewable module's state, health and counts, by code (the dashboard's tiles, and
    what it fetches again when its live feed comes back)."""
    rows = {module.name: module for module in Module.objects.all()}
    since, until = start_of_today(), until or timezone.now()
    states = {}
    for code in viewable_modules(user):
        row = rows.get(code)
        checked = health.check_module(code)
        states[code] = {
            "code": code,
            "enabled": row.active if row is not None else True,
            "reason": row.reason if row is not None else "",
            "module_id": row.pk if row is not None else None,
            "health": {"up": checked.up, "latency_ms": checked.latency_ms, "error": checked.error},
            "counts": memory_counts(code, since, until) + contributed_counts(code, since),
        }
    return states


def start_of_today() -> datetime:
    now = timezone.localtime()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def memory_counts(code: str, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """The module's L1 counts (logs and errors since `since`, prompt traces, live notes), each
    with the admin list it links to; none for a module without L1 memory."""
    try:
        found = memory_models(code)
    except NoMemory:
        return []
    logs: Any = found.base_log._default_manager
    traces: Any = found.prompt_trace._default_manager
    today = logs.filter(timestamp__gte=since, timestamp__lte=until).aggregate(
        logs=Count("pk"), errors=Count("pk", filter=Q(level__in=ERROR_LEVELS))
    )
    day = {
        "timestamp__year": since.year,
        "timestamp__month": since.month,
        "timestamp__day": since.day,
    }
    counts = [
        _count("logs_today", today["logs"], found.base_log, day),
        _count(
            "errors_today", today["errors"], found.base_log, {**day, "level__in": "error,critical"}
        ),
        _count(
            "prompt_traces",
            traces.filter(base_log__timestamp__lte=until).count(),
            found.prompt_trace,
        ),
    ]
    if found.scratch_note is not None:
        notes = found.scratch_note._default_manager.filter(expires_at__gt=timezone.now())
        counts.append(_count("notes", notes.count(), found.scratch_note))
    return counts


def contributed_counts(code: str, since: datetime) -> list[dict[str, Any]]:
    """What the module counts itself for its tile (its `dashboard.counts` contract), if any."""
    dotted = registry.get_module_config(code).contracts.get(COUNTS_CONTRACT)
    if dotted is None:
        return []
    return [
        {
            "name": str(c["name"]),
            "value": int(c["value"]),
            "url": c.get("url"),
            "label": c.get("label"),
        }
        for c in import_string(dotted)(since)
    ]


def _count(
    name: str, value: int, model: Any, filters: dict[str, Any] | None = None
) -> dict[str, Any]:
    opts = model._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:  # the module keeps it out of the admin
        url = None
    if url is not None and filters:
        url = f"{url}?{urlencode(filters)}"
    return {"name": name, "value": value, "url": url}


def record_urls(user: Any) -> dict[str, str]:
    """Per viewable module with L1 memory, the admin page of a base log, with `__id__` for its
    id (the live feed links each recorded event to its record)."""
    urls = {}
    for code in viewable_modules(user):
        try:
            found: MemoryModels = memory_models(code)
        except NoMemory:
            continue
        opts = found.base_log._meta
        try:
            urls[code] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=["__id__"]
            )
        except NoReverseMatch:
            continue
    return urls


def activity(user: Any, hours: int = 24, until: datetime | None = None) -> dict[str, Any]:
    """L1 logs per module, minute and level over the last `hours`, for the dashboard's charts:
    one grouped query per viewable module with memory, sparse rows [module, minute, level,
    count] (minutes without logs are left out)."""
    until = until or timezone.now()
    since = until - timedelta(hours=hours)
    rows: list[list[Any]] = []
    modules = []
    for code in viewable_modules(user):
        try:
            found = memory_models(code)
        except NoMemory:
            continue
        modules.append(code)
        logs: Any = found.base_log._default_manager
        grouped = (
            logs.filter(timestamp__gte=since, timestamp__lte=until)
            .annotate(minute=TruncMinute("timestamp", tzinfo=UTC))
            .values_list("minute", "level")
            .annotate(count=Count("pk"))
            .order_by("minute", "level")
        )
        rows.extend([code, _utc(minute), level, count] for minute, level, count in grouped)
    return {
        "since": _utc(since),
        "until": _utc(until),
        "modules": modules,
        "levels": list(Level.values),
        "rows": rows,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
