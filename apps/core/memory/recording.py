"""Core's writes: L1 memory logging for every module."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model

from apps.core.db.postgres.inserts import Row, insert_rows
from apps.core.highway.publisher import deliver_on_commit, outbox_values, prepare
from apps.core.http.request_context import current_request_id, current_trace_id, new_request_id
from apps.core.memory import AbstractBaseLog, Level, memory_models
from apps.core.models import OutboxEntry

MEMORY_EVENT = "mem0.recorded"
PROMPT_FIELDS = {"prompt_text", "response_text", "execution_time_ms", "token_count"}


@dataclass(frozen=True)
class Recorded:
    base_log_id: str
    event_log_id: int | None
    prompt_trace_id: int | None
    request_id: str
    trace_id: str | None
    event_id: str
    # The rows as written, with `event` and `prompt` set on the base log: an API can answer
    # from them without reading them back.
    base_log: AbstractBaseLog


def memory_channel(module: str) -> str:
    return f"{MEMORY_EVENT}.{module}"


def log_l1(
    module: str,
    event_type: str | None,
    message: str,
    payload: dict[str, Any] | None = None,
    prompt: dict[str, Any] | None = None,
    level: str = Level.INFO,
) -> Recorded:
    """Write a base log, its event log (when `event_type` is given) and its prompt trace (when
    `prompt` is given) and the event's outbox row in one statement (apps.core.db.postgres.inserts:
    one round trip); after commit the event goes out on
    `mem0.recorded.<module>`. The request id comes from the request in progress, else is new;
    the trace id from the current OpenTelemetry span, when there is one."""
    if level not in Level.values:
        raise ValueError(f"level must be one of {', '.join(Level.values)}, not {level!r}")
    if prompt is not None and (not prompt.get("prompt_text") or set(prompt) - PROMPT_FIELDS):
        raise ValueError(f"prompt needs prompt_text and only {', '.join(sorted(PROMPT_FIELDS))}")
    models = memory_models(module)
    request_id = current_request_id() or new_request_id()
    trace_id = current_trace_id()
    base = models.base_log(level=level, message=message, payload=payload)
    event, event_payload = prepare(
        MEMORY_EVENT,
        {
            "event_type": event_type,
            "level": level,
            "message": message,
            "payload": payload,
            "prompt": bool(prompt),
        },
        source=module,
        channel=memory_channel(module),
        request_id=request_id,
        trace_id=trace_id,
        base_log_id=str(base.pk),
    )
    event_log = (
        models.event_log(
            base_log=base,
            event_type=event_type,
            event_data=payload or {},
            request_id=request_id,
            trace_id=trace_id or "",
        )
        if event_type
        else None
    )
    trace = models.prompt_trace(base_log=base, **prompt) if prompt else None
    written = [row for row in (base, event_log, trace) if row is not None]
    rows: list[Row] = [(type(row), _values(row)) for row in written]
    rows.append((OutboxEntry, outbox_values(event, event_payload)))
    connection = connections[DEFAULT_DB_ALIAS]
    # One statement is atomic by itself; inside a caller's transaction a savepoint keeps a
    # failure from spoiling it, as `transaction.atomic()` did for the ORM inserts.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        *keys, entry_id = insert_rows(rows)
        deliver_on_commit(entry_id, event.channel, event_payload)
    for row, key in zip(written, keys, strict=True):
        row.pk = key
        row._state.adding, row._state.db = False, DEFAULT_DB_ALIAS
    # The base log answers `.event` and `.prompt` without a query (None when not written).
    type(base).prompt.related.set_cached_value(base, trace)  # type: ignore[attr-defined]
    type(base).event.related.set_cached_value(base, event_log)  # type: ignore[attr-defined]
    return Recorded(
        base_log=base,
        base_log_id=str(base.pk),
        event_log_id=event_log.pk if event_log else None,
        prompt_trace_id=trace.pk if trace else None,
        request_id=request_id,
        trace_id=trace_id,
        event_id=event.id,
    )


def _values(row: Model) -> dict[str, Any]:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def log_event(source: str, data: dict[str, Any], memo: str) -> Recorded:
    """Record any event of a module: `data["event_type"]` (default "event") and a memo."""
    event_type = str(data.get("event_type") or "event")
    return log_l1(source, event_type, memo, payload=data)
