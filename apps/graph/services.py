"""The module's writes, one function per action: the L2 graph's nodes and relationships. Each
write publishes its event (graph.node.*, graph.relationship.*) through core's outbox once it
has reached the graph; the event reaches Redis when the caller's transaction commits.

Its L1 memory is written through the kit: `apps.core.memory.recording.log_l1(<code>, ...)`
and `apps.core.memory.notes`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from neo4j.exceptions import ConstraintError
from neomodel.exceptions import ConstraintValidationFailed

from apps.core.graphdb.connection import reachable
from apps.core.highway.publisher import publish
from apps.graph import selectors, shapes

SOURCE = "graph"
UNIQUE_VIOLATIONS = (ConstraintError, ConstraintValidationFailed)


def _write(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One write statement in its own transaction: ArcadeDB checks uniqueness at commit, and
    outside a transaction it keeps what a failing statement created before the failure."""
    from neomodel import db

    with reachable():
        try:
            with db.transaction:
                rows, columns = db.cypher_query(query, params)
        except UNIQUE_VIOLATIONS as exc:
            raise Duplicate(str(exc)) from exc
    return [dict(zip(columns or [], row, strict=False)) for row in rows]


class Duplicate(ValueError):
    """A node whose unique property another node of its label already has (409 in the API)."""


def _node_event(node: dict[str, Any]) -> dict[str, Any]:
    return {"uid": node["uid"], "label": node["label"], "module": node["module"]}


def create_node(
    label: str, module: str, name: str | None, properties: Any, *, merge: bool = False
) -> tuple[dict[str, Any], bool]:
    """A node of `label` in `module`; with `merge`, the one with the same merge key if there is
    one (its properties updated). Returns the node and whether it was created."""
    node_type = shapes.node_type(label)
    labels = f"{shapes.label_of(label)}:{shapes.module_label_of(module)}"
    stored = shapes.to_graph(node_type, properties, partial=False)
    now = time.time()
    uid = uuid.uuid4().hex
    fields = {**stored, "name": name, "module": module, "updated_at": now}
    key = node_type.node_class.merge_key
    if merge and key:
        rows = _write(
            # `key` is a declared property name, from the class.
            f"MERGE (n:{labels} {{`{key}`: $key}}) "
            "ON CREATE SET n.uid = $uid, n.created_at = $now "
            f"SET n += $fields RETURN n.uid = $uid AS created, {selectors.NODE}",
            {"key": stored[key], "uid": uid, "now": now, "fields": fields},
        )
    else:
        rows = _write(
            f"CREATE (n:{labels}) SET n = $fields, n.uid = $uid, n.created_at = $now "
            f"RETURN true AS created, {selectors.NODE}",
            {"fields": fields, "uid": uid, "now": now},
        )
    row = rows[0]
    node = shapes.node_json(list(row["labels"]), dict(row["props"]))
    created = bool(row["created"])
    if created:
        publish("graph.node.created", _node_event(node), source=SOURCE)
    else:
        publish("graph.node.updated", _node_event(node), source=SOURCE)
    return node, created


def update_node(uid: str, name: str | None = None, properties: Any = None) -> dict[str, Any] | None:
    """Change a node's name and declared properties; None for an unknown uid."""
    current = selectors.node(uid)
    if current is None:
        return None
    node_type = shapes.node_type(current["label"])
    fields = shapes.to_graph(node_type, properties or {}, partial=True)
    if name is not None:
        fields["name"] = name
    fields["updated_at"] = time.time()
    rows = _write(
        f"MATCH (n) WHERE n.uid = $uid SET n += $fields RETURN {selectors.NODE}",
        {"uid": uid, "fields": fields},
    )
    if not rows:
        return None
    node = shapes.node_json(list(rows[0]["labels"]), dict(rows[0]["props"]))
    publish("graph.node.updated", _node_event(node), source=SOURCE)
    return node


def delete_node(uid: str) -> bool:
    """Delete a node and its relationships; False for an unknown uid."""
    current = selectors.node(uid)
    if current is None:
        return False
    _write("MATCH (n) WHERE n.uid = $uid DETACH DELETE n", {"uid": uid})
    publish("graph.node.deleted", _node_event(current), source=SOURCE)
    return True


def create_relationship(
    source: str, target: str, rel_type: str, properties: Any = None
) -> dict[str, Any]:
    """A relationship `(source)-[:rel_type]->(target)` between two nodes given by uid."""
    cypher_type = shapes.type_of(rel_type)
    stored = shapes.relationship_properties(properties)
    missing = {
        field: [shapes.unknown_node_message(uid)]
        for field, uid in (("source", source), ("target", target))
        if not selectors.node_exists(uid)
    }
    if missing:
        raise shapes.BadInput(missing)
    rows = _write(
        f"MATCH (a), (b) WHERE a.uid = $source AND b.uid = $target "
        f"CREATE (a)-[r:{cypher_type}]->(b) SET r = $props, r.uid = $uid RETURN {selectors.REL}",
        {"source": source, "target": target, "props": stored, "uid": uuid.uuid4().hex},
    )
    relationship = selectors.relationship_from_row(rows[0])
    publish(
        "graph.relationship.created",
        {k: relationship[k] for k in ("uid", "type", "source", "target")},
        source=SOURCE,
    )
    return relationship


def delete_relationship(uid: str) -> bool:
    """Delete a relationship; False for an unknown uid."""
    current = selectors.relationship(uid)
    if current is None:
        return False
    _write("MATCH ()-[r]->() WHERE r.uid = $uid DELETE r", {"uid": uid})
    publish(
        "graph.relationship.deleted",
        {k: current[k] for k in ("uid", "type", "source", "target")},
        source=SOURCE,
    )
    return True
