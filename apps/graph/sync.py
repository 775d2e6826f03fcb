"""The L1 -> L2 sync: the module registry and every module's L1 records, written into the graph.

Each log becomes a `LogEntry` (labelled with its module, `:LogEntry:cc`) linked CREATED_BY its
`Module` and TRIGGERED_BY its `Session` (the request id); its prompt trace a `Prompt` that
FLOWS_TO it; a module's `requires` are DEPENDS_ON between `Module` nodes. Every write MERGEs on
the nodes' keys with parameters, and a node's uid derives from its key, so writing the same
thing twice (a replayed event, a second rebuild) changes nothing, and the live subscriber
(events.py) and `graphsync --rebuild`, which both write through here, make the same graph.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from apps.core import governance
from apps.core.graphdb.connection import cypher
from apps.core.graphdb.nodes import module_label
from apps.core.highway.envelope import Event
from apps.core.memory import AbstractBaseLog, NoMemory, memory_modules
from apps.core.memory.queries import logs
from apps.core.modules.definition import ModuleDefinition
from apps.core.modules.registry import modules

GOVERNANCE_EVENTS = ("cc.module.enabled", "cc.module.disabled")
SESSION_MODULE = "core"  # a request belongs to COS as a whole, not to one module
NAME_LENGTH = 80
# Fixed: a node's uid is uuid5(UID_NAMESPACE, "<label>:<key>"), the same on every write.
UID_NAMESPACE = uuid.UUID("5b0f6f7e-2a4b-4c83-9a51-3f1f4e0c2d11")

Row = dict[str, Any]


def node_uid(label: str, key: str) -> str:
    return uuid.uuid5(UID_NAMESPACE, f"{label}:{key}").hex


# --- modules ---------------------------------------------------------------------------------


def module_row(definition: ModuleDefinition, enabled: bool) -> Row:
    return {
        "code": definition.code,
        "uid": node_uid("Module", definition.code),
        "name": definition.name,
        "version": definition.version,
        "kind": str(definition.kind),
        "enabled": "yes" if enabled else "no",
        "requires": [{"code": c, "uid": node_uid("Module", c)} for c in definition.requires],
        "at": timezone.now().timestamp(),
    }


def sync_module(row: Row) -> None:
    """The module's node (MERGE on code) with its registry properties, and DEPENDS_ON each
    module it requires."""
    cypher(
        f"""
        MERGE (m:Module {{code: $row.code}})
        ON CREATE SET m.uid = $row.uid, m.created_at = $row.at, m.updated_at = $row.at
        SET m:{module_label(row["code"])}, m.module = $row.code, m.name = $row.name,
            m.version = $row.version, m.kind = $row.kind, m.enabled = $row.enabled
        FOREACH (required IN $row.requires |
            MERGE (r:Module {{code: required.code}})
            ON CREATE SET r.uid = required.uid, r.module = required.code, r.name = required.code,
                          r.created_at = $row.at, r.updated_at = $row.at
            MERGE (m)-[:DEPENDS_ON]->(r))
        """,
        {"row": row},
    )


def sync_modules() -> int:
    """Every installed module, as the registry and governance say; returns how many."""
    definitions = modules()
    # Required modules first: a node MERGEd as a requirement gets its real uid at once.
    for definition in definitions:
        sync_module(module_row(definition, governance.is_enabled(definition.code)))
    return len(definitions)


def sync_module_change(event: Event) -> None:
    """`cc.module.enabled` / `cc.module.disabled`: the module's node says whether it is on."""
    code = str(event.data.get("module", ""))
    definition = next((d for d in modules() if d.code == code), None)
    if definition is not None:
        sync_module(module_row(definition, bool(event.data.get("active"))))


# --- logs ------------------------------------------------------------------------------------


def log_row(module: str, log: AbstractBaseLog, request_id: str | None = None) -> Row:
    """A log as the graph keeps it, from L1 (its event log's request id, else `request_id`)."""
    event_log, trace = _related(log, "event"), _related(log, "prompt")
    log_id = str(log.pk)
    return {
        "log_id": log_id,
        "uid": node_uid("LogEntry", log_id),
        "name": log.message[:NAME_LENGTH],
        "level": log.level,
        "event_type": event_log.event_type if event_log else None,
        "message": log.message,
        "recorded_at": _rfc3339(log.timestamp),
        "at": log.timestamp.timestamp(),
        "request_id": (event_log.request_id if event_log else None) or request_id,
        "prompt": _prompt(log_id, trace),  # none or one
    }


def _related(log: AbstractBaseLog, relation: str) -> Any:
    try:
        return getattr(log, relation)
    except ObjectDoesNotExist:  # no such row (one-to-one)
        return None


def _prompt(log_id: str, trace: Any) -> list[Row]:
    if trace is None:
        return []
    return [
        {
            "uid": node_uid("Prompt", log_id),
            "name": trace.prompt_text[:NAME_LENGTH],
            "prompt_text": trace.prompt_text,
            "token_count": trace.token_count,
        }
    ]


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def sync_logs(module: str, rows: list[Row]) -> None:
    """A batch of one module's logs: their sessions, each LogEntry CREATED_BY its module and
    TRIGGERED_BY its session, the prompts FLOWS_TO their logs. Plain UNWIND ... MERGE
    statements, one per kind: on ArcadeDB, a label set inside FOREACH breaks uniqueness, a
    MERGE repeated on one key within a statement may create two nodes, and rows after an
    OPTIONAL MATCH that finds one node for several of them may be lost."""
    if not rows:
        return
    sync_sessions(rows)
    label = module_label(module)
    cypher(
        f"""
        MERGE (m:Module {{code: $module}})
        ON CREATE SET m.uid = $module_uid, m.module = $module, m.name = $module,
                      m.created_at = $now, m.updated_at = $now
        WITH m
        UNWIND $rows AS row
        MERGE (l:LogEntry {{log_id: row.log_id}})
        ON CREATE SET l.uid = row.uid, l.created_at = row.at, l.updated_at = row.at
        SET l:{label}, l.module = $module, l.name = row.name, l.level = row.level,
            l.event_type = row.event_type, l.message = row.message,
            l.recorded_at = row.recorded_at
        MERGE (l)-[:CREATED_BY]->(m)
        """,
        {
            "module": module,
            "module_uid": node_uid("Module", module),
            "rows": [{k: v for k, v in row.items() if k != "prompt"} for row in rows],
            "now": timezone.now().timestamp(),
        },
    )
    triggered = [
        {"log_id": row["log_id"], "request_id": row["request_id"]}
        for row in rows
        if row["request_id"]
    ]
    if triggered:
        cypher(
            """
            UNWIND $rows AS row
            MATCH (l:LogEntry {log_id: row.log_id})
            MATCH (s:Session {request_id: row.request_id})
            MERGE (l)-[:TRIGGERED_BY]->(s)
            """,
            {"rows": triggered},
        )
    prompts = [
        {**prompt, "log_id": row["log_id"], "at": row["at"]}
        for row in rows
        for prompt in row["prompt"]
    ]
    if prompts:
        cypher(
            f"""
            UNWIND $rows AS row
            MATCH (l:LogEntry {{log_id: row.log_id}})
            MERGE (p:Prompt {{log_id: row.log_id}})
            ON CREATE SET p.uid = row.uid, p.created_at = row.at, p.updated_at = row.at
            SET p:{label}, p.module = $module, p.name = row.name,
                p.prompt_text = row.prompt_text, p.token_count = row.token_count
            MERGE (p)-[:FLOWS_TO]->(l)
            """,
            {"module": module, "rows": prompts},
        )


def sync_sessions(rows: list[Row]) -> None:
    """The logs' sessions, each once."""
    sessions: dict[str, Row] = {}
    for row in rows:
        if row["request_id"] and row["request_id"] not in sessions:
            request_id = row["request_id"]
            sessions[request_id] = {
                "request_id": request_id,
                "uid": node_uid("Session", request_id),
                "at": row["at"],
            }
    if not sessions:
        return
    cypher(
        f"""
        UNWIND $sessions AS row
        MERGE (s:Session {{request_id: row.request_id}})
        ON CREATE SET s.uid = row.uid, s.module = $module, s.name = row.request_id,
                      s.created_at = row.at, s.updated_at = row.at
        SET s:{module_label(SESSION_MODULE)}
        """,
        {"sessions": list(sessions.values()), "module": SESSION_MODULE},
    )


def recorded_rows(module: str, events: list[Event]) -> list[Row]:
    """The rows of `mem0.recorded.<module>` events, read from L1 (prompt texts are only
    there); a log L1 no longer has is written from its event alone."""
    ids = [str(event.extra.get("base_log_id", "")) for event in events]
    try:
        found = {str(log.pk): log for log in logs(module).filter(pk__in=[i for i in ids if i])}
    except NoMemory:  # the module is gone: its events are all that is left
        found = {}
    rows = []
    for event, log_id in zip(events, ids, strict=True):
        log = found.get(log_id)
        if log is not None:
            rows.append(log_row(module, log, event.request_id))
        elif log_id:
            rows.append(_row_from_event(log_id, event))
    return rows


def _row_from_event(log_id: str, event: Event) -> Row:
    message = str(event.data.get("message", ""))
    at = datetime.fromisoformat(event.timestamp)
    return {
        "log_id": log_id,
        "uid": node_uid("LogEntry", log_id),
        "name": message[:NAME_LENGTH],
        "level": event.data.get("level"),
        "event_type": event.data.get("event_type"),
        "message": message,
        "recorded_at": event.timestamp,
        "at": at.timestamp(),
        "request_id": event.request_id,
        "prompt": [],
    }


# --- the whole of L1 -------------------------------------------------------------------------


def l1_count() -> int:
    return sum(logs(module).count() for module in memory_modules())


def l1_batches(batch_size: int) -> Iterator[tuple[str, list[Row]]]:
    """Every installed module's logs, oldest first, in batches of rows."""
    for module in memory_modules():
        batch: list[Row] = []
        for log in _oldest_first(logs(module), batch_size):
            batch.append(log_row(module, log))
            if len(batch) >= batch_size:
                yield module, batch
                batch = []
        if batch:
            yield module, batch


def _oldest_first(found: Any, batch_size: int) -> Iterable[AbstractBaseLog]:
    return found.order_by("timestamp", "id").iterator(chunk_size=batch_size)
