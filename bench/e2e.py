"""End to end: an event committed in one process, received by a websocket client of a running
`serve` (outbox -> Redis Stream -> the serving process' live-feed hub -> websocket), beside the
same path built from bare parts in the same run: the floor of the path on this machine.

    uv run python bench/e2e.py [--rate 200] [--seconds 5] [--design hub|channel_layer]

Both paths run the same three processes: a publisher (a process of its own: it must not share
an interpreter lock with the client), a server and this process' client. The publisher stamps
each event when it starts, when its COMMIT has returned and when its XADD has returned.
- COS: `publish()` in `transaction.atomic()`; `serve` and its hub deliver.
- Raw floor: psycopg `BEGIN; INSERT; COMMIT` of the same outbox row, a redis-py XADD, and
  bench/_raw_pipeline.py (uvloop, redis-py XREAD, `websockets` broadcast) delivers.
"commit -> client" is the time from the COMMIT's return to the client's receipt: the XADD, the
server's read and hand-out and the websocket frame.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _setup import setup_django, summary

setup_django()

import redis  # noqa: E402
import websockets  # noqa: E402
from _floors import OUTBOX_INSERT, forget_raw_rows, raw_commit, raw_postgres, raw_redis  # noqa: E402
from _live import agent_token, raw_broadcast_server, start_serve  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from apps.core.highway.publisher import publish  # noqa: E402
from tests.serving import free_port  # noqa: E402

Stamps = list[tuple[float, float, float]]  # per event: started, committed, added (time.time())


def paced(rate: int, count: int) -> Iterator[int]:
    interval, next_at = 1 / rate, time.perf_counter()
    for i in range(count):
        yield i
        next_at += interval
        time.sleep(max(0.0, next_at - time.perf_counter()))


def stamp_now(stamps: list[float]) -> None:
    stamps.append(time.time())


def cos_publisher(channel: str, rate: int, count: int, out: Connection) -> None:
    stamps: Stamps = []
    for i in paced(rate, count):
        started, committed = time.time(), list[float]()
        with transaction.atomic():
            # Registered before publish()'s own hook: runs first, as soon as COMMIT returned.
            transaction.on_commit(partial(stamp_now, committed))
            publish("probe.test.event", {"i": i, "sent": started}, source="probe", channel=channel)
        stamps.append((started, committed[0], time.time()))
    out.send(stamps)


def raw_publisher(channel: str, rate: int, count: int, out: Connection) -> None:
    stamps: Stamps = []
    with raw_postgres() as pg, raw_redis() as client:
        for i in paced(rate, count):
            started = time.time()
            payload = raw_commit(pg, {"i": i, "sent": started})
            committed = time.time()
            client.xadd(channel, {b"event": payload})
            stamps.append((started, committed, time.time()))
        forget_raw_rows(pg)
    out.send(stamps)


def in_own_process(target: Callable[..., None], *args: Any) -> Stamps:
    """Run a publisher in a forked process (its own interpreter lock); its stamps."""
    connections.close_all()  # the child opens its own
    receiving, sending = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=target, args=(*args, sending))
    child.start()
    stamps: Stamps = receiving.recv()
    child.join()
    return stamps


async def measure(url: str, publisher: Callable[..., None], channel: str, rate: int,
                  count: int) -> tuple[Stamps, dict[int, float]]:  # fmt: skip
    """Subscribe at `url`, let `publisher` send `count` events; the publisher's stamps and
    when this client received each event (by its index)."""
    received: dict[int, float] = {}
    async with websockets.connect(url, origin=Origin("http://127.0.0.1"), max_queue=None) as ws:
        await ws.recv()
        await ws.send(json.dumps({"action": "subscribe", "channels": [channel]}))
        await ws.recv()
        # Warm-up: the server finds the stream; these events are not counted.
        await asyncio.to_thread(in_own_process, publisher, channel, 20, 5)
        await asyncio.sleep(1.0)
        while True:  # the warm-up's frames
            try:
                await asyncio.wait_for(ws.recv(), 0.2)
            except TimeoutError:
                break

        async def read() -> None:
            while len(received) < count:
                message = json.loads(await ws.recv())
                if message["type"] == "event":
                    received[message["event"]["data"]["i"]] = time.time()

        reader = asyncio.create_task(read())
        stamps = await asyncio.to_thread(in_own_process, publisher, channel, rate, count)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, timeout=15)
    return stamps, received


def report(name: str, stamps: Stamps, received: dict[int, float]) -> dict[str, dict[str, float]]:
    print(f"{name}: {len(stamps)} events sent, {len(received)} received")
    got = [(stamps[i], at) for i, at in sorted(received.items())]
    ms = 1000
    return {
        "start": summary("  publish start -> client", [(at - s[0]) * ms for s, at in got]),
        "commit": summary(
            "  publish start -> COMMIT returned", [(s[1] - s[0]) * ms for s, _ in got]
        ),
        "screen": summary("  COMMIT returned -> client", [(at - s[1]) * ms for s, at in got]),
    }


@contextlib.contextmanager
def raw_pipeline_server(stream: str) -> Iterator[str]:
    port = free_port()
    script = Path(__file__).with_name("_raw_pipeline.py")
    server = subprocess.Popen(
        [sys.executable, str(script), str(port), settings.REDIS_URL, stream],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)
        redis.Redis.from_url(settings.REDIS_URL).delete(stream)


def floors(n: int = 1000) -> None:
    """The steps of the path, each alone: a PostgreSQL round trip, a durable commit, a Redis
    XADD, and a websocket frame from a bare `websockets` server to this process."""
    with connection.cursor() as cursor:
        trips = []
        for _ in range(n):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            trips.append((time.perf_counter() - start) * 1000)
    summary("floor: PostgreSQL round trip", trips)
    commits = []
    for _ in range(n):  # a durable commit waits for the WAL on disk: that is no round trip
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(OUTBOX_INSERT, (str(uuid.uuid4()), "bench.floor", b""))
        commits.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("""DELETE FROM "core"."outbox" WHERE channel = 'bench.floor'""")
    summary("floor: BEGIN, raw INSERT, COMMIT", commits)
    client, stream = redis.Redis.from_url(settings.REDIS_URL), f"bench:floor:{uuid.uuid4().hex[:8]}"
    adds = []
    for i in range(n):
        start = time.perf_counter()
        client.xadd(stream, {b"event": b'{"i": %d}' % i})
        adds.append((time.perf_counter() - start) * 1000)
    client.delete(stream)
    summary("floor: Redis XADD", adds)
    summary("floor: websocket frame, raw server -> client", asyncio.run(raw_frames(n)))


async def raw_frames(n: int) -> list[float]:
    with raw_broadcast_server() as url:
        async with websockets.connect(url) as control, websockets.connect(url) as ws:
            await control.recv(), await ws.recv()
            await ws.send(json.dumps({"action": "subscribe", "channels": ["raw"]}))
            await ws.recv()
            frames = []
            for _ in range(n):
                await control.send(json.dumps({"fire": {"event": {"sent": time.time()}}}))
                message = json.loads(await ws.recv())
                frames.append((time.time() - message["event"]["sent"]) * 1000)
                await asyncio.sleep(0.001)
            return frames


def ratios(cos: dict[str, dict[str, float]], raw: dict[str, dict[str, float]]) -> None:
    for part in ("start", "screen"):
        p50, p99 = (cos[part][p] / raw[part][p] for p in ("p50", "p99"))
        print(f"COS / raw floor, {part:<6}: p50 {p50:.2f}x  p99 {p99:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--design", choices=["hub", "channel_layer"], default="hub")
    parser.add_argument("--layer", choices=["core", "pubsub"], default="pubsub")
    args = parser.parse_args()
    count = args.rate * args.seconds
    print(f"{count} events at {args.rate}/s; live-feed delivery: {args.design}")
    stream = f"bench.e2e_raw_{uuid.uuid4().hex[:8]}"
    with raw_pipeline_server(stream) as url:
        raw = report("raw floor", *asyncio.run(
            measure(url, raw_publisher, stream, args.rate, count)
        ))  # fmt: skip
    server = start_serve(COS_CHANNEL_LAYER=args.layer, COS_LIVEFEED_DELIVERY=args.design)
    try:
        url = f"ws://127.0.0.1:{server.port}/ws/events/?token={agent_token()}"
        channel = f"probe.e2e_{uuid.uuid4().hex[:8]}"
        cos = report("COS", *asyncio.run(measure(url, cos_publisher, channel, args.rate, count)))
    finally:
        server.stop()
    ratios(cos, raw)
    floors()


if __name__ == "__main__":
    main()
