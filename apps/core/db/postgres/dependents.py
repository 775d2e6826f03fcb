"""What in other schemas depends on a set of schemas: `DROP SCHEMA ... CASCADE` would drop or
change it too, silently."""

from __future__ import annotations

from typing import Any

# Objects outside the given schemas that depend on something inside them: what DROP SCHEMA
# CASCADE would drop or change elsewhere. Internal dependencies (a table's row type, its TOAST
# table, a view's rule) are parts of the object itself. Rules, triggers, defaults and policies
# have no schema of their own: they belong to their table's. A view is named as the view.
OUTSIDE_DEPENDENTS = """
WITH edges AS (
    SELECT d.classid, d.objid, d.objsubid, owner.rel,
        CASE WHEN d.refclassid = 'pg_namespace'::regclass
            THEN (SELECT nspname FROM pg_namespace WHERE oid = d.refobjid)
            ELSE (pg_identify_object(d.refclassid, d.refobjid, 0)).schema
        END AS referenced_schema
    FROM pg_depend d
    LEFT JOIN LATERAL (
        SELECT ev_class FROM pg_rewrite WHERE d.classid = 'pg_rewrite'::regclass AND oid = d.objid
        UNION ALL
        SELECT tgrelid FROM pg_trigger WHERE d.classid = 'pg_trigger'::regclass AND oid = d.objid
        UNION ALL
        SELECT adrelid FROM pg_attrdef WHERE d.classid = 'pg_attrdef'::regclass AND oid = d.objid
        UNION ALL
        SELECT polrelid FROM pg_policy WHERE d.classid = 'pg_policy'::regclass AND oid = d.objid
    ) AS owner (rel) ON true
    WHERE d.deptype <> 'i' AND d.classid <> 'pg_default_acl'::regclass
)
SELECT DISTINCT CASE WHEN classid = 'pg_rewrite'::regclass
    THEN pg_describe_object('pg_class'::regclass, rel, 0)
    ELSE pg_describe_object(classid, objid, objsubid)
END
FROM edges
WHERE referenced_schema = ANY(%s)
    AND NOT coalesce(
        CASE WHEN rel IS NULL
            THEN (pg_identify_object(classid, objid, 0)).schema
            ELSE (pg_identify_object('pg_class'::regclass, rel, 0)).schema
        END, '') = ANY(%s)
ORDER BY 1
"""


def outside_dependents(cursor: Any, schemas: tuple[str, ...]) -> list[str]:
    """Objects outside `schemas` that depend on objects inside, as PostgreSQL describes them."""
    cursor.execute(OUTSIDE_DEPENDENTS, [list(schemas), list(schemas)])
    return [description for (description,) in cursor.fetchall()]
