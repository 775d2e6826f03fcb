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


def _insert_sql(model: type[Model], values: dict[str, Any], using: str) -> tuple[str, list[Any]]:
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    columns, params = [], []
    for field in meta.concrete_fields:
        if isinstance(field, AutoFieldMixin) and values.get(field.attname) is None:
            continue  # the database numbers it
        if field.attname in values:
            value = values[field.attname]
        elif field.name in values:
            value = values[field.name]
            value = getattr(value, "pk", value)  # a related instance: its key
        elif field.db_default is not NOT_PROVIDED:
            continue  # the database fills it in
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        columns.append(quote(str(field.column)))
        params.append(field.get_db_prep_save(value, connection))
    placeholders = ", ".join(["%s"] * len(params))
    # Names from the model, quoted; every value a parameter.
    table, names, pk = quote(meta.db_table), ", ".join(columns), quote(str(meta.pk.column))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608
    return sql, params


def insert_rows(rows: Sequence[Row], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Insert `rows` ((model, {field: value}) pairs) in one statement; their primary keys, in
    order."""
    parts, params = [], []
    for n, (model, values) in enumerate(rows):
        sql, row_params = _insert_sql(model, values, using)
        parts.append(f"r{n} AS ({sql})")
        params += row_params
    select = ", ".join(f"(SELECT * FROM r{n})" for n in range(len(rows)))  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {select}", params)
        return list(cursor.fetchone())
