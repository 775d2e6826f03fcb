"""Governance's writes: the registry (register, edit, delete) and module states (enable,
disable), each state change and each change of a module's settings (its `config`) audited and
announced.

The events keep the type names and channel they had when cc owned governance
(`cc.module.enabled` / `cc.module.disabled` on `cc.modules`, shown on cc's dashboard tile and
live feed); their source is now "core".
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.governance import states
from apps.core.governance.models import (
    Module,
    ModuleSettingChange,
    ModuleStateChange,
    StateChangeVia,
)
from apps.core.governance.registration import installed_definition
from apps.core.highway.publisher import publish
from apps.core.modules import registry
from apps.core.modules.definition import CODE_PATTERN, ModuleKind

MODULES_CHANNEL = "cc.modules"


class RegistryConflict(Exception):
    """A registry write the rules refuse (duplicate name, removing an installed module)."""


class GovernanceRefused(Exception):
    """An enable or disable the rules refuse; the message says why and what to do."""


# --- the registry --------------------------------------------------------------------------
def config_problems(name: str, config: dict[str, Any]) -> list[str]:
    """What is wrong with `config` for module `name`: an installed module's configuration may
    only name settings it declares, with values its settings accept."""
    definition = installed_definition(name)
    if definition is None:
        return []  # a module registered from outside: its configuration is its own
    declared = {setting.name: setting for setting in definition.settings}
    problems = []
    for key, value in sorted(config.items()):
        setting = declared.get(key)
        if setting is None:
            known = ", ".join(sorted(declared)) or _("none")
            problems.append(
                _("'%(key)s' is not a setting of module '%(name)s' (its settings: %(known)s).")
                % {"key": key, "name": name, "known": known}
            )
            continue
        if isinstance(value, dict | list) or value is None:
            problems.append(_("'%(key)s' must be a string, number or boolean.") % {"key": key})
            continue
        try:
            setting.cast(value if isinstance(value, str) else str(value))
        except (TypeError, ValueError) as exc:
            problems.append(
                _("'%(key)s' has an invalid value %(value)r: %(error)s")
                % {"key": key, "value": value, "error": exc}
            )
    return problems


class InvalidName(ValueError):
    """A registry name that can't be a module code."""


def name_problem(name: str) -> str | None:
    if not CODE_PATTERN.match(name):
        return _("A module name must match %(pattern)s.") % {"pattern": CODE_PATTERN.pattern}
    return None


def register_module(
    *, name: str, version: str, description: str = "", config: dict[str, Any] | None = None
) -> Module:
    problem = name_problem(name)
    if problem is not None:
        raise InvalidName(problem)
    try:
        with transaction.atomic():
            return Module.objects.create(
                name=name,
                version=version,
                description=description,
                config=config or {},
                last_active=timezone.now(),
            )
    except IntegrityError as exc:
        raise RegistryConflict(
            _("A module named '%(name)s' is already registered.") % {"name": name}
        ) from exc


EDITABLE = {"version", "description", "config"}  # `active` changes by enable/disable only


def update_module(
    module: Module, *, actor: Any = None, via: str = StateChangeVia.SYSTEM, **changes: Any
) -> Module:
    """Edit a registry row. A change of its `config` (the module's settings) is audited, a row
    per setting, and announced as `cc.module.configured`; every process applies it within
    COS_MODULE_STATE_CACHE_S (apps.core.modules.settings)."""
    if changes.get("name", module.name) != module.name:
        raise RegistryConflict(_("A module's name cannot change."))
    changes.pop("name", None)
    if set(changes) - EDITABLE:
        raise ValueError(
            f"Only {', '.join(sorted(EDITABLE))} can be edited, not {sorted(changes)}."
        )
    for field, value in changes.items():
        setattr(module, field, value)
    try:
        with transaction.atomic():
            # What is stored, not `module.config`: the admin's form has already set that.
            stored = Module.objects.select_for_update().filter(pk=module.pk)
            before = dict(stored.values_list("config", flat=True).first() or {})
            module.save()
            if "config" in changes:
                _audit_config(module, before, actor, via)
    except IntegrityError as exc:
        raise RegistryConflict(
            _("A module named '%(name)s' is already registered.") % {"name": module.name}
        ) from exc
    return module


def _audit_config(module: Module, before: dict[str, Any], actor: Any, via: str) -> None:
    after = dict(module.config or {})
    changed = sorted(
        key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
    )  # a value now set to null counts as set: config_problems refuses null anyway
    if not changed:
        return
    person = actor if getattr(actor, "pk", None) is not None else None
    actor_name = person.get_username() if person is not None else ""
    ModuleSettingChange.objects.bulk_create(
        ModuleSettingChange(
            module=module,
            module_name=module.name,
            setting=key,
            from_value=before.get(key),
            to_value=after.get(key),
            actor=person,
            actor_name=actor_name,
            via=via,
        )
        for key in changed
    )
    publish(
        "cc.module.configured",
        {
            "module": module.name,
            "changes": {key: {"from": before.get(key), "to": after.get(key)} for key in changed},
            "by": actor_name,
        },
        source="core",
        channel=MODULES_CHANNEL,
    )
    states.invalidate()  # this process at once, others within COS_MODULE_STATE_CACHE_S
    transaction.on_commit(states.invalidate)


def delete_module(module: Module) -> None:
    if installed_definition(module.name) is not None:
        raise RegistryConflict(
            _("Module '%(name)s' is installed: remove it with `manage.py removemodule`.")
            % {"name": module.name}
        )
    module.delete()


def forget_module(name: str) -> None:
    """`removemodule`: the removed module's row goes with it, so its name is free again. Its
    state changes stay, naming it (their link is set to null)."""
    Module.objects.filter(name=name).delete()
    transaction.on_commit(states.invalidate)


# --- states -------------------------------------------------------------------------------
def enable_module(
    name: str, *, actor: Any = None, reason: str = "", via: str = StateChangeVia.SYSTEM
) -> list[Module]:
    """Enable a module and, first, any disabled module it requires (each change audited).
    Returns the modules that changed, requirements first; none when it was already enabled."""
    with transaction.atomic():
        rows = {m.name: m for m in Module.objects.select_for_update().order_by("name")}
        target = _row(rows, name)
        if target.active:
            return []
        changed = []
        for required in _requirements(name, rows):
            if not rows[required].active:
                because = _("Required by '%(name)s'.") % {"name": name}
                changed.append(_change(rows[required], True, actor, because, via))
        changed.append(_change(target, True, actor, reason, via))
        return changed


def disable_module(
    name: str, *, actor: Any = None, reason: str = "", via: str = StateChangeVia.SYSTEM
) -> list[Module]:
    """Disable a module. Refused for core modules and while an enabled module requires it."""
    with transaction.atomic():
        rows = {m.name: m for m in Module.objects.select_for_update().order_by("name")}
        target = _row(rows, name)
        if not target.active:
            return []
        definition = installed_definition(name)
        if definition is not None and definition.kind == ModuleKind.CORE:
            raise GovernanceRefused(
                _("Module '%(name)s' is a core module and cannot be disabled.") % {"name": name}
            )
        dependents = sorted(
            d.code
            for d in registry.modules()
            if name in d.requires and (d.code not in rows or rows[d.code].active)
        )
        if dependents:
            raise GovernanceRefused(
                _("Module '%(name)s' is required by the enabled module(s) %(dependents)s: "
                  "disable them first.")
                % {"name": name, "dependents": ", ".join(f"'{d}'" for d in dependents)}
            )  # fmt: skip
        return [_change(target, False, actor, reason, via)]


def _row(rows: dict[str, Module], name: str) -> Module:
    if name not in rows:
        raise GovernanceRefused(_("No module named '%(name)s' is registered.") % {"name": name})
    return rows[name]


def _requirements(name: str, rows: dict[str, Module]) -> list[str]:
    """Every module `name` requires, directly or not, in dependency order."""
    needed: set[str] = set()
    pending = [name]
    while pending:
        definition = installed_definition(pending.pop())
        for required in definition.requires if definition else ():
            if installed_definition(required) is None or required not in rows:
                raise GovernanceRefused(
                    _("Module '%(name)s' requires '%(required)s', which is not installed.")
                    % {"name": name, "required": required}
                )
            if required not in needed:
                needed.add(required)
                pending.append(required)
    return [d.code for d in registry.modules() if d.code in needed]


def _change(module: Module, active: bool, actor: Any, reason: str, via: str) -> Module:
    person = actor if getattr(actor, "pk", None) is not None else None
    actor_name = person.get_username() if person is not None else ""
    ModuleStateChange.objects.create(
        module=module,
        module_name=module.name,
        actor=person,
        actor_name=actor_name,
        via=via,
        from_active=module.active,
        to_active=active,
        reason=reason,
    )
    module.active, module.reason = active, reason
    if active:
        module.last_active = timezone.now()
    module.save(update_fields=["active", "reason", "last_active", "updated_at"])
    publish(
        "cc.module.enabled" if active else "cc.module.disabled",
        {"module": module.name, "active": active, "reason": reason, "by": actor_name},
        source="core",
        channel=MODULES_CHANNEL,
    )
    # This process sees the change at once (also before commit: same connection); others
    # within COS_MODULE_STATE_CACHE_S.
    states.invalidate()
    transaction.on_commit(states.invalidate)
    return module
