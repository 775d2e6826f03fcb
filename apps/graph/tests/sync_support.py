"""Helpers of the sync tests: the graph.sync subscriber running in a thread, graph snapshots."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from apps.core.graphdb.connection import cypher
from apps.core.graphdb.errors import GraphUnavailable
from apps.core.highway.connection import async_redis
from apps.core.highway.consuming import SubscriberRunner
from apps.core.highway.envelope import Event
from apps.graph.events import GraphSync


def sync_subscriber(applied: list[str] | None = None) -> type[GraphSync]:
    """graph.sync in a group of the test's own, from new events on; `applied` gets the log ids
    of each batch once written, in the order they were."""

    def handle_batch(self: GraphSync, events: list[Event]) -> None:
        GraphSync.handle_batch(self, events)
        if applied is not None:
            applied.extend(str(e.extra["base_log_id"]) for e in events if "base_log_id" in e.extra)

    group = f"graph.sync.test_{uuid.uuid4().hex[:8]}"
    attributes = {"name": group, "group": group, "start_from": "$", "batch_wait_ms": 50,
                  "__module__": GraphSync.__module__, "handle_batch": handle_batch}  # fmt: skip
    return type("TestGraphSync", (GraphSync,), attributes)


@contextmanager
def running(subscriber: type[GraphSync]) -> Iterator[SubscriberRunner]:
    """The subscriber running in a thread of its own (as `serve` runs it) until the block ends;
    its consumer group exists when the block starts."""
    loop = asyncio.new_event_loop()
    runner = SubscriberRunner(subscriber(), client=async_redis())
    started = threading.Event()

    async def run() -> None:
        await runner.refresh_streams()
        started.set()
        await runner.run()
        await runner.client.aclose()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert started.wait(10), "the subscriber did not start"
    try:
        yield runner
    finally:
        loop.call_soon_threadsafe(runner.stop)
        thread.join(30)
        loop.close()


def poll(condition: Callable[[], Any], seconds: float = 30.0) -> Any:
    """Wait until `condition()` is truthy (a graph server that is down counts as not yet)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = condition()
        except GraphUnavailable:
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


TIMES = {"created_at", "updated_at"}


def snapshot(*, times: bool = True) -> tuple[set[Any], set[Any]]:
    """The whole graph as sets: nodes (labels, properties), relationships (from, type, to)."""
    nodes = {
        (
            tuple(sorted(row["labels"])),
            tuple(sorted((k, v) for k, v in row["props"].items() if times or k not in TIMES)),
        )
        for row in cypher("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    }
    links = {
        (row["a"], row["type"], row["b"])
        for row in cypher("MATCH (a)-[r]->(b) RETURN a.uid AS a, type(r) AS type, b.uid AS b")
    }
    return nodes, links
