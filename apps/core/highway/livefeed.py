"""Live fan-out: the one Channels group that carries every event, and who may see it.

The bridge subscriber sends each event once, to `livefeed-all`; every live-feed websocket joins
that group on its first subscription and keeps only what its own patterns match (and its user
may see). With the pub/sub channel layer a group send is one Redis PUBLISH, received once by each
server process, which hands it to its own sockets: one send per event, whatever the patterns.
Group sends to a full (slow) client are dropped by the channel layer, so one slow client slows
neither publishers nor other clients.
"""

from __future__ import annotations

from typing import Any

import orjson

from apps.core.highway.connection import sync_redis
from apps.core.highway.streams import CHANNELS_KEY, EVENT_FIELD, decode, is_pattern

LIVEFEED_GROUP = "livefeed-all"
MEMORY_PREFIX = "mem0.recorded."


def module_of(channel_or_pattern: str) -> str | None:
    """The module a channel belongs to: `mem0.recorded.<module>` or `<module>.<...>`.

    None when the pattern leaves the module open (e.g. `mem0.recorded.*`): the feed then checks
    each event's channel instead.
    """
    name = channel_or_pattern
    if name.startswith(MEMORY_PREFIX):
        name = name[len(MEMORY_PREFIX) :]
    module = name.split(".", 1)[0]
    return None if is_pattern(module) or not module else module


def recent_events(count: int = 3) -> dict[str, list[dict[str, Any]]]:
    """The newest `count` events of each module, newest first, read from the streams.

    {"cc": [{"channel": ..., "cursor": ..., "event": {...}}, ...], ...}. Raises redis errors.
    """
    client = sync_redis()
    channels = sorted(decode(c) for c in client.smembers(CHANNELS_KEY))
    pipe = client.pipeline(transaction=False)
    for channel in channels:
        pipe.xrevrange(channel, count=count)
    found: dict[str, list[dict[str, Any]]] = {}
    for channel, entries in zip(channels, pipe.execute(), strict=True):
        module = module_of(channel)
        for raw_cursor, fields in entries or []:
            try:
                event = orjson.loads(fields[EVENT_FIELD])
            except (KeyError, orjson.JSONDecodeError):
                continue  # not an envelope: subscribers dead-letter it; a summary skips it
            cursor = decode(raw_cursor)
            found.setdefault(module or "", []).append(
                {"channel": channel, "cursor": cursor, "event": event}
            )
    return {
        module: sorted(events, key=lambda e: cursor_order(e["cursor"]), reverse=True)[:count]
        for module, events in found.items()
    }


def cursor_order(cursor: str) -> tuple[int, int]:
    """Stream entry ids ("<ms>-<seq>") in the order Redis gave them."""
    milliseconds, _, sequence = cursor.partition("-")
    return int(milliseconds), int(sequence or 0)
