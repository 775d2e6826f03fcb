"""The live-feed hub: one per server process, it reads every stream and hands each event to the
process' own websockets that want it, serialised once.

Why not the channel layer: a group send turns one event into one channel-layer message, one
consumer hand-off and one serialisation per socket (docs/benchmarks.md, issue 15: 1,000 sockets
took p99 0.8-1.4 s). Here the hub XREADs the streams itself (no consumer group: every process
gets each event once), builds the frame's text once, checks permissions once per (user, module)
and puts the same string in each subscribed socket's bounded queue. Channels still routes and
authenticates the websockets; sockets register here when they subscribe.

The hub runs while at least one socket is registered; it starts reading at the stream ids of its
start (Redis' clock), keeps each stream's last id, and after a Redis outage reads on from there:
nothing added meanwhile is skipped. New channels are discovered every DISCOVERY_S. A socket's
subscription is confirmed once the hub knows where it starts (`reading_from_now`), so an event
published after the confirmation is never behind the hub's start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Iterable
from contextvars import Context
from typing import Any, Protocol

import orjson
import redis
import redis.asyncio
from channels.db import database_sync_to_async

from apps.core import governance
from apps.core.highway.connection import async_redis
from apps.core.highway.livefeed import module_of
from apps.core.highway.streams import CHANNELS_KEY, EVENT_FIELD, decode, matches
from apps.core.telemetry.highway_spans import trace_send

logger = logging.getLogger(__name__)

DISCOVERY_S = 0.25  # how often new channels are looked for (also the read's longest block)
READ_COUNT = 500  # entries per stream per read
PERMISSION_RECHECK_S = 30.0  # how long a (user, module) view permission is trusted
RETRY_WAIT_S = (0.2, 5.0)  # waits between reads while Redis is away: doubling, capped
START_WAIT_S = 2.0  # how long a subscription waits for the hub's start; Redis away: no longer


Entry = dict[bytes, bytes]


class LiveSocket(Protocol):
    """What the hub needs of a websocket (LiveFeedConsumer implements it)."""

    user_pk: Any
    patterns: frozenset[str]

    def push(self, event_id: str, frame: str) -> None: ...


def event_frame(channel: str, cursor: str, payload: bytes) -> str:
    """The `event` message as the socket sends it, built around the envelope's own bytes: the
    envelope is already JSON, and channel names and cursors need no escaping."""
    head = f'{{"type":"event","channel":"{channel}","cursor":"{cursor}","event":'
    return f"{head}{payload.decode()}}}"


def parse_entry(fields: dict[bytes, bytes]) -> tuple[str, bytes] | None:
    """(event id, envelope bytes) of a stream entry; None for one that is not an event."""
    payload = fields.get(EVENT_FIELD)
    if payload is None:
        return None
    try:
        event = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return None
    return event["id"], payload


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[LiveSocket, None] = {}  # ordered: sockets get frames in join order
        self.permissions: dict[tuple[Any, str], tuple[bool, float]] = {}
        self.task: asyncio.Task[None] | None = None
        self.started: asyncio.Event | None = None  # the current run knows its start id
        self.frames_built = 0  # a test reads it: one frame per event per process

    # --- sockets ----------------------------------------------------------------------------
    def attach(self, socket: LiveSocket) -> None:
        self.sockets[socket] = None
        if self.task is None or self.task.done():
            # A context of its own: the hub serves every socket, not the one (and its trace)
            # that happened to start it.
            loop = asyncio.get_running_loop()
            self.started = asyncio.Event()
            self.task = loop.create_task(
                self._run(self.started), name="cos-livefeed", context=Context()
            )

    async def reading_from_now(self) -> None:
        """Return once the hub has its start id (at most START_WAIT_S: while Redis is away
        nothing reaches a stream, so nothing can be published behind a later start)."""
        started = self.started
        if started is None or started.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(started.wait(), START_WAIT_S)

    def detach(self, socket: LiveSocket) -> None:
        self.sockets.pop(socket, None)
        if not self.sockets and self.task is not None:
            self.task.cancel()  # nobody listens: the process stops reading
            self.task = None

    # --- reading ----------------------------------------------------------------------------
    async def _run(self, started: asyncio.Event) -> None:
        client = async_redis(read_timeout=DISCOVERY_S + 2)
        # Positions belong to this run: a hub started again reads from now, and a run still
        # ending (its cancel not yet seen) cannot move the new run's positions.
        last_ids: dict[str, str] = {}
        wait = RETRY_WAIT_S[0]
        me = asyncio.current_task()
        try:
            start = await self._start_id(client)
            started.set()
            discovered_at = 0.0
            # Asked to stop even if a cancellation was swallowed: on Python 3.11 a cancel that
            # meets a read's timeout becomes a TimeoutError, which redis-py retries.
            while self.task is me and (me is None or not me.cancelling()):
                try:
                    if time.monotonic() - discovered_at >= DISCOVERY_S:
                        await self._discover(client, start, last_ids)
                        discovered_at = time.monotonic()
                    if not last_ids:
                        await asyncio.sleep(DISCOVERY_S)
                        continue
                    block_ms = int(DISCOVERY_S * 1000)
                    streams: dict[Any, Any] = last_ids
                    reply: Any = await client.xread(streams, count=READ_COUNT, block=block_ms)
                    for stream, entries in reply or []:
                        await self._dispatch(decode(stream), entries, last_ids)
                    wait = RETRY_WAIT_S[0]
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    logger.warning("Live feed cannot read Redis (%s); again in %.1f s", exc, wait)
                except Exception:  # the database (permissions) or a bug: the feed must go on
                    logger.exception("Live feed could not hand out events; again in %.1f s", wait)
                else:
                    continue
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_WAIT_S[1])
        finally:
            await client.aclose()

    async def _start_id(self, client: redis.asyncio.Redis) -> str:
        """Entries added from now on (Redis' clock: stream ids are its milliseconds)."""
        while True:
            try:
                seconds, microseconds = await client.time()
                return f"{seconds * 1000 + microseconds // 1000 - 1}-0"
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                logger.warning("Live feed cannot reach Redis (%s)", exc)
                await asyncio.sleep(RETRY_WAIT_S[1])

    async def _discover(
        self, client: redis.asyncio.Redis, start: str, last_ids: dict[str, str]
    ) -> None:
        known = {decode(c) for c in await client.smembers(CHANNELS_KEY)}
        for channel in known - last_ids.keys():
            last_ids[channel] = start
        for channel in last_ids.keys() - known:
            del last_ids[channel]

    # --- handing out ------------------------------------------------------------------------
    async def _dispatch(
        self, channel: str, entries: list[tuple[bytes, Entry]], last_ids: dict[str, str]
    ) -> None:
        last = decode(entries[-1][0])
        targets = self._subscribed(channel)
        module = module_of(channel)
        if not targets or (module is not None and not await governance.ais_enabled(module)):
            last_ids[channel] = last
            return
        allowed = await self._allowed(targets, module)  # may fail: the batch is read again
        last_ids[channel] = last
        for raw_cursor, fields in entries:
            parsed = parse_entry(fields)
            if parsed is None:
                continue  # someone else's bad write; subscribers dead-letter it
            event_id, payload = parsed
            frame = event_frame(channel, decode(raw_cursor), payload)
            self.frames_built += 1
            with trace_send(payload, channel, len(allowed)):
                for socket in allowed:
                    socket.push(event_id, frame)

    def _subscribed(self, channel: str) -> list[LiveSocket]:
        wanted: dict[frozenset[str], bool] = {}  # most sockets share a few pattern sets
        targets = []
        for socket in self.sockets:
            patterns = socket.patterns
            if patterns not in wanted:
                wanted[patterns] = matches(channel, patterns)
            if wanted[patterns]:
                targets.append(socket)
        return targets

    async def _allowed(self, targets: list[LiveSocket], module: str | None) -> list[LiveSocket]:
        """The targets whose user may view `module`: each (user, module) read at most once per
        PERMISSION_RECHECK_S, all stale ones in one trip to the database."""
        if module is None:
            return targets
        now = time.monotonic()
        stale = {
            socket.user_pk
            for socket in targets
            if now - self.permissions.get((socket.user_pk, module), (False, -1e9))[1]
            >= PERMISSION_RECHECK_S
        }
        if stale:
            found = await database_sync_to_async(may_view_all)(stale, module)
            for user_pk, allowed in found.items():
                self.permissions[(user_pk, module)] = (allowed, now)
        return [s for s in targets if self.permissions[(s.user_pk, module)][0]]


def may_view_all(user_pks: Iterable[Any], module: str) -> dict[Any, bool]:
    """Whether each user may view `module`; a user that is gone may not."""
    from django.contrib.auth import get_user_model

    from apps.core.modules import access

    # Fresh users: Django caches permissions on the instance a socket was opened with.
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(user_pks))}
    return {pk: pk in users and access.may_view(users[pk], module) for pk in user_pks}


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process' hub (one per event loop: tests run several loops in turn)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
