"""The event highway's spans: one trace from `publish()` to every subscriber and websocket.

`publish()` opens a span and puts its W3C `traceparent` in the envelope (an extra field, so
any reader may continue the trace); the relay's XADD, each subscriber's handling and each
websocket send continue it. A batch (the relay draining its backlog, a batch subscriber)
continues the trace of its first event and links every event's. With tracing off each helper
returns a shared no-op context manager (`publishing`, None: no fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import orjson
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from apps.core.telemetry.tracing import tracer as cos_tracer

TRACEPARENT = "traceparent"
_propagator = TraceContextTextMapPropagator()
_off: AbstractContextManager[Any] = nullcontext()


def publishing(channel: str, event_type: str) -> dict[str, str] | None:
    """The publish span (it ends at once: what follows the event continues it); returns the
    envelope fields that carry it (`traceparent`), None while tracing is off."""
    tracer = cos_tracer()
    if tracer is None:
        return None
    with tracer.start_as_current_span(
        f"publish {channel}",
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "cos.highway",
            "messaging.operation.type": "create",
            "messaging.destination.name": channel,
            "cos.event.type": event_type,
        },
    ):
        fields: dict[str, str] = {}
        _propagator.inject(fields)
        return fields


def context_of(envelope: Mapping[str, Any]) -> Context | None:
    """The trace context an envelope (a dict) carries; None when it carries none."""
    traceparent = envelope.get(TRACEPARENT)
    if not isinstance(traceparent, str):
        return None
    context = _propagator.extract({TRACEPARENT: traceparent})
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def _context_of_payload(payload: bytes) -> Context | None:
    try:
        envelope = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return context_of(envelope) if isinstance(envelope, dict) else None


@contextmanager
def _continuing(
    tracer: trace.Tracer,
    name: str,
    kind: SpanKind,
    contexts: list[Context | None],
    attributes: dict[str, Any],
) -> Iterator[None]:
    known = [context for context in contexts if context is not None]
    links = [Link(trace.get_current_span(c).get_span_context()) for c in known]
    if len(contexts) > 1:
        attributes = {**attributes, "messaging.batch.message_count": len(contexts)}
    with tracer.start_as_current_span(
        name,
        context=known[0] if known else Context(),  # a new trace, not the caller's span
        kind=kind,
        links=links if len(contexts) > 1 else (),
        attributes=attributes,
    ):
        yield


def relaying(channel: str, payloads: Iterable[bytes]) -> AbstractContextManager[Any]:
    """The relay's XADD of events (their envelopes as written) to Redis."""
    tracer = cos_tracer()
    if tracer is None:
        return _off
    contexts = [_context_of_payload(payload) for payload in payloads]
    return _continuing(
        tracer,
        f"send {channel}",
        SpanKind.PRODUCER,
        contexts,
        {
            "messaging.system": "cos.highway",
            "messaging.operation.type": "send",
            "messaging.destination.name": channel,
        },
    )


def handling(subscriber: str, events: Iterable[Any]) -> AbstractContextManager[Any]:
    """A subscriber handling events (apps.core.highway.envelope.Event)."""
    tracer = cos_tracer()
    if tracer is None:
        return _off
    events = list(events)
    first = events[0]
    return _continuing(
        tracer,
        f"process {first.channel}",
        SpanKind.CONSUMER,
        [context_of(event.extra) for event in events],
        {
            "messaging.system": "cos.highway",
            "messaging.operation.type": "process",
            "messaging.destination.name": first.channel,
            "messaging.consumer.group.name": subscriber,
            "messaging.message.id": first.id,
        },
    )


def trace_send(payload: bytes, channel: str, sockets: int) -> AbstractContextManager[Any]:
    """The live feed handing an event (its envelope as on the stream) to the websockets that
    want it: `sockets` of them, each sending the same frame from its own queue."""
    tracer = cos_tracer()
    if tracer is None:
        return _off
    return _continuing(
        tracer,
        f"websocket send {channel}",
        SpanKind.PRODUCER,
        [_context_of_payload(payload)],
        {
            "messaging.system": "cos.livefeed",
            "messaging.operation.type": "send",
            "messaging.destination.name": channel,
            "cos.livefeed.sockets": sockets,
        },
    )
