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
4400 a malformed message, 4408 too slow (LIVEFEED_QUEUE frames left unread: resume with `since`).
Events of a disabled module are not delivered to wildcard subscriptions.
`cursor` is the stream entry id: send the last one back as `since` to resume after a break.

Delivery (COS_LIVEFEED_DELIVERY): "hub" (the default) registers the socket with this process'
live-feed hub (livefeed_hub.py), which hands it each event's frame, built once per process;
"channel_layer" is the earlier design (one channel-layer message per socket, serialised per
socket), kept so bench/fanout.py can measure both. Everything a socket sends goes through one
bounded queue and one writer task, in order; a client that leaves LIVEFEED_QUEUE frames unread
is cut off (4408), so it never grows the server's memory nor slows the other sockets.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import orjson
import redis
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from apps.core import governance
from apps.core.highway import livefeed_hub
from apps.core.highway.connection import async_redis
from apps.core.highway.envelope import utc_timestamp
from apps.core.highway.livefeed import LIVEFEED_GROUP, cursor_order, module_of
from apps.core.highway.livefeed_hub import hub
from apps.core.highway.streams import CHANNELS_KEY, EVENT_FIELD, decode, matches, valid_pattern
from apps.core.http.websocket_auth import (
    CLOSE_FORBIDDEN,
    CLOSE_MALFORMED,
    CLOSE_MODULE_DISABLED,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
)

CURSOR = re.compile(r"^(\d{1,20})-(\d{1,20})$")  # a stream entry id: two unsigned 64-bit parts
MAX_STREAM_ID_PART = 2**64 - 1
CLOSE_TRY_AGAIN = 1013  # RFC 6455 "try again later": a replay met a dependency that is down
REPLAY_LIMIT = 10_000  # events a `since` replay sends, across all its channels
MAX_CHANNELS_PER_SUBSCRIBE = 100
logger = logging.getLogger(__name__)
REPLAY_OVERLAP_S = 30.0  # how long replayed event ids are kept to drop their live duplicates


class MalformedMessage(ValueError):
    pass


class ReplayOverlap:
    """Live frames that arrive while a replay runs wait here; those the replay sent, and those
    arriving live for a while after it, are dropped: a client never gets an event twice."""

    def __init__(self) -> None:
        self.waiting: list[tuple[str, str]] | None = None  # (event id, frame) during a replay
        self.replayed: set[str] = set()
        self.replayed_until = 0.0

    def begin(self) -> None:
        self.waiting = []

    def hold(self, event_id: str, frame: str) -> bool:
        """True when the frame is held (a replay runs) or dropped (the replay sent it)."""
        if self.waiting is not None:
            self.waiting.append((event_id, frame))
            return True
        if self.replayed and time.monotonic() > self.replayed_until:
            self.replayed = set()
        return event_id in self.replayed

    def end(self, replayed: set[str]) -> list[str]:
        """The held frames the replay did not send, in arrival order."""
        waiting, self.waiting = self.waiting or [], None
        self.replayed = replayed
        self.replayed_until = time.monotonic() + REPLAY_OVERLAP_S
        return [frame for event_id, frame in waiting if event_id not in replayed]


class LiveFeedConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        # Accept first: a close code only reaches the client on an open websocket.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.user_pk = user.pk
        self.patterns: frozenset[str] = frozenset()
        self.view_cache: dict[str, tuple[bool, float]] = {}  # module -> (may view, checked at)
        self.overlap = ReplayOverlap()
        self.through_hub = settings.COS_EVENTS["LIVEFEED_DELIVERY"] == "hub"
        self.joined = False
        self.cut = False
        self.outbox: asyncio.Queue[str] = asyncio.Queue(settings.COS_EVENTS["LIVEFEED_QUEUE"])
        self.writer = asyncio.create_task(self._write())
        interval = settings.COS_EVENTS["LIVEFEED_HEARTBEAT"]
        self.heartbeat = asyncio.create_task(self._beat(interval))
        await self._send({"type": "welcome", "heartbeat_s": interval})

    async def disconnect(self, code: int) -> None:
        await self._stop_feeding()

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        # A socket this side closes gets nothing more, even before the client says goodbye.
        await self._stop_feeding()
        await super().close(code, reason)

    async def _stop_feeding(self) -> None:
        for task in (getattr(self, "heartbeat", None), getattr(self, "writer", None)):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        if getattr(self, "through_hub", False):
            hub().detach(self)
        if getattr(self, "joined", False):
            self.joined = False
            await self.channel_layer.group_discard(LIVEFEED_GROUP, self.channel_name)

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
        except BaseException:
            # Channels ends the consumer without calling disconnect(): leave the hub first.
            await self._stop_feeding()
            raise

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
        if since is not None:
            self.overlap.begin()  # live frames from now on wait until the replay is sent
        self.patterns |= frozenset(channels)
        if self.through_hub:
            hub().attach(self)
            await hub().reading_from_now()  # confirmed below: nothing published after is missed
        elif not self.joined:
            await self.channel_layer.group_add(LIVEFEED_GROUP, self.channel_name)
            self.joined = True
        await self._send({"type": "subscribed", "channels": sorted(self.patterns)})
        if since is not None:
            await self._replay(channels, since)

    async def _replay(self, channels: list[str], since: str) -> None:
        try:
            await self._replay_from_streams(channels, since)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, DatabaseError):
            # Redis or the database went away mid-replay: the client tries again later.
            logger.warning("Live feed replay failed; closing with 1013", exc_info=True)
            self.overlap.end(set())
            await self.close(code=CLOSE_TRY_AGAIN)

    async def _replay_from_streams(self, channels: list[str], since: str) -> None:
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
                        message: dict[str, Any] = {
                            "channel": channel, "cursor": cursor, "event": event
                        }  # fmt: skip
                        missed.append((cursor_order(cursor), message))
        finally:
            await client.aclose()
        missed.sort(key=lambda item: item[0])
        replayed: set[str] = set()
        for _, message in missed[:REPLAY_LIMIT]:
            await self._send({"type": "event", **message})
            replayed.add(message["event"].get("id"))
        await self._send({"type": "replayed", "count": len(replayed)})
        for frame in self.overlap.end(replayed):
            self._enqueue(frame)

    # --- live frames ----------------------------------------------------------------------------
    def push(self, event_id: str, frame: str) -> None:
        """A frame from the hub, already filtered by pattern and permission (no await: the hub
        hands the same frame to every socket in one pass)."""
        if self.cut:
            return
        if not self.overlap.hold(event_id, frame):
            self._enqueue(frame)
        elif len(self.overlap.waiting or ()) > self.outbox.maxsize:
            self._cut_off()  # a replay this client does not read: as bounded as live frames

    async def livefeed_event(self, message: dict[str, Any]) -> None:
        """A message from the bridge through the channel layer ("channel_layer" delivery)."""
        channel = message["channel"]
        if matches(channel, self.patterns) and await self._shown(channel):
            frame = {"type": "event", "channel": channel, "cursor": message["cursor"]}
            text = orjson.dumps({**frame, "event": message["event"]}).decode()
            self.push(message["event"].get("id"), text)

    def _enqueue(self, frame: str) -> None:
        if self.cut:
            return
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            self._cut_off()

    def _cut_off(self) -> None:
        """The client stopped reading: drop what waits for it and close (it resumes with
        `since`). The close itself may wait on the unread socket; nothing else does."""
        self._drop_everything()
        unread = self.outbox.maxsize
        logger.info("Live feed of user %s cut off: %d frames unread", self.user_pk, unread)
        self.closing = asyncio.create_task(self.close(code=CLOSE_TOO_SLOW))

    def _drop_everything(self) -> None:
        self.cut = True
        self.overlap.waiting = None
        if self.through_hub:
            hub().detach(self)
        while not self.outbox.empty():
            self.outbox.get_nowait()  # also wakes an own message waiting for room: it returns

    async def _write(self) -> None:
        try:
            while True:
                await self.send(text_data=await self.outbox.get())
        except Exception:  # the client is gone (uvicorn's ClientDisconnected): feed it no more
            self._drop_everything()

    async def _send(self, message: dict[str, Any]) -> None:
        """Own messages (welcome, replies, replayed events, heartbeats) queue behind the live
        frames already waiting: one order for everything the client reads."""
        if not self.cut:
            await self.outbox.put(orjson.dumps(message).decode())

    async def _shown(self, channel: str) -> bool:
        """Whether this user sees the channel's events: its module viewable and enabled."""
        module = module_of(channel)
        return module is None or (
            await self._may_view(module) and await governance.ais_enabled(module)
        )

    async def _may_view(self, module: str) -> bool:
        """The user's view permission on `module`, read again as often as the hub reads it
        (livefeed_hub.PERMISSION_RECHECK_S) and by the same function, so that a permission
        taken away (or a user deactivated) stops an open feed too."""
        now = time.monotonic()
        cached = self.view_cache.get(module)
        if cached is None or now - cached[1] >= livefeed_hub.PERMISSION_RECHECK_S:
            found = await database_sync_to_async(livefeed_hub.may_view_all)([self.user_pk], module)
            self.view_cache[module] = (found[self.user_pk], now)
        return self.view_cache[module][0]

    async def _beat(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._send({"type": "heartbeat", "ts": utc_timestamp()})


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
    parts = [int(part) for part in found.groups()] if found is not None else []
    # Nothing can follow the greatest id: Redis refuses it as the start of a range.
    greatest = [MAX_STREAM_ID_PART, MAX_STREAM_ID_PART]
    if not parts or any(part > MAX_STREAM_ID_PART for part in parts) or parts == greatest:
        raise MalformedMessage("'since' must be a stream cursor like '1700000000000-0'")
    return since
