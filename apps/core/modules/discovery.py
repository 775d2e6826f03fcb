"""Find COS modules: every package under a modules folder whose `apps.py` defines a ModuleConfig.

Runs from settings.py, before Django is set up, so that a new module is installed without editing
settings. A module that fails to import stops start-up with a message naming it.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured

from apps.core.modules.definition import ModuleConfig, ModuleDefinition
from apps.core.modules.registry import dependency_order


@dataclass(frozen=True)
class DiscoveredModule:
    definition: ModuleDefinition
    config_path: str  # dotted path for INSTALLED_APPS
    package: str
    path: Path


def _module_config_in(apps_module: ModuleType) -> type[ModuleConfig] | None:
    configs = [
        obj
        for obj in vars(apps_module).values()
        if inspect.isclass(obj)
        and issubclass(obj, ModuleConfig)
        and obj is not ModuleConfig
        and obj.__module__ == apps_module.__name__
    ]
    if len(configs) > 1:
        names = ", ".join(sorted(config.__name__ for config in configs))
        raise ImproperlyConfigured(
            f"{apps_module.__name__} defines several module configs: {names}."
        )
    return configs[0] if configs else None


def discover_modules(*locations: tuple[Path, str]) -> list[DiscoveredModule]:
    """Modules found in each (folder, package it is importable as), in dependency order."""
    found: list[DiscoveredModule] = []
    children = [
        (child, package) for folder, package in locations for child in sorted(folder.iterdir())
    ]
    for child, package in children:
        if not (child / "__init__.py").is_file() or not (child / "apps.py").is_file():
            continue
        dotted = f"{package}.{child.name}"
        try:
            apps_module = importlib.import_module(f"{dotted}.apps")
            config = _module_config_in(apps_module)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(
                f"COS module '{child.name}' ({dotted}) is broken: {exc}"
            ) from exc
        except Exception as exc:
            raise ImproperlyConfigured(
                f"COS module '{child.name}' ({dotted}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        if config is None:
            continue  # a plain package, not a COS module
        definition = getattr(config, "definition", None)
        if not isinstance(definition, ModuleDefinition):
            raise ImproperlyConfigured(
                f"COS module '{child.name}' ({dotted}): {config.__name__}.definition must be a "
                "ModuleDefinition."
            )
        if definition.code != child.name:
            raise ImproperlyConfigured(
                f"COS module '{child.name}' ({dotted}) declares code {definition.code!r}; "
                "a module's code must be its folder name."
            )
        found.append(
            DiscoveredModule(definition, f"{config.__module__}.{config.__name__}", dotted, child)
        )
    order = dependency_order([module.definition for module in found])
    by_code = {module.definition.code: module for module in found}
    return [by_code[definition.code] for definition in order]


def installed_apps_for(modules: list[DiscoveredModule]) -> list[str]:
    return [module.config_path for module in modules]
