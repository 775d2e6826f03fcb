"""The module's reads: the L2 graph (nodes, relationships, neighbourhoods, search, stats,
schema), as the API shows them (apps.graph.shapes).

Its L1 memory is read through the kit: `apps.core.memory.queries` (logs, prompt traces,
notes, the overview).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.core.graphdb.connection import cypher
from apps.core.graphdb.discovery import node_types
from apps.core.graphdb.nodes import RELATIONSHIP_TYPES
from apps.core.modules.settings import module_setting
from apps.core.search import SearchHit, snippet
from apps.graph import shapes

NODE = "labels(n) AS labels, properties(n) AS props"
REL = "r.uid AS uid, type(r) AS type, a.uid AS source, b.uid AS target, properties(r) AS props"
NEIGHBOURHOOD_NODE_CAP = 500
RELATIONSHIPS_PER_NODE = 4  # of a neighbourhood: read at most cap x this many
SEARCH_LIMIT = 20
SEARCH_MAX_LIMIT = 200


def node_from_row(row: dict[str, Any]) -> dict[str, Any]:
    return shapes.node_json(list(row["labels"]), dict(row["props"]))


def relationship_from_row(row: dict[str, Any]) -> dict[str, Any]:
    return shapes.relationship_json(
        row["uid"], row["type"], row["source"], row["target"], dict(row["props"])
    )


def max_depth() -> int:
    return int(module_setting("graph", "NEIGHBOURHOOD_MAX_DEPTH"))


def node(uid: str) -> dict[str, Any] | None:
    """The node with this uid, or None. One lookup per node type, each answered by that
    label's uid index: a MATCH without a label reads every node (85 ms at 20,000 nodes on
    ArcadeDB, against 2-4 ms)."""
    lookups = " UNION ALL ".join(
        f"MATCH (n:`{label}` {{uid: $uid}}) RETURN {NODE}" for label in node_types()
    )
    rows = cypher(lookups, {"uid": uid})
    return node_from_row(rows[0]) if rows else None


def pattern(variable: str, node: dict[str, Any], parameter: str) -> str:
    """`(variable:Label {uid: $parameter})` for a node found by node(): an indexed match."""
    return f"({variable}:{shapes.label_of(node['label'])} {{uid: ${parameter}}})"


class NodeQuery:
    """Nodes matching filters, counted and sliced on the server (a paginator's queryset)."""

    def __init__(self, match: str, where: str, params: dict[str, Any]) -> None:
        self.match, self.where, self.params = match, where, params

    def count(self) -> int:
        rows = cypher(f"MATCH {self.match} {self.where} RETURN count(n) AS count", self.params)
        return int(rows[0]["count"]) if rows else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        start = int(window.start or 0)
        size = int(window.stop) - start if window.stop is not None else 1000
        rows = cypher(
            f"MATCH {self.match} {self.where} RETURN {NODE} "
            "ORDER BY n.created_at, n.uid SKIP $skip LIMIT $limit",
            {**self.params, "skip": start, "limit": max(size, 0)},
        )
        return [node_from_row(row) for row in rows]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[0:None])


def find_nodes(
    label: str | None = None, module: str | None = None, filters: dict[str, str] | None = None
) -> NodeQuery:
    """Nodes of a label and module whose properties equal `filters` (values as strings, cast
    to each property's declared type)."""
    node_type = shapes.node_type(label) if label else None
    match = f"(n:{shapes.label_of(label)})" if label else "(n)"
    conditions = ["n.uid IS NOT NULL"]
    params: dict[str, Any] = {}
    if module:
        conditions.append("n.module = $module")
        params["module"] = module
    errors: dict[str, Any] = {}
    for index, (name, raw) in enumerate(sorted((filters or {}).items())):
        try:
            value = shapes.filter_value(node_type, name, raw)
        except shapes.BadInput as bad:
            errors.update(bad.errors)
            continue
        # The name is a declared property of the label (or `name`): safe to backtick.
        conditions.append(f"n.`{name}` = $p{index}")
        params[f"p{index}"] = value
    if errors:
        raise shapes.BadInput(errors)
    return NodeQuery(match, "WHERE " + " AND ".join(conditions), params)


def relationship(uid: str) -> dict[str, Any] | None:
    rows = cypher(f"MATCH (a)-[r]->(b) WHERE r.uid = $uid RETURN {REL} LIMIT 1", {"uid": uid})
    return relationship_from_row(rows[0]) if rows else None


class RelationshipQuery:
    """A node's relationships, both directions (a paginator's queryset)."""

    def __init__(self, node: dict[str, Any]) -> None:
        self.uid = node["uid"]
        # Outgoing, then incoming, each from the node's indexed match; UNION drops the second
        # copy of a relationship from the node to itself.
        self.both = (
            f"CALL {{ MATCH {pattern('a', node, 'uid')}-[r]->(b) RETURN r, a, b "
            f"UNION MATCH (a)-[r]->{pattern('b', node, 'uid')} RETURN r, a, b }}"
        )

    def count(self) -> int:
        rows = cypher(f"{self.both} RETURN count(r) AS count", {"uid": self.uid})
        return int(rows[0]["count"]) if rows else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        start = int(window.start or 0)
        size = int(window.stop) - start if window.stop is not None else 1000
        rows = cypher(
            f"{self.both} RETURN {REL} ORDER BY type(r), r.uid SKIP $skip LIMIT $limit",
            {"uid": self.uid, "skip": start, "limit": max(size, 0)},
        )
        return [relationship_from_row(row) for row in rows]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[0:None])


def relationships_of(node: dict[str, Any]) -> RelationshipQuery:
    return RelationshipQuery(node)


def neighbourhood(uid: str, depth: int, cap: int = NEIGHBOURHOOD_NODE_CAP) -> dict[str, Any] | None:
    """The node, the nodes within `depth` hops of it (either direction, at most `cap` of them)
    and the relationships between those nodes; None for an unknown uid."""
    root = node(uid)
    if root is None:
        return None
    # `depth` is an int checked by the caller: ranges cannot be parameters.
    paths = f"MATCH path = {pattern('root', root, 'uid')}-[*1..{int(depth)}]-(n) "
    rows = cypher(
        f"{paths} WHERE n.uid <> $uid WITH DISTINCT n RETURN {NODE} LIMIT $limit",
        {"uid": uid, "limit": cap},
    )
    truncated = len(rows) >= cap
    nodes = [root, *(node_from_row(row) for row in rows[: cap - 1])]
    uids = {n["uid"] for n in nodes}
    # The relationships on those paths (a hub's are bounded too), kept between kept nodes.
    links = cypher(
        f"{paths} UNWIND relationships(path) AS r WITH DISTINCT r "
        "RETURN r.uid AS uid, type(r) AS type, startNode(r).uid AS source, "
        "endNode(r).uid AS target, properties(r) AS props LIMIT $limit",
        {"uid": uid, "limit": cap * RELATIONSHIPS_PER_NODE},
    )
    links = [row for row in links if row["source"] in uids and row["target"] in uids]
    return {
        "root": uid,
        "depth": depth,
        "nodes": nodes,
        "relationships": sorted(
            (relationship_from_row(row) for row in links), key=lambda r: (r["type"], str(r["uid"]))
        ),
        "truncated": truncated,
    }


def search(q: str, label: str | None = None, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Nodes whose search fields contain `q`, ignoring case (no full-text index on ArcadeDB)."""
    labels = [shapes.node_type(label).label] if label else list(node_types())
    found: list[dict[str, Any]] = []
    for name in labels:
        if len(found) >= limit:
            break
        fields = node_types()[name].node_class.search_fields
        # Field names come from class declarations, never from the request.
        matches = " OR ".join(f"toLower(n.`{f}`) CONTAINS toLower($q)" for f in fields)
        rows = cypher(
            f"MATCH (n:`{name}`) WHERE {matches} RETURN {NODE} ORDER BY n.name, n.uid LIMIT $limit",
            {"q": q, "limit": limit - len(found)},
        )
        found.extend(node_from_row(row) for row in rows)
    return found


def map_url(uid: str) -> str:
    """The graph map (/admin/cos/graph-map/) drawing the node `uid`'s neighbourhood."""
    return f"{reverse('admin:cos-graph-map')}?{urlencode({'node': uid})}"


def log_node_url(log_id: Any) -> str:
    """The `graph.log_node_url` contract: where an L1 log's node is drawn (whether or not the
    sync has written it yet: the map then says the node does not exist)."""
    from apps.graph.sync import node_uid

    return map_url(node_uid("LogEntry", str(log_id)))


def search_hits(query: str, limit: int) -> list[SearchHit]:
    """The search provider (GraphConfig.search_provider): nodes whose search fields contain the
    query (search(); the graph server has no full-text index), each drawn on the graph map.
    GraphUnavailable when the server is out of reach."""
    hits = []
    for found in search(query, limit=limit + 1):
        hits.append(
            SearchHit(
                kind="node",
                label=_("graph node: %(label)s") % {"label": found["label"]},
                title=str(found.get("name") or found["uid"]),
                url=map_url(str(found["uid"])),
                snippet=snippet(str(found["properties"].get("message") or "")),
                at=_moment(found.get("created_at")),
            )
        )
    return hits


def _moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:  # a node written by hand, with a time in another form
        return None


def stats() -> dict[str, Any]:
    """How many nodes of each label (type labels and module labels), and relationships of
    each type."""
    labels: dict[str, int] = {}
    for row in cypher("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count"):
        labels[str(row["label"])] = int(row["count"])
    types = {name: 0 for name in RELATIONSHIP_TYPES}
    for row in cypher("MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS count"):
        types[str(row["type"])] = int(row["count"])
    return {
        "nodes": sum(labels.get(name, 0) for name in node_types()),
        "relationships": sum(types.values()),
        "labels": dict(sorted(labels.items())),
        "relationship_types": dict(sorted(types.items())),
    }


def schema() -> dict[str, Any]:
    """The declared labels and relationship types, and the server's constraints and indexes."""
    return {
        "labels": {label: shapes.schema_json(t) for label, t in node_types().items()},
        "relationship_types": list(RELATIONSHIP_TYPES),
        "constraints": [shapes.plain(row) for row in cypher("SHOW CONSTRAINTS")],
        "indexes": [shapes.plain(row) for row in cypher("SHOW INDEXES")],
    }
