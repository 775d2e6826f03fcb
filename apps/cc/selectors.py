"""cc's reads."""

from typing import Any

from django.db.models import QuerySet
from redis.exceptions import RedisError

from apps.cc.models import Module, ModuleSettingChange, ModuleStateChange
from apps.core.highway.livefeed import recent_events
from apps.core.http import health
from apps.core.modules import access, registry


def registered_modules() -> QuerySet[Module]:
    return Module.objects.order_by("name")


def state_changes(module: Module | None = None) -> QuerySet[ModuleStateChange]:
    found = ModuleStateChange.objects.order_by("-at", "-id")
    return found.filter(module_name=module.name) if module is not None else found


def setting_changes(module: Module) -> QuerySet[ModuleSettingChange]:
    return ModuleSettingChange.objects.filter(module_name=module.name).order_by("-at", "-id")


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
