from __future__ import annotations

from typing import Any

from django.db.backends.ddl_references import Statement
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as StockSchemaEditor
from django.db.models import Model

from apps.core.schemas import split_table


class DatabaseSchemaEditor(StockSchemaEditor):
    def create_model(self, model: type[Model]) -> None:
        # Migrations create a module's schema before its tables, with no hand-written step.
        schema, _ = split_table(model._meta.db_table)
        if schema:
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.quote_name(schema)}")
        super().create_model(model)

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
