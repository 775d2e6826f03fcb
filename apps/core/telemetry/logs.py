"""Log lines: human-readable by default, one JSON object per line with LOG_FORMAT=json.

A JSON line carries what a reader needs to find everything else about its request: time (UTC),
level, logger, message, request id, trace and span ids (OpenTelemetry, when tracing), the COS
module and the user id; any `extra=` fields follow. uvicorn's access log gets the same shape,
with `?token=` keys redacted before any handler sees them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

from apps.core.http.request_context import current_request, request_id_var
from apps.core.telemetry.tracing import current_span_ids

# Attributes that are not for the line: Django's `request` object (read below, not dumped) and
# uvicorn's coloured copy of the message.
NOT_LOGGED = (*RESERVED_ATTRS, "request", "color_message", "taskName")
HEAD = ("time", "level", "logger", "message")  # each line begins with these, in this order
ACCESS_LOGGER = "uvicorn.access"
ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")  # uvicorn's access args


class JsonLineFormatter(OrjsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=NOT_LOGGED,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        fields: dict[str, Any] = {}
        super().add_fields(fields, record, message_dict)
        for name in HEAD:
            log_data[name] = fields.pop(name, None)
        # Django logs a 4xx/5xx answer after the middleware has left (the request id's context
        # is gone) but hands the request over: read it from there.
        request = getattr(record, "request", None) or current_request()
        log_data["request_id"] = request_id_var.get() or getattr(request, "request_id", None)
        log_data["trace_id"], log_data["span_id"] = current_span_ids()
        log_data["module"] = module_of(record.name) or _module_of_request(request)
        log_data["user_id"] = _user_id(request)
        args = record.args
        if record.name == ACCESS_LOGGER and isinstance(args, tuple) and len(args) == 5:
            log_data.update(zip(ACCESS_FIELDS, args, strict=True))
            log_data["module"] = _module_of_path(args[2])
        for name, value in fields.items():  # the record's extra fields, after ours
            log_data.setdefault(name, value)


def module_of(logger_name: str) -> str | None:
    """The COS module whose code logs under `logger_name` (apps.<code>....); None before the
    app registry is ready (lines written while Django starts)."""
    return _owner(logger_name) if logger_name.startswith("apps.") and apps.ready else None


@cache
def _owner(logger_name: str) -> str | None:
    from apps.core.modules.registry import owning_module

    return owning_module(logger_name)


def _module_of_request(request: Any) -> str | None:
    return _module_of_path(getattr(request, "path", None))


def _module_of_path(path: Any) -> str | None:
    """The module an API or admin path belongs to: /api/<code>/..., /admin/<code>/..."""
    if not isinstance(path, str):
        return None
    parts = path.split("/", 3)
    if len(parts) > 2 and parts[1] in ("api", "admin") and apps.ready:
        return _known_module(parts[2])
    return None


@cache
def _known_module(code: str) -> str | None:
    from apps.core.modules.registry import get_module_config

    try:
        get_module_config(code)
    except LookupError:
        return None
    return code


def _user_id(request: Any) -> Any:
    """The signed-in user's id, once something has resolved the user: a log line never loads it
    (that would query the database, and from the event loop raise)."""
    user: Any = getattr(request, "__dict__", {}).get("user")
    # type(), not isinstance(): a lazy object answers isinstance() by loading what it wraps.
    if type(user) is SimpleLazyObject:
        user = user._wrapped
        if user is empty:
            return None
    return user.pk if getattr(user, "is_authenticated", False) else None
