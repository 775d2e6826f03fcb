"""The event envelope: versioned, compact (orjson), validated on parse, extra fields kept."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

SCHEMA_VERSION = 1
CHANNEL_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
KNOWN_FIELDS = (
    "id", "type", "source", "channel", "timestamp", "request_id", "trace_id", "data",
    "schema_version",
)  # fmt: skip


class InvalidEvent(ValueError):
    """An envelope that cannot be trusted: the message says which field and why."""


def utc_timestamp() -> str:
    """RFC 3339, UTC, microseconds, 'Z' suffix."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def validate_channel(channel: str) -> str:
    if not isinstance(channel, str) or not CHANNEL_PATTERN.match(channel) or len(channel) > 90:
        raise InvalidEvent(
            f"channel {channel!r} must be dot-separated lowercase words (a-z, 0-9, _), "
            "at most 90 characters"
        )
    return channel


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    channel: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: str = field(default_factory=utc_timestamp)
    request_id: str | None = None
    trace_id: str | None = None
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    # Where the event sits on its stream (set when read from Redis; not part of the envelope).
    cursor: str | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        body = {name: getattr(self, name) for name in KNOWN_FIELDS}
        return {**self.extra, **body}

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.as_dict())

    @classmethod
    def parse(cls, raw: bytes | str | dict[str, Any]) -> Event:
        if isinstance(raw, dict):
            body = raw
        else:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InvalidEvent(f"not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise InvalidEvent("an event must be a JSON object")
        return cls(**_checked(body))


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    def text(name: str, optional: bool = False) -> str | None:
        value = body.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise InvalidEvent(f"'{name}' must be a non-empty string")
        return value

    version = body.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InvalidEvent(f"'schema_version' must be {SCHEMA_VERSION}, not {version!r}")
    try:
        uuid.UUID(text("id") or "")
    except ValueError as exc:
        raise InvalidEvent("'id' must be a UUID") from exc
    timestamp = text("timestamp") or ""
    try:
        parsed = datetime.fromisoformat(timestamp)
    except ValueError as exc:
        raise InvalidEvent(f"'timestamp' {timestamp!r} is not RFC 3339") from exc
    if parsed.utcoffset() is None:
        raise InvalidEvent("'timestamp' must carry a UTC offset")
    data = body.get("data")
    if not isinstance(data, dict):
        raise InvalidEvent("'data' must be an object")
    return {
        "id": body["id"],
        "type": text("type"),
        "source": text("source"),
        "channel": validate_channel(text("channel") or ""),
        "timestamp": timestamp,
        "request_id": text("request_id", optional=True),
        "trace_id": text("trace_id", optional=True),
        "data": data,
        "schema_version": version,
        "extra": {k: v for k, v in body.items() if k not in KNOWN_FIELDS},
    }
