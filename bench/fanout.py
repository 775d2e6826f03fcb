"""Fan-out: one event to 1,000 websocket clients of one `serve` process.

    uv run python bench/fanout.py [--clients 1000] [--events 20] [--gap 1.0] [--layer core|pubsub]

The clients run in this process, on the same 2 cores as the server: the numbers include that.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid

from _setup import setup_django, summary

setup_django()

import websockets  # noqa: E402
from _live import agent_token, start_serve  # noqa: E402
from django.db import transaction  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from apps.core.highway.publisher import publish  # noqa: E402


async def client(
    url: str, channel: str, ready: asyncio.Event, latencies: list[float], expected: int,
    errors: list[str],
) -> int:  # fmt: skip
    received = 0
    try:
        async with websockets.connect(
            url, origin=Origin("http://127.0.0.1"), max_queue=None, open_timeout=60
        ) as ws:
            await ws.recv()
            await ws.send(json.dumps({"action": "subscribe", "channels": [channel]}))
            await ws.recv()
            ready.set()
            with contextlib.suppress(TimeoutError):
                while received < expected:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
                    if message["type"] == "event":
                        latencies.append((time.time() - message["event"]["data"]["sent"]) * 1000)
                        received += 1
    except Exception as exc:  # counted and shown: a failed client is a finding, not a hang
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        ready.set()
    return received


def publish_events(channel: str, count: int, gap: float) -> None:
    for i in range(count):
        with transaction.atomic():
            data = {"i": i, "sent": time.time()}
            publish("probe.test.event", data, source="probe", channel=channel)
        time.sleep(gap)


async def run(port: int, token: str, clients: int, events: int, gap: float) -> None:
    channel = f"probe.fan_{uuid.uuid4().hex[:8]}"
    url = f"ws://127.0.0.1:{port}/ws/events/?token={token}"
    await asyncio.to_thread(publish_events, channel, 1, 0)  # create the stream first
    await asyncio.sleep(1.5)  # the bridge discovers it
    latencies: list[float] = []
    errors: list[str] = []
    readies = [asyncio.Event() for _ in range(clients)]
    started = time.perf_counter()
    tasks = []
    for ready in readies:  # connect in waves so the server's accept queue is not flooded
        tasks.append(asyncio.create_task(client(url, channel, ready, latencies, events, errors)))
        if len(tasks) % 100 == 0:
            await asyncio.gather(*(r.wait() for r in readies[len(tasks) - 100 : len(tasks)]))
    await asyncio.gather(*(r.wait() for r in readies))
    print(f"{clients} clients connected and subscribed in {time.perf_counter() - started:.1f} s")
    await asyncio.to_thread(publish_events, channel, events, gap)
    counts = await asyncio.gather(*tasks)
    expected = clients * events
    print(f"fan-out: {events} events x {clients} clients, received {sum(counts)} of {expected}")
    print(f"drops: {expected - sum(counts)}; client errors: {len(errors)}")
    for error in sorted(set(errors))[:5]:
        print(f"  e.g. {error}")
    summary("publish start -> each client", latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--layer", choices=["core", "pubsub"], default="pubsub")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between events")
    args = parser.parse_args()
    print(f"channel layer: {args.layer}; one event every {args.gap} s")
    server = start_serve(COS_CHANNEL_LAYER=args.layer)
    try:
        asyncio.run(run(server.port, agent_token(), args.clients, args.events, args.gap))
    finally:
        output = server.stop()
    problems = [line for line in output.splitlines() if "rror" in line or "Traceback" in line]
    print(f"server log: {len(problems)} error line(s)")
    for line in problems[:8]:
        print(f"  {line[:200]}")


if __name__ == "__main__":
    main()
