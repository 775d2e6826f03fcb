"""`manage.py removemodule`: take a module out for good: its schemas (every table in them),
its migration records, content types and permissions, then its folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction

from apps.core import access
from apps.core.modules import ModuleConfig, ModuleKind
from apps.core.registry import get_module_config, modules


class RemoveModuleError(Exception):
    """The module can't be removed; the message says why."""


@dataclass(frozen=True)
class Removal:
    code: str
    folder: Path
    schemas: tuple[str, ...]


def plan_removal(code: str, project: Path) -> Removal:
    try:
        config: ModuleConfig = get_module_config(code)
    except LookupError as exc:
        raise RemoveModuleError(f"No installed module '{code}'.") from exc
    definition = config.definition
    if definition.kind == ModuleKind.CORE:
        raise RemoveModuleError(f"Module '{code}' is a core module and cannot be removed.")
    dependents = sorted(d.code for d in modules() if code in d.requires)
    if dependents:
        raise RemoveModuleError(
            f"Module '{code}' is required by {', '.join(map(repr, dependents))}: "
            "remove those first."
        )
    folder = Path(config.path)
    if folder.parent != project / "apps":
        raise RemoveModuleError(f"Module '{code}' does not live in apps/ ({folder}).")
    return Removal(code, folder, definition.schemas)


def remove_module(removal: Removal) -> None:
    """Drop everything the database holds for the module, in one transaction, then its code."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            for schema in removal.schemas:
                cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
            cursor.execute("DELETE FROM django_migrations WHERE app = %s", [removal.code])
        ContentType.objects.filter(app_label=removal.code).delete()  # and their permissions
        Permission.objects.filter(
            content_type__app_label="core",
            codename__in=[access.codename(a, removal.code) for a in (access.VIEW, access.WRITE)],
        ).delete()
    shutil.rmtree(removal.folder)
    apps.clear_cache()
