"""Live fan-out: which Channels group carries which channel, and who may see it.

The bridge subscriber sends each event to `livefeed.<first segment>` and to `livefeed-all`; a
websocket joins the first for subscriptions with a literal first segment and the second for
patterns starting with a wildcard, then filters locally. Group sends to a full (slow) client
are dropped by the channel layer, so one slow client slows neither publishers nor other clients.
"""

from __future__ import annotations

from apps.core.highway.streams import is_pattern

ALL_GROUP = "livefeed-all"
MEMORY_PREFIX = "mem0.recorded."


def group_for_channel(channel: str) -> str:
    return f"livefeed.{channel.split('.', 1)[0]}"


def group_for_subscription(pattern: str) -> str:
    first = pattern.split(".", 1)[0]
    return ALL_GROUP if is_pattern(first) else f"livefeed.{first}"


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
