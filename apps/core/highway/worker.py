"""The event worker: the outbox relay, the subscribers and the periodic jobs.

`runsubscribers` (the compose `worker`) runs an EventWorker: the relay thread plus an asyncio
loop of its own. `serve` runs `run_events` on uvicorn's loop instead, with its own relay thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from django.db import close_old_connections

from apps.core.highway.consuming import run_subscribers
from apps.core.highway.relay import RelayThread, start_relay_thread
from apps.core.highway.subscribers import Subscriber, registered
from apps.core.runtime.schedule import run_periodic

logger = logging.getLogger(__name__)


class UnknownSubscriber(LookupError):
    pass


def select_subscribers(names: list[str] | None = None) -> list[Subscriber]:
    available = registered()
    if not names:
        return [cls() for _, cls in sorted(available.items())]
    unknown = sorted(set(names) - available.keys())
    if unknown:
        raise UnknownSubscriber(
            f"Unknown subscriber(s): {', '.join(unknown)}. Known: {', '.join(sorted(available))}."
        )
    return [available[name]() for name in names]


async def run_events(subscribers: list[Subscriber], stopping: asyncio.Event) -> None:
    """Subscribers and periodic jobs until `stopping` is set."""
    await asyncio.gather(run_subscribers(subscribers, stopping), run_periodic(stopping))


class EventWorker:
    def __init__(self, subscribers: list[Subscriber], relay: bool = True) -> None:
        self.subscribers = subscribers
        self.with_relay = relay
        self.relay_thread: RelayThread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cos-subscribers", daemon=True)

    def start(self) -> None:
        if self.with_relay:
            self.relay_thread = start_relay_thread()
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            close_old_connections()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._ready.set()
        await run_events(self.subscribers, self._stopping)

    def stop(self, timeout: float = 15) -> None:
        """Finish the events in hand, acknowledge them, then stop."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout)
        if self.relay_thread is not None:
            self.relay_thread.stop()
