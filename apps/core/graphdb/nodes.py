"""The base of every module's graph nodes, and the graph's shared vocabulary.

A node carries the label of its type (its class) and the label of the module it belongs to
(`:LogEntry:cc`), as in the original system; `module` holds the same code as a property, for
filters that take parameters (labels cannot be parameters in Cypher).
"""

from __future__ import annotations

from typing import ClassVar

from neomodel import DateTimeProperty, StringProperty, StructuredNode, UniqueIdProperty

from apps.core.modules.definition import CODE_PATTERN

# The relationship types of the original system: every link in L2 (and between L3 notes).
RELATIONSHIP_TYPES = (
    "CONTAINS",
    "REFERENCES",
    "DEPENDS_ON",
    "CREATED_BY",
    "TRIGGERED_BY",
    "FLOWS_TO",
    "RELATES_TO",
)


class GraphNode(StructuredNode):
    """A node of L2. `uid` is its stable id in the API (the server's element ids are not
    portable between Neo4j and ArcadeDB); `merge_key`, when set, names a property unique per
    label that a create may MERGE on, so the same thing is never recorded twice."""

    __abstract_node__ = True

    uid = UniqueIdProperty()
    name = StringProperty(index=True)
    module = StringProperty(index=True, required=True)
    created_at = DateTimeProperty(default_now=True)
    updated_at = DateTimeProperty(default_now=True)

    merge_key: ClassVar[str | None] = None
    # Properties the text search reads (besides name).
    search_fields: ClassVar[tuple[str, ...]] = ("name",)


def module_label(code: str) -> str:
    """`code` as a Cypher label, escaped; only a module code can be one."""
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError(f"{code!r} is not a module code.")
    return f"`{code}`"
