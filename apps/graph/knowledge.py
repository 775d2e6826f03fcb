"""L3 and L4 into the graph, from their events alone (no import of zk or canon).

An L3 note is a `Concept` keyed "zk:note:<id>" (labelled zk), its typed links relationships of
their own type, a promoted note REFERENCES the LogEntry nodes of the L1 logs it cites. L4 records
are `Entity` nodes labelled canon, keyed by the canon's references ("canon:prd:<key>",
"canon:trace:<id>", "canon:note:<note id>"): a trace REFERENCES its PRD, an archived note
REFERENCES its Concept, and a memory link joins the two nodes it names with its type.

Events of one kind arrive on channels of their own, so a link may come before its notes: every
write MERGEs the nodes it needs on their keys, and a later event fills in their properties.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from apps.core.graphdb.connection import cypher
from apps.core.graphdb.nodes import RELATIONSHIP_TYPES
from apps.core.highway.envelope import Event
from apps.graph.sync import node_uid

logger = logging.getLogger(__name__)

GRAPH_UID_LENGTH = 32


def note_key(note_id: str) -> str:
    return f"zk:note:{note_id}"


def _now() -> float:
    return timezone.now().timestamp()


def _merge_node(label: str, module: str, key: str, properties: dict[str, Any]) -> None:
    """The node `label` with `key` (label and module are this file's constants, never input)."""
    # The module label inside MERGE: on ArcadeDB, a label SET on a found node breaks its
    # uniqueness constraints. Property names are this file's, never an event's.
    assigned = "".join(f", n.{name} = $properties.{name}" for name in properties)
    cypher(
        f"""
        MERGE (n:{label}:{module} {{key: $key}})
        ON CREATE SET n.uid = $uid, n.created_at = $now, n.name = $key
        SET n.module = $module, n.updated_at = $now{assigned}
        """,
        {"key": key, "uid": node_uid(label, key), "now": _now(), "module": module,
         "properties": properties},
    )  # fmt: skip


def _relate(from_match: str, rel_type: str, to_match: str, params: dict[str, Any]) -> None:
    if rel_type not in RELATIONSHIP_TYPES:  # the type names the relationship: never free text
        logger.warning("Graph: ignored a link of unknown type %r", rel_type)
        return
    cypher(f"MATCH {from_match} MATCH {to_match} MERGE (a)-[:{rel_type}]->(b)", params)


# --- L3: notes and their links ---------------------------------------------------------------


def sync_note(data: dict[str, Any]) -> None:
    properties = {"name": data.get("title", ""), "note_id": data["id"],
                  "tags": list(data.get("tags") or [])}  # fmt: skip
    _merge_node("Concept", "zk", note_key(data["id"]), properties)


def delete_note(data: dict[str, Any]) -> None:
    cypher("MATCH (n:Concept {key: $key}) DETACH DELETE n", {"key": note_key(data["id"])})


def sync_promotion(data: dict[str, Any]) -> None:
    """The note REFERENCES the LogEntry of each L1 log it cites (already in the graph: L1's own
    event came first, long before anyone promoted it). Prompt traces have no node of their own."""
    sync_note(data)
    if data.get("kind") != "log":
        return
    cypher(
        """
        MATCH (c:Concept {key: $key})
        UNWIND $logs AS log_id
        MATCH (l:LogEntry {log_id: log_id})
        MERGE (c)-[:REFERENCES]->(l)
        """,
        {"key": note_key(data["id"]), "logs": [str(r) for r in data.get("records", [])]},
    )


def sync_link(data: dict[str, Any]) -> None:
    for side in ("from", "to"):
        title = data.get(f"{side}_title") or ""
        _merge_node("Concept", "zk", note_key(data[side]), {"note_id": data[side]} | (
            {"name": title} if title else {}
        ))  # fmt: skip
    params = {"a": note_key(data["from"]), "b": note_key(data["to"])}
    _relate("(a:Concept {key: $a})", data["type"], "(b:Concept {key: $b})", params)


def delete_link(data: dict[str, Any]) -> None:
    if data["type"] not in RELATIONSHIP_TYPES:
        return
    cypher(
        f"MATCH (a:Concept {{key: $a}})-[r:{data['type']}]->(b:Concept {{key: $b}}) DELETE r",
        {"a": note_key(data["from"]), "b": note_key(data["to"])},
    )


# --- L4: the canon's records -----------------------------------------------------------------


def sync_prd(data: dict[str, Any]) -> None:
    properties = {"name": data.get("title") or data["prd_key"], "version": data["version"]}
    _merge_node("Entity", "canon", f"canon:prd:{data['prd_key']}", properties)


def sync_trace(data: dict[str, Any]) -> None:
    trace, prd = f"canon:trace:{data['id']}", f"canon:prd:{data['prd_key']}"
    _merge_node("Entity", "canon", trace, {"name": data.get("trigger") or trace})
    _merge_node("Entity", "canon", prd, {})
    params = {"a": trace, "b": prd}
    _relate("(a:Entity {key: $a})", "REFERENCES", "(b:Entity {key: $b})", params)


def sync_archived_note(data: dict[str, Any]) -> None:
    archived = f"canon:note:{data['note_id']}"
    _merge_node("Entity", "canon", archived, {"version": data.get("version")})
    _merge_node("Concept", "zk", note_key(data["note_id"]), {"note_id": data["note_id"]})
    params = {"a": archived, "b": note_key(data["note_id"])}
    _relate("(a:Entity {key: $a})", "REFERENCES", "(b:Concept {key: $b})", params)


def _node_pattern(variable: str, ref: str) -> tuple[str, str] | None:
    """A MATCH pattern for the node a canon reference names, with its parameter; None for a
    reference the graph holds no node for. Notes and canon records are MERGEd first: their own
    events may come later (the streams are read in name order: canon.link before canon.prd)."""
    if len(ref) == GRAPH_UID_LENGTH and ":" not in ref:
        return f"({variable} {{uid: ${variable}}})", ref
    module, _, rest = ref.partition(":")
    kind, _, record = rest.partition(":")
    if module == "zk" and kind == "note":
        _merge_node("Concept", "zk", ref, {"note_id": record})
        return f"({variable}:Concept {{key: ${variable}}})", ref
    if module == "canon":
        _merge_node("Entity", "canon", ref, {})
        return f"({variable}:Entity {{key: ${variable}}})", ref
    if kind == "log":
        return f"({variable}:LogEntry {{log_id: ${variable}}})", record
    return None


def sync_memory_link(data: dict[str, Any]) -> None:
    source, target = _node_pattern("a", data["source"]), _node_pattern("b", data["target"])
    if source is None or target is None:
        return
    _relate(source[0], data["type"], target[0], {"a": source[1], "b": target[1]})


HANDLERS = {
    "zk.note.created": sync_note,
    "zk.note.updated": sync_note,
    "zk.note.promoted": sync_promotion,
    "zk.note.deleted": delete_note,
    "zk.link.created": sync_link,
    "zk.link.deleted": delete_link,
    "canon.prd.archived": sync_prd,
    "canon.trace.archived": sync_trace,
    "canon.note.archived": sync_archived_note,
    "canon.link.archived": sync_memory_link,
}


def apply(event: Event) -> None:
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(event.data)
