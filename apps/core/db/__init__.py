"""The database: every module's tables in its own PostgreSQL schemas.

`schemas.py` spells a table's schema-qualified name (`schema_table("mem0_cc", "base_log")`);
`postgres/` is the Django database backend (ENGINE `apps.core.db.postgres`) that creates the
schemas, pools connections, renames and moves tables across schemas, introspects odd names,
finds dependents outside a module's schemas and writes an L1 record in one statement.
"""
