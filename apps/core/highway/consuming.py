"""Runs subscribers against Redis Streams consumer groups (asyncio, redis-py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import redis.asyncio
import redis.exceptions
from channels.db import database_sync_to_async
from django.conf import settings
from redis.exceptions import ResponseError

from apps.core import governance
from apps.core.highway.connection import async_redis
from apps.core.highway.envelope import Event, InvalidEvent
from apps.core.highway.streams import (
    CHANNELS_KEY,
    EVENT_FIELD,
    dead_letter_key,
    decode,
    done_key,
    errors_key,
    is_pattern,
    matches,
)
from apps.core.highway.subscribers import DependencyUnavailable, Subscriber
from apps.core.modules.registry import owning_module
from apps.core.telemetry.highway_spans import handling

logger = logging.getLogger(__name__)
STREAM_REFRESH_S = 1.0
PAUSED_CHECK_S = 1.0
UNAVAILABLE = "unavailable: "  # how an error recorded for DependencyUnavailable begins


@dataclass
class Message:
    stream: str
    message_id: str
    fields: dict[bytes, bytes]


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class SubscriberRunner:
    def __init__(
        self,
        subscriber: Subscriber,
        consumer: str | None = None,
        client: redis.asyncio.Redis | None = None,
    ) -> None:
        self.subscriber = subscriber
        self.group = subscriber.group
        self.consumer = consumer or default_consumer_name()
        self.client = client or async_redis()
        default_attempts = settings.COS_EVENTS["SUBSCRIBER_MAX_ATTEMPTS"]
        self.max_attempts = subscriber.max_attempts or default_attempts
        self.streams: list[str] = []
        self.stopping = asyncio.Event()
        self.handled = 0
        self._semaphore = asyncio.Semaphore(subscriber.concurrency)
        self._refreshed_at = 0.0
        self._reclaimed_at = 0.0
        self.module = owning_module(type(subscriber).__module__)
        self.paused = False

    # --- streams and groups --------------------------------------------------------------
    async def refresh_streams(self) -> None:
        names = {c for c in self.subscriber.channels if not is_pattern(c)}
        patterns = [c for c in self.subscriber.channels if is_pattern(c)]
        if patterns:
            known = {decode(m) for m in await self.client.smembers(CHANNELS_KEY)}
            names |= {channel for channel in known if matches(channel, patterns)}
        # A stream that appears while we run is new: read it from its start, or its first
        # events (published before we saw the stream) would be skipped.
        start = self.subscriber.start_from if not self._refreshed_at else "0"
        for stream in sorted(names - set(self.streams)):
            try:
                await self.client.xgroup_create(stream, self.group, id=start, mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self.streams = sorted(names | set(self.streams))
        self._refreshed_at = time.monotonic()

    # --- the loop --------------------------------------------------------------------------
    def forget_streams(self) -> None:
        """Forget which groups exist: the next refresh creates any that are missing."""
        self.streams = []

    async def run(self) -> None:
        """Read, handle, acknowledge until `stop()`; in-flight events finish and are acked."""
        await self.refresh_streams()
        while not self.stopping.is_set():
            try:
                await self.run_once()
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # Redis lost its data (restarted without persistence): the streams that come
                # back are new, so the groups are created again, reading them from the start.
                logger.warning("Subscriber %s: consumer group gone; recreating", self.group)
                self.forget_streams()
                await self.refresh_streams()

    async def run_once(self) -> None:
        # A disabled module's subscribers pause: events wait in the stream, none are lost.
        self.paused = self.module is not None and not await governance.ais_enabled(self.module)
        if self.paused:
            await self._pause(PAUSED_CHECK_S)
            return
        now = time.monotonic()
        if now - self._refreshed_at >= STREAM_REFRESH_S:
            await self.refresh_streams()
        if now - self._reclaimed_at >= self.subscriber.ack_timeout_ms / 2000:
            await self.reclaim()
            self._reclaimed_at = now
        if not self.streams:
            await self._pause(self.subscriber.batch_wait_ms / 1000)
            return
        response: Any = await self.client.xreadgroup(
            self.group,
            self.consumer,
            dict.fromkeys(self.streams, ">"),
            count=self.subscriber.batch_size,
            block=self.subscriber.batch_wait_ms,
        )
        messages = [
            Message(decode(stream), decode(message_id), fields)
            for stream, entries in response or []
            for message_id, fields in entries
            if fields is not None
        ]
        if messages:
            await self.process(messages)

    def stop(self) -> None:
        self.stopping.set()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    # --- handling --------------------------------------------------------------------------
    async def process(self, messages: list[Message]) -> None:
        ready: list[tuple[Message, Event]] = []
        for message in messages:
            try:
                event = Event.parse(message.fields[EVENT_FIELD])
            except (InvalidEvent, KeyError) as exc:
                await self.dead_letter(message, attempts=1, error=f"invalid envelope: {exc}")
                continue
            ready.append((message, replace(event, cursor=message.message_id)))
        if not ready:
            return
        seen = await self._already_handled([event for _, event in ready])
        duplicates: list[Message] = []
        fresh: list[tuple[Message, Event]] = []
        batch_ids: set[str] = set()
        for (message, event), done in zip(ready, seen, strict=True):
            if done or event.id in batch_ids:  # handled before, or twice in this batch
                duplicates.append(message)
            else:
                batch_ids.add(event.id)
                fresh.append((message, event))
        await self._ack([(m, None) for m in duplicates])
        wait, longest = self.subscriber.unavailable_wait_s
        # A dependency out of reach: hold these events (read nothing newer) and try them again,
        # in order, after a growing wait; it counts no attempt.
        while fresh:
            fresh = await self._handle(fresh)
            if not fresh or self.stopping.is_set():
                return
            await self._hold([m for m, _ in fresh], wait)
            wait = min(wait * 2, longest)

    async def _handle(self, fresh: list[tuple[Message, Event]]) -> list[tuple[Message, Event]]:
        """Handle the events, acknowledge those handled; return those held back because a
        dependency is unavailable."""
        if self.subscriber.handles_batches():
            try:
                events = [event for _, event in fresh]
                with handling(self.subscriber.name, events):
                    await self._call("handle_batch", events)
            except DependencyUnavailable as exc:
                await self._record_errors([m for m, _ in fresh], exc, unavailable=True)
                return fresh
            except Exception as exc:
                await self._record_errors([m for m, _ in fresh], exc)
                return []
            await self._ack(fresh)
            return []
        blocked = asyncio.Event()  # once one waits, those not started yet wait behind it
        outcomes = await asyncio.gather(*(self._handle_one(m, e, blocked) for m, e in fresh))
        await self._ack([pair for pair, outcome in zip(fresh, outcomes, strict=True) if outcome])
        return [pair for pair, outcome in zip(fresh, outcomes, strict=True) if outcome is None]

    async def _hold(self, messages: list[Message], seconds: float) -> None:
        """Wait, keeping the held events ours: claiming them again resets their idle time, so
        no consumer takes them over, and (JUSTID) counts no delivery."""
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set():
            for stream in {m.stream for m in messages}:
                ids: list[Any] = [m.message_id for m in messages if m.stream == stream]
                await self.client.xclaim(
                    stream, self.group, self.consumer, min_idle_time=0, message_ids=ids,
                    justid=True,
                )  # fmt: skip
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await self._pause(min(left, self.subscriber.ack_timeout_ms / 2000))

    async def _already_handled(self, events: list[Event]) -> list[bool]:
        if not self.subscriber.idempotent:
            return [False] * len(events)
        async with self.client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.exists(self._done_key(event.id))
            return [bool(found) for found in await pipe.execute()]

    async def _handle_one(
        self, message: Message, event: Event, blocked: asyncio.Event
    ) -> bool | None:
        """True: handled; False: failed; None: held back (a dependency is unavailable)."""
        async with self._semaphore:
            if blocked.is_set():
                return None
            try:
                with handling(self.subscriber.name, (event,)):
                    await self._call("handle", event)
            except DependencyUnavailable as exc:
                blocked.set()
                await self._record_errors([message], exc, unavailable=True)
                return None
            except Exception as exc:
                await self._record_errors([message], exc)
                return False
            return True

    async def _call(self, method: str, argument: Any) -> None:
        handler = getattr(self.subscriber, method)
        if self.subscriber.is_async(method):
            await handler(argument)
        else:
            # A pool thread's database connection is checked before and given back after each
            # call (database_sync_to_async), so a PostgreSQL restart costs no restart here.
            await database_sync_to_async(handler, thread_sensitive=False)(argument)

    async def _ack(self, handled: Sequence[tuple[Message, Event | None]]) -> None:
        if not handled:
            return
        async with self.client.pipeline(transaction=True) as pipe:
            for message, event in handled:
                if event is not None and self.subscriber.idempotent:
                    pipe.set(self._done_key(event.id), 1, ex=self.subscriber.idempotency_ttl_s)
                pipe.xack(message.stream, self.group, message.message_id)
            pipe.hdel(self._errors_key(), *[m.message_id for m, _ in handled])
            await pipe.execute()
        self.handled += sum(1 for _, event in handled if event is not None)

    async def _record_errors(
        self, messages: list[Message], exc: Exception, unavailable: bool = False
    ) -> None:
        error = f"{UNAVAILABLE if unavailable else ''}{type(exc).__name__}: {exc}"[:2000]
        logger.warning("Subscriber %s failed: %s", self.subscriber.name, error)
        await self.client.hset(self._errors_key(), mapping={m.message_id: error for m in messages})

    # --- retries and dead letters ----------------------------------------------------------
    async def reclaim(self) -> None:
        """Take back events left unacknowledged past the ack timeout; dead-letter exhausted ones."""
        idle = self.subscriber.ack_timeout_ms
        for stream in self.streams:
            pending: Any = await self.client.xpending_range(
                stream, self.group, min="-", max="+", count=self.subscriber.batch_size, idle=idle
            )
            retry: list[Any] = []
            for entry in pending:
                message_id = decode(entry["message_id"])
                error = await self.client.hget(self._errors_key(), message_id)
                # Left by a consumer that stopped while a dependency was unavailable: its
                # deliveries were no attempts.
                waited = error is not None and decode(error).startswith(UNAVAILABLE)
                if entry["times_delivered"] >= self.max_attempts and not waited:
                    found: Any = await self.client.xrange(stream, message_id, message_id)
                    fields = found[0][1] if found else {}
                    await self.dead_letter(
                        Message(stream, message_id, fields),
                        attempts=entry["times_delivered"],
                        error=decode(error) if error else "not acknowledged in time",
                    )
                else:
                    retry.append(message_id)
            if retry:
                claimed: Any = await self.client.xclaim(
                    stream, self.group, self.consumer, min_idle_time=idle, message_ids=retry
                )
                messages = [
                    Message(stream, decode(message_id), fields)
                    for message_id, fields in claimed
                    if fields
                ]
                if messages:
                    await self.process(messages)

    async def dead_letter(self, message: Message, attempts: int, error: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(
                dead_letter_key(message.stream),
                {
                    EVENT_FIELD: message.fields.get(EVENT_FIELD, b""),
                    b"channel": message.stream,
                    b"group": self.group,
                    b"message_id": message.message_id,
                    b"attempts": attempts,
                    b"last_error": error,
                    b"failed_at": datetime.now(UTC).isoformat(),
                },
            )
            pipe.xack(message.stream, self.group, message.message_id)
            pipe.hdel(self._errors_key(), message.message_id)
            await pipe.execute()
        logger.error(
            "Event %s on %s dead-lettered after %d attempt(s): %s",
            message.message_id, message.stream, attempts, error,
        )  # fmt: skip

    def _done_key(self, event_id: str) -> str:
        return done_key(self.group, event_id)

    def _errors_key(self) -> str:
        return errors_key(self.group)


async def run_subscribers(
    subscribers: list[Subscriber], stopping: asyncio.Event, consumer: str | None = None
) -> None:
    """Run several subscribers until `stopping` is set; a crashed runner restarts after a pause."""
    runners = [SubscriberRunner(s, consumer=consumer) for s in subscribers]

    async def supervise(runner: SubscriberRunner) -> None:
        while not stopping.is_set():
            try:
                await runner.run()
            except redis.exceptions.ConnectionError as exc:
                logger.warning("Subscriber %s: Redis unreachable (%s); retrying",
                               runner.subscriber.name, exc)  # fmt: skip
                runner.forget_streams()
                await runner._pause(1)
                continue
            except Exception:
                logger.exception("Subscriber %s crashed; restarting", runner.subscriber.name)
                runner.forget_streams()  # Redis may have come back without them
                await runner._pause(1)

    async def relay_stop() -> None:
        await stopping.wait()
        for runner in runners:
            runner.stop()

    await asyncio.gather(relay_stop(), *(supervise(r) for r in runners))
    for runner in runners:
        await runner.client.aclose()
