"""The request id of the work in progress: set by middleware, read by logging and events."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from apps.core.telemetry.tracing import current_span_ids

REQUEST_ID_HEADER = "X-Request-ID"
# Accept ids from proxies and agents only when they are plain tokens: they end up in logs.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("cos_request_id", default=None)
# The HttpRequest in progress, for log lines (its user, once resolved): set with the request id.
request_var: ContextVar[Any] = ContextVar("cos_request", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_or_create(incoming: str | None) -> str:
    if incoming and _ACCEPTABLE_ID.match(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str | None:
    return request_id_var.get()


def current_request() -> Any:
    return request_var.get()


_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]*", re.IGNORECASE)


class RedactTokensLogFilter(logging.Filter):
    """uvicorn logs each request's and websocket's path with its query string, where an agent
    may put `?token=<key>`: the key is replaced by [redacted] before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_QUERY.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = _TOKEN_IN_QUERY.sub(r"\1[redacted]", record.msg)
        return True


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx answer once the middleware has left, handing the request over.
        request = getattr(record, "request", None)
        record.request_id = request_id_var.get() or getattr(request, "request_id", None) or "-"
        return True


def current_trace_id() -> str | None:
    """The current OpenTelemetry trace id (hex), when tracing (apps.core.telemetry.tracing)."""
    return current_span_ids()[0]
