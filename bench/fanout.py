"""Fan-out: one event to N websocket clients of `serve`, against a raw broadcast floor.

    uv run python bench/fanout.py [--clients 1000] [--events 20] [--gap 0.25]
                                  [--design hub|channel_layer] [--workers 1] [--no-floor]
    uv run python bench/fanout.py --curve      # 100, 1,000, 5,000 clients; 1 and 2 workers;
                                               # draws docs/images/fanout-curve.png

Each run connects the same clients (all in this process, on the same 2 cores as the server)
first to a bare `websockets` server that broadcasts pre-serialised frames (bench/_raw_broadcast.py:
the floor, what Python clients can receive at all), then to `serve`, and reports COS over floor.
COS's time starts before `publish()` (so it includes the commit, the XADD and the hub); the
floor's when the harness asks the raw server to broadcast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from _setup import BASE_DIR, setup_django, summary

setup_django()

import websockets  # noqa: E402
from _live import agent_token, raw_broadcast_server, start_serve  # noqa: E402
from django.db import transaction  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from apps.core.highway.publisher import publish  # noqa: E402

CURVE_CLIENTS = (100, 1000, 5000)
CURVE_WORKERS = (1, 2)


async def client(
    url: str, channel: str, ready: asyncio.Event, latencies: list[tuple[float, float]],
    expected: int, errors: list[str], got_all: asyncio.Event, release: asyncio.Event,
) -> int:  # fmt: skip
    received = 0
    try:
        async with websockets.connect(
            url, origin=Origin("http://127.0.0.1"), max_queue=None, open_timeout=60,
            ping_interval=None,
        ) as ws:  # fmt: skip
            await ws.recv()
            await ws.send(json.dumps({"action": "subscribe", "channels": [channel]}))
            await ws.recv()
            ready.set()
            with contextlib.suppress(TimeoutError):
                while received < expected:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
                    if message["type"] == "event":
                        sent = message["event"]["data"]["sent"]
                        latencies.append((sent, (time.time() - sent) * 1000))
                        received += 1
            # Closing while others still receive would load the last event with close
            # handshakes (it was every run's worst event, floor and COS alike).
            got_all.set()
            await release.wait()
    except Exception as exc:  # counted and shown: a failed client is a finding, not a hang
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        ready.set()
        got_all.set()
    return received


async def fan_out(
    url: str, channel: str, clients: int, events: int, fire: Callable[[], Awaitable[None]],
    gap: float,
) -> dict[str, float]:  # fmt: skip
    latencies: list[tuple[float, float]] = []  # (event's send time, its latency at a client)
    errors: list[str] = []
    readies = [asyncio.Event() for _ in range(clients)]
    got_alls = [asyncio.Event() for _ in range(clients)]
    release = asyncio.Event()
    started = time.perf_counter()
    tasks = []
    # Connect in waves so the server's accept queue is not flooded.
    for ready, got_all in zip(readies, got_alls, strict=True):
        tasks.append(
            asyncio.create_task(
                client(url, channel, ready, latencies, events, errors, got_all, release)
            )
        )
        if len(tasks) % 100 == 0:
            await asyncio.gather(*(r.wait() for r in readies[len(tasks) - 100 : len(tasks)]))
    await asyncio.gather(*(r.wait() for r in readies))
    print(f"  {clients} clients connected and subscribed in {time.perf_counter() - started:.1f} s")
    # The clients' process collects no garbage while events arrive: a collection over 1,000+
    # connections pauses it for tens of milliseconds and would land on one side at random.
    gc.collect()
    gc.disable()
    try:
        for _ in range(events):
            await fire()
            await asyncio.sleep(gap)
        await asyncio.gather(*(g.wait() for g in got_alls))
        release.set()
        counts = await asyncio.gather(*tasks)
    finally:
        gc.enable()
    expected = clients * events
    drops = expected - sum(counts)
    print(f"  received {sum(counts)} of {expected}; drops: {drops}; client errors: {len(errors)}")
    for error in sorted(set(errors))[:5]:
        print(f"    e.g. {error}")
    if not latencies:
        return {"drops": drops}
    result = summary("  publish start -> each client", [ms for _, ms in latencies])
    worst_event(latencies)
    return {**result, "drops": drops}


def worst_event(latencies: list[tuple[float, float]]) -> None:
    """The event whose last client waited longest: with few events, p99 is that event's tail."""
    by_event: dict[float, list[float]] = {}
    for sent, ms in latencies:
        by_event.setdefault(sent, []).append(ms)
    order = sorted(by_event)
    worst = max(order, key=lambda sent: max(by_event[sent]))
    times = sorted(by_event[worst])
    print(
        f"  worst event (#{order.index(worst) + 1} of {len(order)}): first {times[0]:.1f} ms, "
        f"median {times[len(times) // 2]:.1f} ms, last {times[-1]:.1f} ms"
    )


async def raw_floor(clients: int, events: int, gap: float) -> dict[str, float]:
    with raw_broadcast_server() as url:
        async with websockets.connect(url, max_queue=None) as control:
            await control.recv()

            async def fire() -> None:
                await control.send(json.dumps({"fire": {"event": {"data": {"sent": time.time()}}}}))

            print("raw websockets broadcast (the floor):")
            return await fan_out(url, "raw", clients, events, fire, gap)


def publish_one(channel: str) -> None:
    with transaction.atomic():
        publish("probe.test.event", {"sent": time.time()}, source="probe", channel=channel)


def through_cos(
    clients: int, events: int, gap: float, design: str, workers: int
) -> dict[str, float]:
    args = ("--workers", str(workers)) if workers > 1 else ()
    server = start_serve(args, COS_LIVEFEED_DELIVERY=design)
    channel = f"probe.fan_{uuid.uuid4().hex[:8]}"
    try:
        publish_one(channel)  # the stream exists before anyone listens
        url = f"ws://127.0.0.1:{server.port}/ws/events/?token={agent_token()}"

        async def fire() -> None:
            await asyncio.to_thread(publish_one, channel)

        print(f"COS serve, delivery {design}, {workers} worker process(es):")
        return asyncio.run(fan_out(url, channel, clients, events, fire, gap))
    finally:
        output = server.stop()
        problems = [line for line in output.splitlines() if "rror" in line or "Traceback" in line]
        print(f"  server log: {len(problems)} error line(s)")
        for line in problems[:8]:
            print(f"    {line[:200]}")


def ratio(cos: dict[str, float], floor: dict[str, float]) -> str:
    return " ".join(f"{p} {cos[p] / floor[p]:.2f}x" for p in ("p50", "p99") if p in cos)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between events")
    parser.add_argument("--design", choices=["hub", "channel_layer"], default="hub")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--curve", action="store_true")
    args = parser.parse_args()
    if args.curve:
        curve(args.events, args.gap)
        return
    print(f"{args.clients} clients, {args.events} events, one every {args.gap} s")
    floor = None if args.no_floor else asyncio.run(raw_floor(args.clients, args.events, args.gap))
    cos = through_cos(args.clients, args.events, args.gap, args.design, args.workers)
    if floor:
        print(f"COS / floor: {ratio(cos, floor)}")


def curve(events: int, gap: float) -> None:
    results: dict[str, list[dict[str, float]]] = {"floor": []}
    for workers in CURVE_WORKERS:
        results[f"{workers}"] = []
    for clients in CURVE_CLIENTS:
        print(f"\n=== {clients} clients ===")
        results["floor"].append(asyncio.run(raw_floor(clients, events, gap)))
        for workers in CURVE_WORKERS:
            cos = through_cos(clients, events, gap, "hub", workers)
            results[f"{workers}"].append(cos)
            print(f"  COS ({workers} worker(s)) / floor: {ratio(cos, results['floor'][-1])}")
    print("\n| clients | floor p50 / p99 | COS 1 worker p50 / p99 | COS 2 workers p50 / p99 |")
    for i, clients in enumerate(CURVE_CLIENTS):
        cells = [
            f"{r[i].get('p50', 0):.1f} / {r[i].get('p99', 0):.1f} ms"
            for r in (results["floor"], results["1"], results["2"])
        ]
        print(f"| {clients:,} | " + " | ".join(cells) + " |")
    draw(results, Path(BASE_DIR / "docs" / "images" / "fanout-curve.png"))


def draw(results: dict[str, list[dict[str, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    series = {
        "floor": "raw websockets broadcast (floor)", "1": "COS, 1 worker", "2": "COS, 2 workers"
    }  # fmt: skip
    for axis, point in zip(axes, ("p50", "p99"), strict=True):
        for key, label in series.items():
            axis.plot(CURVE_CLIENTS, [r.get(point, float("nan")) for r in results[key]],
                      marker="o", label=label)  # fmt: skip
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(CURVE_CLIENTS, [f"{c:,}" for c in CURVE_CLIENTS])
        axis.set_xlabel("websocket clients (one client process)")
        axis.set_title(f"{point}: publish start -> each client")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("milliseconds")
    axes[0].legend()
    figure.suptitle("Live feed fan-out: one event to N clients (bench/fanout.py --curve)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"chart: {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
