"""End to end: an event committed in this process, received by a websocket client of a running
`serve` (outbox -> Redis Stream -> the serving process' live-feed hub -> websocket), with the
floors of that path measured in the same run.

    uv run python bench/e2e.py [--rate 200] [--seconds 5] [--design hub|channel_layer]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import time
import uuid

from _setup import setup_django, summary

setup_django()

import websockets  # noqa: E402
from _live import agent_token, raw_broadcast_server, start_serve  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from apps.core.highway.publisher import publish  # noqa: E402


def publish_elsewhere(channel: str, rate: int, count: int) -> None:
    """publish_at_rate in a process of its own, so that the publisher and this process' client
    do not share one interpreter lock (the harness would add its own waits to the figures)."""
    connections.close_all()  # the child opens its own
    child = multiprocessing.get_context("fork").Process(
        target=publish_at_rate, args=(channel, rate, count)
    )
    child.start()
    child.join()


def publish_at_rate(channel: str, rate: int, count: int) -> None:
    interval = 1 / rate
    next_at = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            publish(
                "probe.test.event", {"i": i, "sent": time.time()}, source="probe", channel=channel
            )
        next_at += interval
        time.sleep(max(0.0, next_at - time.perf_counter()))


async def run(port: int, token: str, rate: int, seconds: int) -> None:
    channel = f"probe.e2e_{uuid.uuid4().hex[:8]}"
    count = rate * seconds
    url = f"ws://127.0.0.1:{port}/ws/events/?token={token}"
    latencies: list[float] = []
    to_stream: list[float] = []  # sent -> XADD time (the cursor is Redis' clock, in ms)
    from_stream: list[float] = []  # XADD -> received
    async with websockets.connect(url, origin=Origin("http://127.0.0.1"), max_queue=None) as ws:
        await ws.recv()
        await ws.send(json.dumps({"action": "subscribe", "channels": [channel]}))
        await ws.recv()
        await asyncio.to_thread(publish_at_rate, channel, 5, 5)  # warm-up: the hub finds the stream
        await asyncio.sleep(1.0)
        warm = 5

        async def read() -> None:
            nonlocal warm
            while len(latencies) < count:
                message = json.loads(await ws.recv())
                if message["type"] != "event":
                    continue
                if warm:
                    warm -= 1
                    continue
                received = time.time()
                sent = message["event"]["data"]["sent"]
                added = int(message["cursor"].split("-")[0]) / 1000
                latencies.append((received - sent) * 1000)
                to_stream.append((added - sent) * 1000)
                from_stream.append((received - added) * 1000)

        reader = asyncio.create_task(read())
        await asyncio.to_thread(publish_elsewhere, channel, rate, count)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, timeout=15)
    print(f"e2e benchmark: {count} events at {rate}/s, received {len(latencies)}")
    summary("publish start -> websocket client", latencies)
    summary("  publish start -> on the stream", to_stream)
    summary("  on the stream -> websocket client", from_stream)


def floors(n: int = 1000) -> None:
    """The physical floor of the path, measured in this run: a PostgreSQL round trip, a Redis
    XADD, and a websocket frame from a bare `websockets` server to this process."""
    from django.db import connection

    from apps.core.highway.connection import sync_redis

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
            cursor.execute(
                'INSERT INTO "core"."outbox" (event_id, channel, payload, created_at, stream_id,'
                " attempts, last_error) VALUES (gen_random_uuid(), 'bench.floor', '', now(),"
                " '', 0, '') RETURNING id"
            )
        commits.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("""DELETE FROM "core"."outbox" WHERE channel = 'bench.floor'""")
    summary("floor: BEGIN, raw INSERT, COMMIT", commits)
    client, stream = sync_redis(), f"bench:floor:{uuid.uuid4().hex[:8]}"
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--design", choices=["hub", "channel_layer"], default="hub")
    parser.add_argument("--layer", choices=["core", "pubsub"], default="pubsub")
    args = parser.parse_args()
    print(f"live-feed delivery: {args.design}; channel layer: {args.layer}")
    server = start_serve(COS_CHANNEL_LAYER=args.layer, COS_LIVEFEED_DELIVERY=args.design)
    try:
        asyncio.run(run(server.port, agent_token(), args.rate, args.seconds))
    finally:
        server.stop()
    floors()


if __name__ == "__main__":
    main()
