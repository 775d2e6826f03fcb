"""Django's PostgreSQL backend, taught about COS module schemas.

Use as ENGINE "apps.core.postgres". Stock introspection only sees tables on the search_path, so
`flush` (and with it TransactionTestCase), `inspectdb` and constraint lookups in migrations
silently skip `"<module>"."<table>"` tables. The subclasses below fix that; the schema editor
creates a module's schema before its first table.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from apps.core.postgres.introspection import DatabaseIntrospection
from apps.core.postgres.schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection
