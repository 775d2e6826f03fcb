"""PostgreSQL functions COS uses in queries and column defaults."""

from __future__ import annotations

from django.db import models


class CurrentTransactionId(models.Func):
    """The 64-bit id of the writing transaction (`pg_current_xact_id()`, PostgreSQL 13+)."""

    template = "pg_current_xact_id()::text::bigint"
    output_field = models.BigIntegerField()


# In-progress transactions (64-bit ids, from the snapshot) that belong to this database
# (pg_stat_activity gives their 32-bit ids); with none, every transaction so far has finished.
_OLDEST_RUNNING_HERE = """
WITH snap AS (SELECT pg_current_snapshot() AS s)
SELECT coalesce(
    (SELECT min(running::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS running
     WHERE running::text::bigint % 4294967296 IN (
         SELECT backend_xid::text::bigint FROM pg_stat_activity
         WHERE datname = current_database() AND backend_xid IS NOT NULL)),
    (SELECT pg_snapshot_xmax(snap.s)::text::bigint FROM snap))
"""


def oldest_running_transaction_sql() -> str:
    """Every transaction of this database with a lower id had finished (committed or rolled
    back) when the statement ran, so rows they wrote are as visible as they will ever be.
    Transactions of other databases on the same server are left out: they cannot write here."""
    return _OLDEST_RUNNING_HERE
