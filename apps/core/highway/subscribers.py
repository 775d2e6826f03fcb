"""Durable subscribers: declare channels (names or patterns) and a group, implement `handle`.

    @register
    class IndexChapters(Subscriber):
        channels = ("books.chapter.*",)
        group = "search-index"

        def handle(self, event: Event) -> None: ...

Delivery is at-least-once; an event id already handled by the group is acknowledged without
calling the handler again. A handler that keeps failing sends the event to `dlq:<channel>`.

A handler that cannot work because something it needs is out of reach (a server that is down)
raises `DependencyUnavailable`: that is no attempt. The events stay pending in their stream,
the runner reads nothing newer and tries them again after a growing wait, in order, until they
succeed; none goes to the dead-letter stream for it.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from apps.core.highway.envelope import Event
from apps.core.highway.streams import valid_pattern


class DependencyUnavailable(Exception):
    """Raised by a handler: a dependency is unavailable, retry later without counting an
    attempt (apps.core.graphdb.errors.GraphUnavailable is one)."""


class Subscriber:
    name: ClassVar[str] = ""  # unique; defaults to "<module path>.<ClassName>"
    channels: ClassVar[tuple[str, ...]] = ()  # channel names or patterns like "mem0.recorded.*"
    group: ClassVar[str] = ""  # the Redis consumer group; defaults to the name
    batch_size: ClassVar[int] = 100
    batch_wait_ms: ClassVar[int] = 500  # how long a read waits for a batch to fill
    concurrency: ClassVar[int] = 32  # events handled at once (per-event handlers)
    ack_timeout_ms: ClassVar[int] = 5000  # unacknowledged this long: taken back and retried
    max_attempts: ClassVar[int | None] = None  # None: COS_SUBSCRIBER_MAX_ATTEMPTS
    start_from: ClassVar[str] = "$"  # a new group starts at new events; "0" replays history
    # Remember handled event ids (a Redis key each) to skip redeliveries. Redeliveries come
    # within minutes (a crash before the ack, the ack timeout), so an hour is plenty; a
    # subscriber whose handling is harmless to repeat sets `idempotent = False` and keeps none.
    idempotent: ClassVar[bool] = True
    idempotency_ttl_s: ClassVar[int] = 3600
    # The wait before retrying after DependencyUnavailable: doubles from the first to the last.
    unavailable_wait_s: ClassVar[tuple[float, float]] = (0.2, 5.0)

    def handle(self, event: Event) -> Any:
        """Handle one event (plain or async def). Raise to have it retried."""
        name = type(self).__name__
        raise NotImplementedError(f"{name} implements neither handle nor handle_batch")

    def handle_batch(self, events: list[Event]) -> Any:
        """Override to handle a whole batch at once; it succeeds or is retried as a whole."""
        raise NotImplementedError

    @classmethod
    def handles_batches(cls) -> bool:
        return cls.handle_batch is not Subscriber.handle_batch

    @classmethod
    def is_async(cls, method: str) -> bool:
        return inspect.iscoroutinefunction(getattr(cls, method))


_registry: dict[str, type[Subscriber]] = {}


def register(cls: type[Subscriber]) -> type[Subscriber]:
    if not cls.name:
        cls.name = f"{cls.__module__}.{cls.__qualname__}"
    if not cls.group:
        cls.group = cls.name
    if not cls.channels or not all(valid_pattern(c) for c in cls.channels):
        raise ValueError(f"Subscriber {cls.name} declares invalid channels {cls.channels!r}.")
    existing = _registry.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"Two subscribers are named {cls.name!r}.")
    _registry[cls.name] = cls
    return cls


def registered() -> dict[str, type[Subscriber]]:
    return dict(_registry)


def unregister(name: str) -> None:
    _registry.pop(name, None)
