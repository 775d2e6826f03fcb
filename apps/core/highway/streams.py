"""Redis Streams layout: one stream per channel, named as the channel; dead letters in
`dlq:<channel>`; every channel ever published is listed in the set `cos:channels`. A consumer
group keeps the ids of events it handled in `cos:done:<group>:<event id>` and its handlers'
last errors in the hash `cos:errors:<group>`."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

CHANNELS_KEY = "cos:channels"
EVENT_FIELD = b"event"
PATTERN = re.compile(r"^[a-z0-9_*?]+(\.[a-z0-9_*?]+)*$")


def stream_key(channel: str) -> str:
    return channel


DEAD_LETTER_PREFIX = "dlq:"


def dead_letter_key(channel: str) -> str:
    return f"{DEAD_LETTER_PREFIX}{channel}"


def done_key(group: str, event_id: str) -> str:
    return f"cos:done:{group}:{event_id}"


def errors_key(group: str) -> str:
    return f"cos:errors:{group}"


def is_pattern(name: str) -> bool:
    return any(char in name for char in "*?")


def valid_pattern(name: str) -> bool:
    return bool(PATTERN.match(name)) and len(name) <= 90


def matches(channel: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(channel, pattern) for pattern in patterns)


def add_to_pipeline(pipe: Any, channel: str, payload: bytes, maxlen: int) -> None:
    """XADD one event, trimming approximately; record the channel for pattern subscribers."""
    pipe.xadd(stream_key(channel), {EVENT_FIELD: payload}, maxlen=maxlen, approximate=True)
    pipe.sadd(CHANNELS_KEY, channel)


def decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
