"""The module registry: definitions of installed modules and their dependency order."""

from __future__ import annotations

from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from apps.core.modules.definition import ModuleConfig, ModuleDefinition


class ModuleRegistryError(ImproperlyConfigured):
    """`requires` names an unknown module or forms a cycle."""


def dependency_order(definitions: Iterable[ModuleDefinition]) -> list[ModuleDefinition]:
    """Definitions ordered so that each comes after the modules it requires."""
    by_code: dict[str, ModuleDefinition] = {}
    for definition in definitions:
        if definition.code in by_code:
            raise ModuleRegistryError(f"Two modules share the code {definition.code!r}.")
        by_code[definition.code] = definition
    for definition in by_code.values():
        missing = sorted(set(definition.requires) - by_code.keys())
        if missing:
            raise ModuleRegistryError(
                f"Module '{definition.code}' requires {', '.join(map(repr, missing))}, "
                "which is not installed."
            )
    sorter = TopologicalSorter({code: d.requires for code, d in sorted(by_code.items())})
    try:
        return [by_code[code] for code in sorter.static_order()]
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise ModuleRegistryError(f"Module requirements form a cycle: {cycle}.") from exc


def module_configs() -> list[ModuleConfig]:
    """Installed module configs, in dependency order."""
    from django.apps import apps

    configs = {c.definition.code: c for c in apps.get_app_configs() if isinstance(c, ModuleConfig)}
    return [configs[d.code] for d in dependency_order(c.definition for c in configs.values())]


def modules() -> list[ModuleDefinition]:
    return [config.definition for config in module_configs()]


def get_module_config(code: str) -> ModuleConfig:
    """The installed module `code`. No dependency sort: every API request, live-feed event and
    subscriber loop asks (through governance)."""
    from django.apps import apps

    for config in apps.get_app_configs():
        if isinstance(config, ModuleConfig) and config.definition.code == code:
            return config
    raise LookupError(f"No installed COS module with code {code!r}.")


def contract(name: str) -> Any | None:
    """The object the first installed module providing contract `name` points at, else None."""
    for config in module_configs():
        dotted = config.contracts.get(name)
        if dotted is not None:
            return import_string(dotted)
    return None


def owning_module(python_module: str) -> str | None:
    """The code of the COS module whose package holds `python_module`, None outside modules."""
    from django.apps import apps

    config = apps.get_containing_app_config(python_module)
    return config.definition.code if isinstance(config, ModuleConfig) else None
