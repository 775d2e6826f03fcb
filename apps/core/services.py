"""Core's writes: L1 memory logging for every module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.core.highway.publisher import publish
from apps.core.memory import AbstractBaseLog, Level, memory_models
from apps.core.request_context import current_request_id, current_trace_id, new_request_id

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
    `prompt` is given) in one transaction; after commit the event goes out on
    `mem0.recorded.<module>`. The request id comes from the request in progress, else is new;
    the trace id from the current OpenTelemetry span, when there is one."""
    if level not in Level.values:
        raise ValueError(f"level must be one of {', '.join(Level.values)}, not {level!r}")
    if prompt is not None and (not prompt.get("prompt_text") or set(prompt) - PROMPT_FIELDS):
        raise ValueError(f"prompt needs prompt_text and only {', '.join(sorted(PROMPT_FIELDS))}")
    models = memory_models(module)
    request_id = current_request_id() or new_request_id()
    trace_id = current_trace_id()
    with transaction.atomic():
        base = models.base_log._default_manager.create(
            level=level, message=message, payload=payload
        )
        event_log = None
        if event_type:
            event_log = models.event_log._default_manager.create(
                base_log=base,
                event_type=event_type,
                event_data=payload or {},
                request_id=request_id,
                trace_id=trace_id or "",
            )
        trace = (
            models.prompt_trace._default_manager.create(base_log=base, **prompt) if prompt else None
        )
        event = publish(
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
    if trace is None:  # `base.prompt` then reads as missing without a query
        type(base).prompt.related.set_cached_value(base, None)  # type: ignore[attr-defined]
    if event_log is None:
        type(base).event.related.set_cached_value(base, None)  # type: ignore[attr-defined]
    return Recorded(
        base_log=base,
        base_log_id=str(base.pk),
        event_log_id=event_log.pk if event_log else None,
        prompt_trace_id=trace.pk if trace else None,
        request_id=request_id,
        trace_id=trace_id,
        event_id=event.id,
    )


def log_event(source: str, data: dict[str, Any], memo: str) -> Recorded:
    """Record any event of a module: `data["event_type"]` (default "event") and a memo."""
    event_type = str(data.get("event_type") or "event")
    return log_l1(source, event_type, memo, payload=data)
