from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.postgresql.introspection import (
    DatabaseIntrospection as StockIntrospection,
)
from django.db.backends.postgresql.introspection import TableInfo

from apps.core.db.schemas import existing_table, split_table

SYSTEM_SCHEMAS = ("pg_catalog", "pg_toast", "information_schema")


class DatabaseIntrospection(StockIntrospection):
    def get_table_list(self, cursor: Any) -> list[Any]:
        """Tables on the search path by bare name, module schemas' tables as 'schema"."table'."""
        cursor.execute(
            """
            SELECT
                n.nspname,
                c.relname,
                CASE
                    WHEN c.relispartition THEN 'p'
                    WHEN c.relkind IN ('m', 'v') THEN 'v'
                    ELSE 't'
                END,
                obj_description(c.oid, 'pg_class'),
                pg_catalog.pg_table_is_visible(c.oid)
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v')
                AND n.nspname <> ALL(%s)
                AND n.nspname NOT LIKE 'pg\\_%%'
            """,
            [list(SYSTEM_SCHEMAS)],
        )
        tables = []
        for schema, name, kind, comment, visible in cursor.fetchall():
            qualified = name if visible else existing_table(schema, name)
            if qualified is not None and qualified not in self.ignored_tables:
                tables.append(TableInfo(qualified, kind, comment))
        return tables

    @contextmanager
    def _schema_of(self, cursor: Any, table_name: str) -> Iterator[str]:
        """Run a stock lookup for 'schema"."table' with only that schema on the search path."""
        schema, table = split_table(table_name)
        if schema is None:
            yield table_name
            return
        cursor.execute("SELECT current_setting('search_path')")
        previous = cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('search_path', %s, false)", [self.connection.ops.quote_name(schema)]
        )
        try:
            yield table
        finally:
            cursor.execute("SELECT set_config('search_path', %s, false)", [previous])

    def get_table_description(self, cursor: Any, table_name: str) -> Any:
        with self._schema_of(cursor, table_name) as table:
            return super().get_table_description(cursor, table)

    def get_sequences(self, cursor: Any, table_name: str, table_fields: Any = ()) -> Any:
        with self._schema_of(cursor, table_name) as table:
            sequences = super().get_sequences(cursor, table, table_fields)
        schema, _ = split_table(table_name)
        if schema:
            # pg_get_serial_sequence() needs the quoted, qualified form.
            quoted = self.connection.ops.quote_name(table_name)
            sequences = [{**sequence, "table": quoted} for sequence in sequences]
        return sequences

    def get_relations(self, cursor: Any, table_name: str) -> dict[str, tuple[str, str]]:
        """Foreign keys of a module table, including those into another schema.

        Stock Django only reports keys between tables of one schema; a module's L1 memory tables
        (mem0_<code>) point into its main schema, so the referenced table comes back qualified.
        """
        schema, table = split_table(table_name)
        if schema is None:
            return super().get_relations(cursor, table_name)
        cursor.execute(
            """
            SELECT a1.attname, n2.nspname, c2.relname, a2.attname,
                   pg_catalog.pg_table_is_visible(c2.oid)
            FROM pg_constraint con
            JOIN pg_class c1 ON con.conrelid = c1.oid
            JOIN pg_namespace n1 ON c1.relnamespace = n1.oid
            JOIN pg_class c2 ON con.confrelid = c2.oid
            JOIN pg_namespace n2 ON c2.relnamespace = n2.oid
            JOIN pg_attribute a1 ON c1.oid = a1.attrelid AND a1.attnum = con.conkey[1]
            JOIN pg_attribute a2 ON c2.oid = a2.attrelid AND a2.attnum = con.confkey[1]
            WHERE con.contype = 'f' AND n1.nspname = %s AND c1.relname = %s
            """,
            [schema, table],
        )
        relations = {}
        for column, other_schema, other_table, other_column, visible in cursor.fetchall():
            target = other_table if visible else existing_table(other_schema, other_table)
            if target is not None:
                relations[column] = (other_column, target)
        return relations

    def get_constraints(self, cursor: Any, table_name: str) -> Any:
        with self._schema_of(cursor, table_name) as table:
            return super().get_constraints(cursor, table)
