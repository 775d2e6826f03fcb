"""Django's PostgreSQL backend, taught about COS module schemas.

Use as ENGINE "apps.core.db.postgres". Stock introspection only sees tables on the search_path, so
`flush` (and with it TransactionTestCase), `inspectdb` and constraint lookups in migrations
silently skip `"<module>"."<table>"` tables. The subclasses below fix that; the schema editor
creates a module's schema before its first table.

Pooled connections are checked (a round trip) only when they have been idle longer than
IDLE_CHECK_S: profiled, the check psycopg's pool runs on every `getconn` was a round trip per
request. A connection used a moment ago is as good as the check would prove; one idle longer
(PostgreSQL may have restarted meanwhile) is checked and replaced if broken.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from apps.core.db.postgres.introspection import DatabaseIntrospection
from apps.core.db.postgres.schema import DatabaseSchemaEditor

IDLE_CHECK_S = 1.0
_IDLE_SINCE = "_cos_idle_since"  # set on each psycopg connection: opened or last returned


def check_after_idle(connection: Any) -> None:
    """The pool's `check`: psycopg's own, for connections idle longer than IDLE_CHECK_S."""
    if time.monotonic() - getattr(connection, _IDLE_SINCE, 0.0) > IDLE_CHECK_S:
        ConnectionPool.check_connection(connection)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection

    @property
    def pool(self) -> ConnectionPool | None:
        pool = super().pool
        # Django passes psycopg's check when CONN_HEALTH_CHECKS is on; no public way to pass
        # another (its `check` argument is taken), so it is swapped here once.
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = check_after_idle
        return pool

    def _configure_connection(self, connection: Any) -> Any:
        setattr(connection, _IDLE_SINCE, time.monotonic())
        return super()._configure_connection(connection)  # type: ignore[misc]

    def _close(self) -> None:
        if self.connection is not None:
            setattr(self.connection, _IDLE_SINCE, time.monotonic())
        super()._close()  # type: ignore[misc]
