"""What the highway keeps for a module, and taking it out when the module is removed.

A module owns the channels named after it (`<code>` and `<code>.*`), its memory channel and
event types only it declares; its subscribers own their consumer groups, wherever they read.
Removing a module deletes its streams, their dead letters and their place in `cos:channels`, its
groups on every other stream with their "done" keys and error hashes, and the dead letters its
groups left on other channels. Events of other modules stay where they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis

from apps.core.highway.streams import (
    CHANNELS_KEY,
    DEAD_LETTER_PREFIX,
    dead_letter_key,
    decode,
    done_key,
    errors_key,
)

DELETE_BATCH = 500
GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


@dataclass(frozen=True)
class ModuleTraces:
    """The channels and consumer groups one module owns."""

    code: str
    channels: frozenset[str] = frozenset()  # exact names, beside everything under "<code>."
    groups: frozenset[str] = frozenset()

    def owns(self, channel: str) -> bool:
        return (
            channel in self.channels or channel == self.code or channel.startswith(f"{self.code}.")
        )


@dataclass
class Removed:
    streams: list[str] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)  # (stream, group)
    dead_letters: int = 0  # entries the module's groups left on other channels
    keys: int = 0  # "done" keys and error hashes


def _glob_literal(text: str) -> str:
    return GLOB_SPECIAL.sub(r"\\\1", text)


def remove_module_traces(client: redis.Redis, traces: ModuleTraces) -> Removed:
    """Delete what Redis holds for the module (see the module docstring). Safe to run again."""
    removed = Removed()
    names = {decode(n) for n in client.scan_iter(_type="stream", count=DELETE_BATCH)}
    names |= {decode(n) for n in client.smembers(CHANNELS_KEY)}
    for name in sorted(names):
        dead_letters = name.startswith(DEAD_LETTER_PREFIX)
        channel = name.removeprefix(DEAD_LETTER_PREFIX) if dead_letters else name
        if traces.owns(channel):
            client.delete(name, dead_letter_key(channel))
            client.srem(CHANNELS_KEY, channel)
            removed.streams.append(name)
        elif dead_letters:
            removed.dead_letters += _remove_dead_letters(client, name, traces.groups)
        elif client.exists(name):
            for info in _groups(client, name):
                group = decode(info["name"])
                if group in traces.groups:
                    client.xgroup_destroy(name, group)
                    removed.groups.append((name, group))
    for group in sorted(traces.groups):
        done = client.scan_iter(match=f"{_glob_literal(done_key(group, ''))}*", count=DELETE_BATCH)
        removed.keys += _delete(client, done)
        removed.keys += int(client.delete(errors_key(group)))
    return removed


def _groups(client: redis.Redis, stream: str) -> list[dict[str, Any]]:
    groups: Any = client.xinfo_groups(stream)
    return list(groups)


def _remove_dead_letters(client: redis.Redis, stream: str, groups: frozenset[str]) -> int:
    entries: Any = client.xrange(stream)
    ids = [entry_id for entry_id, fields in entries if decode(fields.get(b"group", b"")) in groups]
    for start in range(0, len(ids), DELETE_BATCH):
        client.xdel(stream, *ids[start : start + DELETE_BATCH])
    return len(ids)


def _delete(client: redis.Redis, keys: Iterable[Any]) -> int:
    deleted, batch = 0, []
    for key in keys:
        batch.append(key)
        if len(batch) == DELETE_BATCH:
            deleted += int(client.delete(*batch))
            batch = []
    if batch:
        deleted += int(client.delete(*batch))
    return deleted
