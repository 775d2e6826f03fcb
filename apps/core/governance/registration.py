"""The registry kept in step with the installed modules (after every migrate)."""

from __future__ import annotations

from typing import Any

from django.apps import apps as installed_apps
from django.apps.registry import Apps
from django.utils import timezone

from apps.core.modules import registry
from apps.core.modules.definition import ModuleDefinition


def installed_definition(name: str) -> ModuleDefinition | None:
    """The definition of the installed module a registry row names, None for a module
    registered from outside (an agent's service, a planned module)."""
    try:
        return registry.get_module_config(name).definition
    except LookupError:
        return None


def sync_installed_modules(apps: Apps = installed_apps, **kwargs: Any) -> None:
    """post_migrate: a registry row for each installed module, its version kept current.

    `apps` is the state migrate left (as for Django's own post_migrate handlers): after
    `migrate core 0003` there is no registry to keep, and nothing is done."""
    try:
        registry_model = apps.get_model("core", "Module")
    except LookupError:
        return
    for definition in registry.modules():
        module, created = registry_model.objects.get_or_create(
            name=definition.code,
            defaults={
                "version": definition.version,
                "description": definition.description,
                "last_active": timezone.now(),
            },
        )
        if not created and (module.version, module.description) != (
            definition.version,
            definition.description,
        ):
            module.version, module.description = definition.version, definition.description
            module.save(update_fields=["version", "description", "updated_at"])
