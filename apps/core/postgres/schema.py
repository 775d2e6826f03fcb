from __future__ import annotations

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
