"""`manage.py removemodule`: take a module out for good: its schemas (every table in them),
its migration records, content types and permissions, undelivered outbox events and registry
row; then what Redis holds for it; then its folder.

It refuses while objects outside the module's schemas depend on them (a view, a foreign key, a
column default...): `DROP SCHEMA ... CASCADE` would silently drop those too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from django.apps import apps
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from psycopg import errors

from apps.core.db.postgres.dependents import outside_dependents
from apps.core.governance import services as governance
from apps.core.highway.connection import sync_redis
from apps.core.highway.removal import ModuleTraces, remove_module_traces
from apps.core.highway.subscribers import registered
from apps.core.memory.recording import MEMORY_EVENT, memory_channel
from apps.core.models import OutboxEntry
from apps.core.modules import access, registry
from apps.core.modules.definition import ModuleConfig, ModuleKind

LOCK_TIMEOUT = "5s"  # another session using a module table: refuse rather than wait behind it

MODULE_TABLES = """
SELECT format('%%I.%%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v')
ORDER BY 1
"""


class RemoveModuleError(Exception):
    """The module can't be removed; the message says why."""


@dataclass(frozen=True)
class Removal:
    code: str
    folder: Path
    schemas: tuple[str, ...]
    traces: ModuleTraces


def plan_removal(code: str, project: Path) -> Removal:
    try:
        config: ModuleConfig = registry.get_module_config(code)
    except LookupError as exc:
        raise RemoveModuleError(f"No installed module '{code}'.") from exc
    definition = config.definition
    if definition.kind == ModuleKind.CORE:
        raise RemoveModuleError(f"Module '{code}' is a core module and cannot be removed.")
    dependents = sorted(d.code for d in registry.modules() if code in d.requires)
    if dependents:
        raise RemoveModuleError(
            f"Module '{code}' is required by {', '.join(map(repr, dependents))}: "
            "remove those first."
        )
    folder = Path(config.path)
    if folder.parent != project / "apps":
        raise RemoveModuleError(f"Module '{code}' does not live in apps/ ({folder}).")
    with connection.cursor() as cursor:
        _refuse_outside_dependents(cursor, code, definition.schemas)  # before asking to confirm
    return Removal(code, folder, definition.schemas, module_traces(code))


def module_traces(code: str) -> ModuleTraces:
    """The module's channels: its memory channel and the event types only it declares (beside
    those under its code); its subscribers' consumer groups."""
    emits = registry.get_module_config(code).definition.emits
    others = {t for d in registry.modules() if d.code != code for t in d.emits}
    groups = {
        s.group for s in registered().values() if registry.owning_module(s.__module__) == code
    }
    return ModuleTraces(
        code=code,
        channels=frozenset({memory_channel(code), *(set(emits) - others - {MEMORY_EVENT})}),
        groups=frozenset(groups),
    )


def remove_module(removal: Removal) -> None:
    """Drop everything the database holds for the module in one transaction (nothing if it is
    refused), then its Redis streams and keys, then its code."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    client = sync_redis()
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RemoveModuleError(f"Redis is unreachable ({exc}): nothing was removed.") from exc
    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            _lock_tables(cursor, removal)
            # Checked again under the locks: no new view or key can point in from now on.
            _refuse_outside_dependents(cursor, removal.code, removal.schemas)
            for schema in removal.schemas:
                cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
            cursor.execute("DELETE FROM django_migrations WHERE app = %s", [removal.code])
        ContentType.objects.filter(app_label=removal.code).delete()  # and their permissions
        Permission.objects.filter(
            content_type__app_label="core",
            codename__in=[access.codename(a, removal.code) for a in (access.VIEW, access.WRITE)],
        ).delete()
        OutboxEntry.objects.filter(delivered_at__isnull=True).filter(
            _owned_channels(removal.traces)
        ).delete()
        forget_registration(removal.code)
    try:
        remove_module_traces(client, removal.traces)
    except redis.RedisError as exc:
        raise RemoveModuleError(
            f"The module's tables are gone, but Redis failed ({exc}): run removemodule again "
            "to remove its streams and its folder."
        ) from exc
    shutil.rmtree(removal.folder)
    apps.clear_cache()


def forget_registration(code: str) -> None:
    """Delete the module's registry row, so `startmodule` can take the name again."""
    governance.forget_module(code)


def _lock_tables(cursor: Any, removal: Removal) -> None:
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    cursor.execute(MODULE_TABLES, [list(removal.schemas)])
    tables = [name for (name,) in cursor.fetchall()]
    if not tables:
        return
    try:
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
    except OperationalError as exc:
        if not isinstance(exc.__cause__, errors.LockNotAvailable):  # lock_timeout ran out
            raise
        raise RemoveModuleError(
            f"Module '{removal.code}' has tables in use (no lock within {LOCK_TIMEOUT}): stop "
            "what is using them (serve, workers) and try again. Nothing was removed."
        ) from exc


def _refuse_outside_dependents(cursor: Any, code: str, schemas: tuple[str, ...]) -> None:
    found = outside_dependents(cursor, schemas)
    if found:
        listed = "".join(f"\n  - {description}" for description in found)
        raise RemoveModuleError(
            f"Objects outside the schemas of '{code}' ({', '.join(schemas)}) depend on them; "
            f"removing the module would drop or change them:{listed}\n"
            "Drop or change them first. Nothing was removed."
        )


def _owned_channels(traces: ModuleTraces) -> Q:
    return (
        Q(channel__in=traces.channels)
        | Q(channel=traces.code)
        | Q(channel__startswith=f"{traces.code}.")
    )
