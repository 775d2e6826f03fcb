"""`publish()`: write the event to the outbox in the caller's transaction; Redis after commit."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, transaction

from apps.core.db.postgres.inserts import insert_rows
from apps.core.highway.envelope import Event, InvalidEvent, validate_channel
from apps.core.http.request_context import current_request_id, current_trace_id
from apps.core.models import OutboxEntry
from apps.core.telemetry.highway_spans import publishing


class UndeclaredEvent(ValueError):
    """A module published an event type missing from its definition's `emits`."""


@cache
def _declared_by(source: str) -> frozenset[str] | None:
    """Event types a module declares (None for sources outside the registry). Modules are fixed
    once Django has started, so this is computed once per source."""
    from apps.core.modules.registry import get_module_config

    try:
        return frozenset(get_module_config(source).definition.emits)
    except LookupError:
        return None


def _check_declared(source: str, event_type: str) -> None:
    declared = _declared_by(source)
    if declared is None:
        return  # a source outside the module registry (an agent, a script) declares nothing
    if event_type not in declared:
        raise UndeclaredEvent(
            f"Module '{source}' publishes {event_type!r} but does not declare it in its "
            "definition's emits."
        )


def prepare(
    event_type: str,
    data: dict[str, Any],
    *,
    source: str,
    channel: str | None = None,
    request_id: str | None = None,
    trace_id: str | None = None,
    **extra: Any,
) -> tuple[Event, bytes]:
    """The event and its envelope as it goes on the stream, checked: what `publish` writes to
    the outbox (apps.core.memory.recording writes it in the same statement as the log rows)."""
    _check_declared(source, event_type)
    channel = validate_channel(channel or event_type)
    # The publish span's `traceparent` in the envelope lets the relay, each subscriber and each
    # websocket continue the trace (a caller's own `traceparent` wins).
    trace_fields = publishing(channel, event_type)
    event = Event(
        type=event_type,
        source=source,
        channel=channel,
        data=data,
        request_id=request_id or current_request_id(),
        trace_id=trace_id or current_trace_id(),
        extra={**trace_fields, **extra} if trace_fields else extra,
    )
    try:
        payload = event.to_bytes()
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise InvalidEvent(f"event data is not JSON-serializable: {exc}") from exc
    return event, payload


def outbox_values(event: Event, payload: bytes) -> dict[str, Any]:
    """An OutboxEntry row's values for a prepared event."""
    return {"event_id": event.id, "channel": event.channel, "payload": payload}


def deliver_on_commit(
    entry_id: int, channel: str, payload: bytes, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Hand the outbox row `entry_id` to the relay once the transaction commits (at once when
    there is none: the row is committed already)."""

    def deliver() -> None:
        from apps.core.highway.relay import relay

        relay().deliver_committed(entry_id, channel, payload, using=using)

    transaction.on_commit(deliver, using=using)


def publish(
    event_type: str,
    data: dict[str, Any],
    *,
    source: str,
    channel: str | None = None,
    request_id: str | None = None,
    trace_id: str | None = None,
    using: str = DEFAULT_DB_ALIAS,
    **extra: Any,
) -> Event:
    """Record an event; it reaches Redis once the surrounding transaction commits.

    A rolled-back transaction emits nothing. If Redis is down, the event waits in the outbox and
    the relay delivers it, in order, when Redis is back: the caller's request still succeeds.
    """
    event, payload = prepare(
        event_type,
        data,
        source=source,
        channel=channel,
        request_id=request_id,
        trace_id=trace_id,
        **extra,
    )
    # One INSERT statement and nothing else on the caller's path (the ORM's create() costs as
    # much again in Python): bench/publish.py.
    # A failed insert marks the caller's atomic block for rollback, as the ORM's would, so
    # that no earlier event of the block is delivered for a transaction that never committed.
    with transaction.mark_for_rollback_on_error(using):
        (entry_id,) = insert_rows([(OutboxEntry, outbox_values(event, payload))], using)
    deliver_on_commit(entry_id, event.channel, payload, using)
    return event
