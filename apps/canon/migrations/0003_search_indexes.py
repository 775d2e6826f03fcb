"""GIN indexes for the admin's search across modules (apps.canon.selectors.search_hits).

The tables are unmanaged, so the indexes are made here in SQL: the DDL Django writes for
`GinIndex(search_vector(*SEARCH_FIELDS[model]))` (apps.core.search), frozen. A search uses an
index only on this very expression; apps/canon/tests/test_search.py checks that it does.
"""

# ruff: noqa: E501  (the frozen DDL: one statement per line)
from django.db import migrations

INDEXES_SQL = [
    """CREATE INDEX "canon_prd_search" ON "canon"."prd_log" USING gin ((to_tsvector('simple'::regconfig, COALESCE(LEFT("title", 100000), '') || ' ' || COALESCE(LEFT("summary", 100000), ''))))""",
    """CREATE INDEX "canon_note_search" ON "canon"."archived_note" USING gin ((to_tsvector('simple'::regconfig, COALESCE(LEFT("title", 100000), '') || ' ' || COALESCE(LEFT("body", 100000), ''))))""",
]
DROP_SQL = [
    'DROP INDEX IF EXISTS "canon"."canon_prd_search"',
    'DROP INDEX IF EXISTS "canon"."canon_note_search"',
]


class Migration(migrations.Migration):
    dependencies = [("canon", "0002_tables_and_triggers")]

    operations = [migrations.RunSQL(INDEXES_SQL, reverse_sql=DROP_SQL)]
