"""Module settings: the environment, the registry's configuration and defaults.

A module reads a setting with `module_setting(code, name)` (or `self.setting(name)` on its
AppConfig), every time it needs it: the environment (`COS_<CODE>__<NAME>`, fixed for the life of
the process) wins, then the registry's `config` (editable in the admin and the API), then the
setting's default. The registry is read through governance's module-state cache, so a change
made in any process applies everywhere within `COS_MODULE_STATE_CACHE_S` seconds, without a
restart. A setting declared `restart_required` is resolved once per process, at its first read.

At start-up `resolve_module_settings` checks the environment alone: a required setting missing
from it, or a value its cast refuses, stops COS there rather than at the first request.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.modules.definition import ModuleDefinition, ModuleSetting

logger = logging.getLogger(__name__)

ENV_SETTING = re.compile(r"^COS_(?P<code>[A-Z][A-Z0-9_]*?)__(?P<name>[A-Z0-9_]+)$")


class SettingSource(StrEnum):
    ENVIRONMENT = "environment"
    REGISTRY = "registry"
    DEFAULT = "default"


@dataclass(frozen=True)
class EffectiveSetting:
    """A setting's value now and where it came from. `ignored`: why the registry's value for it
    was set aside (one stored before the setting's type changed, say), else None."""

    setting: ModuleSetting
    value: Any
    source: SettingSource
    ignored: str | None = None


def settings_from_environment(
    environ: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """`COS_CC__PAGE_SIZE=50` becomes {"cc": {"PAGE_SIZE": "50"}}."""
    found: dict[str, dict[str, str]] = {}
    for key, value in (os.environ if environ is None else environ).items():
        match = ENV_SETTING.match(key)
        if match:
            found.setdefault(match["code"].lower(), {})[match["name"]] = value
    return found


def env_name(code: str, name: str) -> str:
    return f"COS_{code.upper()}__{name}"


def coerce(setting: ModuleSetting, raw: Any) -> Any:
    """`raw` (a string from the environment, a JSON scalar from the registry) as the setting's
    value. Raises TypeError or ValueError when the setting cannot take it."""
    if isinstance(raw, dict | list) or raw is None:
        raise TypeError("a string, number or boolean is needed")
    return setting.cast(raw if isinstance(raw, str) else str(raw))


def _environment(code: str) -> Mapping[str, Any]:
    found: Mapping[str, Any] = getattr(settings, "COS_MODULE_SETTINGS", {}).get(code, {})
    return found


def resolve_module_settings(definition: ModuleDefinition) -> dict[str, Any]:
    """The settings as the environment and defaults give them (the start-up check)."""
    configured = _environment(definition.code)
    resolved: dict[str, Any] = {}
    for setting in definition.settings:
        variable = env_name(definition.code, setting.name)
        if setting.name in configured:
            raw = configured[setting.name]
        elif setting.required:
            raise ImproperlyConfigured(
                f"Module '{definition.code}' requires the setting '{setting.name}': "
                f"set {variable} in the environment."
            )
        else:
            resolved[setting.name] = setting.default
            continue
        try:
            resolved[setting.name] = coerce(setting, raw) if isinstance(raw, str) else raw
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"Module '{definition.code}' setting '{setting.name}' ({variable}) "
                f"has an invalid value {raw!r}: {exc}"
            ) from exc
    return resolved


def resolve(
    code: str, setting: ModuleSetting, config: Mapping[str, Any] | None
) -> EffectiveSetting:
    """The value of `setting` of module `code`, given the registry's `config` for it."""
    environment = _environment(code)
    if setting.name in environment:
        raw = environment[setting.name]
        value = coerce(setting, raw) if isinstance(raw, str) else raw  # checked at start-up
        return EffectiveSetting(setting, value, SettingSource.ENVIRONMENT)
    ignored = None
    if config and setting.name in config:
        try:
            return EffectiveSetting(
                setting, coerce(setting, config[setting.name]), SettingSource.REGISTRY
            )
        except (TypeError, ValueError) as exc:
            ignored = f"{config[setting.name]!r}: {exc}"
            _warn_once(code, setting.name, ignored)
    if setting.required:
        raise ImproperlyConfigured(
            f"Module '{code}' requires the setting '{setting.name}': "
            f"set {env_name(code, setting.name)} in the environment."
        )
    return EffectiveSetting(setting, setting.default, SettingSource.DEFAULT, ignored)


_warned: set[tuple[str, str, str]] = set()


def _warn_once(code: str, name: str, problem: str) -> None:
    if (code, name, problem) not in _warned:  # every read would log it again
        _warned.add((code, name, problem))
        logger.warning("Module '%s': registry setting '%s' ignored: %s", code, name, problem)


def _declared(code: str, name: str) -> ModuleSetting:
    from apps.core.modules.registry import get_module_config

    for setting in get_module_config(code).definition.settings:
        if setting.name == name:
            return setting
    raise LookupError(f"Module {code!r} declares no setting {name!r}.")


def _registry_config(code: str) -> Mapping[str, Any]:
    # Imported here: this file is imported by the project's settings, before Django is set up.
    from apps.core.governance import states

    state = states.module_states().get(code)
    return state.config if state is not None else {}


# Settings declared restart_required, as this process first read them.
_frozen: dict[tuple[str, str], Any] = {}


def module_setting(code: str, name: str) -> Any:
    """Module `code`'s setting `name` now: environment, then registry, then default.
    LookupError when the module or setting does not exist."""
    setting = _declared(code, name)
    if setting.restart_required and (code, name) in _frozen:
        return _frozen[(code, name)]
    return _settle(code, setting, _registry_config(code))


async def amodule_setting(code: str, name: str) -> Any:
    """module_setting() for async code (the registry is read off the event loop)."""
    from apps.core.governance import states

    setting = _declared(code, name)
    if setting.restart_required and (code, name) in _frozen:
        return _frozen[(code, name)]
    state = (await states.amodule_states()).get(code)
    return _settle(code, setting, state.config if state is not None else {})


def _settle(code: str, setting: ModuleSetting, config: Mapping[str, Any]) -> Any:
    value = resolve(code, setting, config).value
    if setting.restart_required:
        _frozen[(code, setting.name)] = value
    return value


def effective_settings(
    code: str, config: Mapping[str, Any] | None = None
) -> list[EffectiveSetting]:
    """Each declared setting of module `code` as the environment and the registry's `config`
    (by default the cached one) give it now: what the admin and the API show. A
    restart_required setting shows the value it will have after a restart."""
    from apps.core.modules.registry import get_module_config

    if config is None:
        config = _registry_config(code)
    return [resolve(code, s, config) for s in get_module_config(code).definition.settings]
