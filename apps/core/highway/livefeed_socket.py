"""The live feed at /ws/events/: subscribe to channels by name or pattern, replay, then live.

Client -> server (JSON):
    {"action": "subscribe", "channels": ["mem0.recorded.*"], "since": "1700000000000-0"}
    {"action": "unsubscribe", "channels": ["mem0.recorded.*"]}
    {"action": "ping"}
Server -> client:
    {"type": "welcome", "heartbeat_s": 25}
    {"type": "subscribed", "channels": [...]}
    {"type": "event", "channel": "...", "cursor": "<stream id>", "event": {...}}
    {"type": "replayed", "count": N}
    {"type": "heartbeat", "ts": "..."}   {"type": "pong"}
Close codes: 4401 not authenticated, 4403 a module the user may not view, 4423 a disabled module,
4400 a malformed message. Events of a disabled module are not delivered to wildcard subscriptions.
`cursor` is the stream entry id: send the last one back as `since` to resume after a break.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from typing import Any

import orjson
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

from apps.core import governance
from apps.core.highway.connection import async_redis
from apps.core.highway.envelope import utc_timestamp
from apps.core.highway.livefeed import LIVEFEED_GROUP, cursor_order, module_of
from apps.core.highway.streams import CHANNELS_KEY, EVENT_FIELD, decode, matches, valid_pattern
from apps.core.http.websocket_auth import (
    CLOSE_FORBIDDEN,
    CLOSE_MALFORMED,
    CLOSE_MODULE_DISABLED,
    CLOSE_UNAUTHENTICATED,
)
from apps.core.modules import access

CURSOR = re.compile(r"^(\d{1,20})-(\d{1,20})$")  # a stream entry id: two unsigned 64-bit parts
MAX_STREAM_ID_PART = 2**64 - 1
REPLAY_LIMIT = 10_000  # events a `since` replay sends, across all its channels
MAX_CHANNELS_PER_SUBSCRIBE = 100
logger = logging.getLogger(__name__)
PERMISSION_RECHECK_S = 30.0  # how long an open feed trusts a permission it has read
RECENT_IDS = 4096  # event ids remembered to drop live duplicates of replayed events


class MalformedMessage(ValueError):
    pass


class LiveFeedConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        # Accept first: a close code only reaches the client on an open websocket.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.patterns: set[str] = set()
        self.joined: set[str] = set()
        self.view_cache: dict[str, tuple[bool, float]] = {}  # module -> (may view, checked at)
        self.recent_ids: deque[str] = deque(maxlen=RECENT_IDS)
        interval = settings.COS_EVENTS["LIVEFEED_HEARTBEAT"]
        self.heartbeat = asyncio.create_task(self._beat(interval))
        await self._send({"type": "welcome", "heartbeat_s": interval})

    async def disconnect(self, code: int) -> None:
        task = getattr(self, "heartbeat", None)
        if task is not None:
            task.cancel()
        for group in getattr(self, "joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not hasattr(self, "user"):
            return
        try:
            message = orjson.loads(text_data if text_data is not None else bytes_data or b"")
            if not isinstance(message, dict):
                raise MalformedMessage("a message must be a JSON object")
            await self._dispatch(message)
        except (orjson.JSONDecodeError, MalformedMessage):
            await self.close(code=CLOSE_MALFORMED)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        action = message.get("action")
        if action == "ping":
            await self._send({"type": "pong"})
        elif action == "subscribe":
            await self._subscribe(_channels_of(message), _since_of(message))
        elif action == "unsubscribe":
            self.patterns -= set(_channels_of(message))
            await self._send({"type": "subscribed", "channels": sorted(self.patterns)})
        else:
            raise MalformedMessage(f"unknown action {action!r}")

    async def _subscribe(self, channels: list[str], since: str | None) -> None:
        for channel in channels:
            module = module_of(channel)
            if module is not None and not await self._may_view(module):
                await self.close(code=CLOSE_FORBIDDEN)
                return
            if module is not None and not await governance.ais_enabled(module):
                await self.close(code=CLOSE_MODULE_DISABLED)
                return
        if LIVEFEED_GROUP not in self.joined:
            await self.channel_layer.group_add(LIVEFEED_GROUP, self.channel_name)
            self.joined.add(LIVEFEED_GROUP)
        self.patterns |= set(channels)
        await self._send({"type": "subscribed", "channels": sorted(self.patterns)})
        if since is not None:
            await self._replay(channels, since)

    async def _replay(self, channels: list[str], since: str) -> None:
        client = async_redis()
        try:
            known = {decode(c) for c in await client.smembers(CHANNELS_KEY)}
            # Only channels the user may see are read at all, and at most REPLAY_LIMIT entries
            # in all: what a replay costs is bounded whatever the patterns.
            readable = [c for c in sorted(known) if matches(c, channels) and await self._shown(c)]
            missed: list[tuple[tuple[int, int], dict[str, Any]]] = []
            for channel in readable:
                left = REPLAY_LIMIT - len(missed)
                if left <= 0:
                    break
                entries: Any = await client.xrange(channel, f"({since}", "+", left)
                for raw_cursor, fields in entries:
                    cursor = decode(raw_cursor)
                    event = _event_of(channel, cursor, fields)
                    if event is not None:
                        message = {"channel": channel, "cursor": cursor, "event": event}
                        missed.append((cursor_order(cursor), message))
        finally:
            await client.aclose()
        missed.sort(key=lambda item: item[0])
        sent = 0
        for _, message in missed[:REPLAY_LIMIT]:
            sent += await self._deliver(message)
        # Live events that arrived meanwhile wait in the channel layer (a consumer handles one
        # message at a time) and come next; recent_ids drops those the replay already sent.
        await self._send({"type": "replayed", "count": sent})

    async def livefeed_event(self, message: dict[str, Any]) -> None:
        """A message from the bridge, through the channel layer group."""
        await self._deliver(message)

    async def _deliver(self, message: dict[str, Any]) -> int:
        channel = message["channel"]
        event_id = message["event"].get("id")
        if not matches(channel, self.patterns) or event_id in self.recent_ids:
            return 0
        if not await self._shown(channel):
            return 0
        self.recent_ids.append(event_id)
        cursor, event = message["cursor"], message["event"]
        await self._send({"type": "event", "channel": channel, "cursor": cursor, "event": event})
        return 1

    async def _shown(self, channel: str) -> bool:
        """Whether this user sees the channel's events: its module viewable and enabled."""
        module = module_of(channel)
        return module is None or (
            await self._may_view(module) and await governance.ais_enabled(module)
        )

    async def _may_view(self, module: str) -> bool:
        """The user's view permission on `module`, read again every PERMISSION_RECHECK_S so
        that a permission taken away (or a user deactivated) stops an open feed too."""
        now = time.monotonic()
        cached = self.view_cache.get(module)
        if cached is None or now - cached[1] >= PERMISSION_RECHECK_S:
            check = database_sync_to_async(_may_view_module)
            self.view_cache[module] = (await check(self.user.pk, module), now)
        return self.view_cache[module][0]

    async def _beat(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._send({"type": "heartbeat", "ts": utc_timestamp()})

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=orjson.dumps(message).decode())


def _may_view_module(user_pk: Any, module: str) -> bool:
    # A fresh user: Django caches permissions on the instance the socket was opened with.
    user = get_user_model().objects.filter(pk=user_pk).first()
    return user is not None and access.may_view(user, module)


def _event_of(channel: str, cursor: str, fields: dict[bytes, bytes]) -> dict[str, Any] | None:
    """The envelope of a stream entry; None (logged) for one that is not an event: someone
    else's bad write, not the client's fault."""
    try:
        event = orjson.loads(fields[EVENT_FIELD])
    except (KeyError, orjson.JSONDecodeError):
        logger.warning("Stream %s entry %s is not an event; skipped in a replay", channel, cursor)
        return None
    return event if isinstance(event, dict) else None


def _channels_of(message: dict[str, Any]) -> list[str]:
    channels = message.get("channels")
    if (
        not isinstance(channels, list)
        or not channels
        or len(channels) > MAX_CHANNELS_PER_SUBSCRIBE
        or not all(isinstance(c, str) and valid_pattern(c) for c in channels)
    ):
        raise MalformedMessage(
            f"'channels' must be a list of 1 to {MAX_CHANNELS_PER_SUBSCRIBE} channel names or "
            "patterns"
        )
    return channels


def _since_of(message: dict[str, Any]) -> str | None:
    since = message.get("since")
    if since is None:
        return None
    found = CURSOR.match(since) if isinstance(since, str) else None
    if found is None or any(int(part) > MAX_STREAM_ID_PART for part in found.groups()):
        raise MalformedMessage("'since' must be a stream cursor like '1700000000000-0'")
    return since
