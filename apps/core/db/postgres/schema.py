from __future__ import annotations

from typing import Any

from django.db.backends.ddl_references import Statement
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as StockSchemaEditor
from django.db.models import Model

from apps.core.db.schemas import split_table


class DatabaseSchemaEditor(StockSchemaEditor):
    def create_model(self, model: type[Model]) -> None:
        # Migrations create a module's schema before its tables, with no hand-written step.
        schema, _ = split_table(model._meta.db_table)
        if schema:
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.quote_name(schema)}")
        super().create_model(model)

    def alter_db_table(self, model: type[Model], old_db_table: str, new_db_table: str) -> None:
        """Rename a table, in its schema or into another one.

        Stock Django writes `ALTER TABLE "s"."a" RENAME TO "s"."b"`, which PostgreSQL refuses:
        RENAME TO takes a bare name (the table stays in its schema), and SET SCHEMA moves it.
        """
        old_schema, old_name = split_table(old_db_table)
        new_schema, new_name = split_table(new_db_table)
        if old_schema is None and new_schema is None:
            super().alter_db_table(model, old_db_table, new_db_table)
            return
        if old_db_table == new_db_table:
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            on_search_path = cursor.fetchone()[0]  # where a bare name lives
        old_schema, new_schema = old_schema or on_search_path, new_schema or on_search_path
        table = f"{self.quote_name(old_schema)}.{self.quote_name(old_name)}"
        if old_name != new_name:
            self.execute(f"ALTER TABLE {table} RENAME TO {self.quote_name(new_name)}")
            table = f"{self.quote_name(old_schema)}.{self.quote_name(new_name)}"
        if old_schema != new_schema:
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.quote_name(new_schema)}")
            # Its indexes, constraints and owned sequences move with it.
            self.execute(f"ALTER TABLE {table} SET SCHEMA {self.quote_name(new_schema)}")
        for statement in self.deferred_sql:
            if isinstance(statement, Statement):
                statement.rename_table_references(old_db_table, new_db_table)

    def _delete_index_sql(
        self, model: type[Model], name: str, sql: Any = None, concurrently: bool = False
    ) -> Statement:
        # PostgreSQL looks an unqualified index name up on the search_path, where a module's
        # indexes are not: DROP INDEX IF EXISTS would silently drop nothing. (The method is
        # missing from django-stubs.)
        statement: Statement = super()._delete_index_sql(  # type: ignore[misc]
            model, name, sql, concurrently=concurrently
        )
        schema, _ = split_table(model._meta.db_table)
        if schema:
            qualified = f"{self.quote_name(schema)}.{self.quote_name(name)}"
            statement.parts["name"] = qualified  # type: ignore[assignment]
        return statement
