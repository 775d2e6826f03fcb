"""Schema isolation: each module's tables live in its own PostgreSQL schemas.

Django has no schema option on models, but it accepts `db_table = 'schema"."table'` and quotes it
as `"schema"."table"`; `split_identifier` in Django's backends understands that form. This helper
is the one place that builds such names.
"""

from __future__ import annotations

import re

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
QUALIFIER = '"."'


def schema_table(schema: str, table: str) -> str:
    for part in (schema, table):
        if not IDENTIFIER.match(part) or len(part) > 63:
            raise ValueError(f"{part!r} is not a plain PostgreSQL identifier.")
    return f"{schema}{QUALIFIER}{table}"


def existing_table(schema: str, table: str) -> str | None:
    """The `db_table` form of a table found in the database, named as PostgreSQL has it.

    Another application sharing the database may use any name (capitals, spaces, dots): Django
    quotes those correctly. A name holding a double quote can't be written in this form (Django
    doesn't escape quotes), so it gives None: no model can point at such a table anyway.
    """
    if '"' in schema or '"' in table:
        return None
    return f"{schema}{QUALIFIER}{table}"


def split_table(db_table: str) -> tuple[str | None, str]:
    """`'cc"."modules'` -> ('cc', 'modules'); `'auth_user'` -> (None, 'auth_user')."""
    name = db_table.strip('"')
    if QUALIFIER in name:
        schema, table = name.split(QUALIFIER, 1)
        return schema, table
    return None, name
