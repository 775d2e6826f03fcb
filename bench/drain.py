"""Outbox drain: 10,000 rows left pending by an outage, delivered by the relay.

uv run python bench/drain.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

from _setup import setup_django

setup_django()

from apps.core.highway.connection import sync_redis  # noqa: E402
from apps.core.highway.envelope import Event  # noqa: E402
from apps.core.highway.relay import relay  # noqa: E402
from apps.core.models import OutboxEntry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    channel = f"probe.drain_{uuid.uuid4().hex[:8]}"
    OutboxEntry.objects.filter(delivered_at__isnull=True).update(delivered_at="2000-01-01T00:00Z")
    events = [
        Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
        for n in range(rows)
    ]
    OutboxEntry.objects.bulk_create(
        [OutboxEntry(event_id=e.id, channel=channel, payload=e.to_bytes()) for e in events],
        batch_size=2000,
    )
    start = time.perf_counter()
    delivered = relay().drain()
    seconds = time.perf_counter() - start
    on_stream = sync_redis().xlen(channel)
    print(f"drain benchmark: {delivered} rows delivered in {seconds:.3f} s")
    print(
        f"rate: {delivered / seconds:,.0f} events/s; stream length {on_stream}; in order: ", end=""
    )
    first: Any = sync_redis().xrange(channel, count=1)
    last: Any = sync_redis().xrevrange(channel, count=1)
    print(
        Event.parse(first[0][1][b"event"]).data["n"] == 0
        and Event.parse(last[0][1][b"event"]).data["n"] == rows - 1
    )
    OutboxEntry.objects.filter(channel=channel).delete()
    sync_redis().delete(channel)


if __name__ == "__main__":
    main()
