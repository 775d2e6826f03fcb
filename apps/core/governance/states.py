"""Module states as every enforcement point sees them: is a module enabled, and if not, why
(and the module's configuration in the registry, which module settings read).

Every API request, websocket subscription and subscriber loop asks, so the answer (read from
the registry, governance.models.Module) is cached in the process for `COS_MODULE_STATE_CACHE_S`
seconds (2 by default): a change made in another process is seen within that time, one made in
this process at once (governance.services invalidates the cache). A module without a registry
row (not synced yet) is enabled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _

from apps.core.modules import registry
from apps.core.modules.definition import ModuleKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleState:
    code: str
    enabled: bool
    reason: str = ""
    changed_at: datetime | None = None
    # The registry's configuration of the module (apps.core.modules.settings reads it from
    # here, so a change reaches every process within the same window as a state change).
    config: Mapping[str, Any] = field(default_factory=dict, compare=False)


_cached: tuple[float, dict[str, ModuleState]] | None = None


def _fresh() -> dict[str, ModuleState] | None:
    cached = _cached
    if cached is None or time.monotonic() - cached[0] >= settings.COS_MODULE_STATE_CACHE_S:
        return None
    return cached[1]


def module_states() -> dict[str, ModuleState]:
    """States of the registered modules; a module the registry doesn't know is enabled."""
    global _cached
    fresh = _fresh()
    if fresh is not None:
        return fresh
    try:
        states = _read()
    except DatabaseError as exc:
        # The database is down or not migrated yet: keep the last known states (or none).
        # Whatever the module would do next needs the database too and will fail on its own.
        logger.warning("Module states are unreadable (%s); using the last known ones", exc)
        states = _cached[1] if _cached is not None else {}
    _cached = (time.monotonic(), states)
    return states


def _read() -> dict[str, ModuleState]:
    # Imported here: this file is imported while Django loads apps (the admin site is an app).
    from apps.core.governance.models import Module

    return {
        name: ModuleState(
            code=name, enabled=active, reason=reason, changed_at=updated_at, config=config or {}
        )
        for name, active, reason, updated_at, config in Module.objects.values_list(
            "name", "active", "reason", "updated_at", "config"
        )
    }


async def amodule_states() -> dict[str, ModuleState]:
    fresh = _fresh()
    if fresh is not None:
        return fresh
    return await database_sync_to_async(module_states)()


def invalidate() -> None:
    """Forget the cached states (governance.services calls it when a state or a configuration
    changes)."""
    global _cached
    _cached = None


def governed(code: str | None) -> bool:
    """Whether module `code` can be disabled at all: core modules (and non-modules) cannot,
    so nothing needs to ask about them."""
    if code is None:
        return False
    try:
        return registry.get_module_config(code).definition.kind != ModuleKind.CORE
    except LookupError:
        return False


def is_enabled(code: str) -> bool:
    if not governed(code):
        return True
    state = module_states().get(code)
    return state is None or state.enabled


async def ais_enabled(code: str) -> bool:
    if not governed(code):
        return True
    state = (await amodule_states()).get(code)
    return state is None or state.enabled


def disabled_modules() -> set[str]:
    return {code for code, state in module_states().items() if not state.enabled}


def refusal(code: str, states: Mapping[str, ModuleState] | None = None) -> str | None:
    """Why module `code` refuses service ("Module 'x' is disabled: reason"), None if enabled."""
    if not governed(code):
        return None
    state = (module_states() if states is None else states).get(code)
    if state is None or state.enabled:
        return None
    if state.reason:
        return _("Module '%(code)s' is disabled: %(reason)s") % {
            "code": code,
            "reason": state.reason,
        }
    return _("Module '%(code)s' is disabled.") % {"code": code}
