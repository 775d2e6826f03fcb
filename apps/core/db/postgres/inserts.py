"""Several rows, in several tables, inserted in one statement: one round trip instead of one per
`Model.objects.create()`.

Each row is a data-modifying CTE (`WITH r0 AS (INSERT ... RETURNING pk), r1 AS (...) SELECT ...`).
A row may reference another row of the same statement by a primary key the caller chose (UUID
keys): PostgreSQL checks foreign keys at the end of the statement, and Django's are deferred to
commit anyway. Values go through each field's `get_db_prep_save`, as the ORM's own inserts do;
fields left out take their default (`db_default` columns: the database's; `auto_now(_add)`:
now).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin
from django.utils import timezone

Row = tuple[type[Model], dict[str, Any]]


# Where each column's value comes from: the caller's values (by attname or name), now, or the
# field's default. The plan and its SQL are worked out once per model and set of given names:
# a hot path (publish()) then only converts values.
FROM_ATTNAME, FROM_NAME, NOW, DEFAULT = range(4)
Plan = tuple[str, list[tuple[Any, int]]]
_plans: dict[tuple[type[Model], str, frozenset[str]], Plan] = {}


def _plan(model: type[Model], given: frozenset[str], using: str) -> Plan:
    key = (model, using, given)
    found = _plans.get(key)
    if found is not None:
        return found
    quote = connections[using].ops.quote_name
    meta = model._meta
    columns, sources = [], []
    for field in meta.concrete_fields:
        if field.attname in given:
            source = FROM_ATTNAME
        elif field.name in given:
            source = FROM_NAME
        elif isinstance(field, AutoFieldMixin) or field.db_default is not NOT_PROVIDED:
            continue  # the database numbers it or fills it in
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            source = NOW
        else:
            source = DEFAULT
        columns.append(quote(str(field.column)))
        sources.append((field, source))
    placeholders = ", ".join(["%s"] * len(columns))
    # Names from the model, quoted; every value a parameter.
    table, names, pk = quote(meta.db_table), ", ".join(columns), quote(str(meta.pk.column))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608
    _plans[key] = (sql, sources)
    return sql, sources


def _insert_sql(model: type[Model], values: dict[str, Any], using: str) -> tuple[str, list[Any]]:
    connection = connections[using]
    # A key left None (an AutoField) is numbered by the database, as if not given.
    given = frozenset(
        name for name, value in values.items() if value is not None or not _auto(model, name)
    )
    sql, sources = _plan(model, given, using)
    params = []
    for field, source in sources:
        if source == FROM_ATTNAME:
            value = values[field.attname]
        elif source == FROM_NAME:
            value = getattr(values[field.name], "pk", values[field.name])  # an instance: its key
        elif source == NOW:
            value = timezone.now()
        else:
            value = field.get_default()
        params.append(field.get_db_prep_save(value, connection))
    return sql, params


def _auto(model: type[Model], name: str) -> bool:
    pk = model._meta.pk
    return isinstance(pk, AutoFieldMixin) and name in (pk.name, pk.attname)


def insert_rows(rows: Sequence[Row], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Insert `rows` ((model, {field: value}) pairs) in one statement; their primary keys, in
    order."""
    if len(rows) == 1:  # a plain INSERT ... RETURNING: no CTE for the planner to work through
        sql, row_params = _insert_sql(*rows[0], using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, row_params)
            return list(cursor.fetchone())
    parts, params = [], []
    for n, (model, values) in enumerate(rows):
        sql, row_params = _insert_sql(model, values, using)
        parts.append(f"r{n} AS ({sql})")
        params += row_params
    select = ", ".join(f"(SELECT * FROM r{n})" for n in range(len(rows)))  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {select}", params)
        return list(cursor.fetchone())
