"""Governance: which modules exist (the registry), which are enabled, and who changed that.

`models.py` holds the registry and the audit trail (schema `core`); `services.py` the writes
(register, enable, disable: rules, audit rows, events); `registration.py` keeps the registry in
step with the installed modules; `states.py` is the cached read every enforcement point asks
(the API permission and gate, the admin, websockets, subscribers, periodic jobs). Its read API
is re-exported here, so enforcement code reads `governance.refusal(code)`. The Control Center
(cc) shows all this (API, admin, dashboard) on top of these services.
"""

from apps.core.governance.states import (
    ModuleState,
    ais_enabled,
    amodule_states,
    disabled_modules,
    governed,
    invalidate,
    is_enabled,
    module_states,
    refusal,
)

__all__ = [
    "ModuleState",
    "ais_enabled",
    "amodule_states",
    "disabled_modules",
    "governed",
    "invalidate",
    "is_enabled",
    "module_states",
    "refusal",
]
