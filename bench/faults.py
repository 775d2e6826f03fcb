"""Redis outage under steady writes (issue 9): `POST /api/cc/logs/` to `manage.py serve` at a
steady rate for 60 s; Redis is stopped 15 s in for 30 s, then restarted *empty* (no
persistence), and writes go on to the end. Then: % 2xx, 5xx, the events committed against the
events on the (new) `mem0.recorded.cc` stream (those committed during or after the outage must
all be there: "lost"), the time from Redis answering again to an empty outbox, whether a
websocket client of /ws/events/ saw events again on its first socket (and, if that socket was
closed, on a new one), and /status's "events" at the end.

    uv run python bench/faults.py
    uv run python bench/faults.py --seconds 20 --outage-start 5 --outage 8   # quick check

It starts its own redis-server (tests/redis_process.py) and a scratch database on DATABASE_URL's
server (else the embedded PostgreSQL), dropped afterwards. The client is asyncio with raw HTTP/1.1
(one connection per request) and `websockets`; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
import websockets
from _harness import (
    CC_CHANNEL,
    LOG_TABLE,
    Server,
    admin_token,
    engines,
    run_of,
    scratch_database,
    serve_environment,
    serve_server,
    stream_events,
)
from websockets.typing import Origin

from tests.redis_process import RedisProcess

LOGS_PATH = "/api/cc/logs/"
PHASES = ("before", "outage", "after")
POLL_S = 0.25


@dataclass
class Marks:
    """Wall-clock times (time.time(), comparable with the database's timestamps)."""

    t0: float = 0.0
    down: float | None = None
    up: float | None = None
    up_error: str | None = None
    writes_end: float | None = None
    drained: float | None = None

    def rel(self, t: float | None) -> str:
        return "-" if t is None else f"{t - self.t0:.1f} s"

    def phase(self, t: float) -> str:
        if self.down is None or t < self.down:
            return "before"
        if self.up is None or t < self.up:
            return "outage"
        return "after"


@dataclass
class Outcome:
    i: int
    sent: float
    latency_s: float
    status: int | None
    error: str | None


@dataclass
class Sample:
    at: float
    pending: int | None
    breaker: str | None


@dataclass
class Feed:
    events: list[tuple[float, int, int]] = field(default_factory=list)  # (at, i, connection)
    connections: int = 0
    closed_at: float | None = None
    close: str = ""
    reconnect_attempts: int = 0
    reconnected_at: float | None = None
    errors: list[str] = field(default_factory=list)


# --- HTTP, raw ---------------------------------------------------------------------------------


async def http(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on its own connection (`Connection: close`): status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("closed without an answer")
        response = await reader.read()  # to the end: the server closes after answering
        return int(status_line.split()[1]), response.partition(b"\r\n\r\n")[2]
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def post_log(port: int, token: str, run: str, i: int, timeout: float) -> Outcome:
    body = {
        "level": "info",
        "message": "faults bench",
        "event_type": "bench.fault",
        "payload": {"run": run, "i": i},
    }
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    sent = time.time()
    started = time.perf_counter()
    try:
        status, _ = await asyncio.wait_for(
            http(port, "POST", LOGS_PATH, headers, json.dumps(body).encode()), timeout
        )
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        return Outcome(i, sent, time.perf_counter() - started, None, type(exc).__name__)
    return Outcome(i, sent, time.perf_counter() - started, status, None)


async def get_status(port: int, token: str) -> dict[str, Any] | None:
    """/status, as an operator (the admin's token)."""
    headers = {"Authorization": f"Token {token}"}
    try:
        status, body = await asyncio.wait_for(http(port, "GET", "/status", headers), 3)
        return json.loads(body) if status == 200 else None
    except (OSError, TimeoutError, ValueError, IndexError):
        return None


# --- the run's parts ---------------------------------------------------------------------------


async def drive(args: argparse.Namespace, port: int, token: str, run: str) -> list[Outcome]:
    """`rate` requests a second for `seconds`, each on schedule whatever the others do."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    outcomes: list[Outcome] = []
    tasks: set[asyncio.Task[None]] = set()

    async def one(i: int) -> None:
        outcomes.append(await post_log(port, token, run, i, args.request_timeout))

    for i in range(int(args.rate * args.seconds)):
        await asyncio.sleep(max(0.0, start + i / args.rate - loop.time()))
        if len(tasks) >= args.max_in_flight:
            outcomes.append(Outcome(i, time.time(), 0.0, None, "client in-flight limit"))
            continue
        task = asyncio.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=args.request_timeout + 5)
    return outcomes


async def outage(args: argparse.Namespace, server: RedisProcess, marks: Marks) -> None:
    await asyncio.sleep(max(0.0, marks.t0 + args.outage_start - time.time()))
    await asyncio.to_thread(server.stop)
    marks.down = time.time()
    print(f"{marks.rel(marks.down)}: Redis stopped", flush=True)
    await asyncio.sleep(max(0.0, marks.down + args.outage - time.time()))
    try:
        await asyncio.to_thread(server.start)  # same port, empty: no save, no append-only file
    except RuntimeError as exc:
        marks.up_error = str(exc)
        print(f"Redis did not restart: {exc}", flush=True)
        return
    marks.up = time.time()
    print(f"{marks.rel(marks.up)}: Redis restarted empty, answering", flush=True)


async def monitor(
    database_url: str,
    port: int,
    token: str,
    marks: Marks,
    samples: list[Sample],
    stop: asyncio.Event,
) -> None:
    """Outbox backlog and breaker state every POLL_S; marks the first empty outbox after Redis
    answers again."""
    query = "SELECT count(*) FROM core.outbox WHERE delivered_at IS NULL"
    connection = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
    try:
        while not stop.is_set():
            pending: int | None = None
            with contextlib.suppress(psycopg.Error):
                row = await (await connection.execute(query)).fetchone()
                pending = int(row[0]) if row else None
            status = await get_status(port, token)
            breaker = ((status or {}).get("events") or {}).get("breaker") or {}
            now = time.time()
            samples.append(Sample(now, pending, breaker.get("state")))
            if marks.up and marks.drained is None and pending == 0 and now > marks.up:
                marks.drained = now
                print(f"{marks.rel(now)}: outbox empty", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_S)
    finally:
        await connection.close()


async def watch_feed(url: str, origin: str, run: str, feed: Feed, stop: asyncio.Event) -> None:
    """One websocket client: subscribed to the cc channel, counting this run's events; a
    closed socket is recorded, then reopened every second until `stop`."""
    while not stop.is_set():
        if feed.connections:
            feed.reconnect_attempts += 1
        try:
            async with websockets.connect(
                url, origin=Origin(origin), open_timeout=5, max_queue=None
            ) as ws:
                await asyncio.wait_for(subscribe(ws), 5)
                feed.connections += 1
                if feed.connections > 1 and feed.reconnected_at is None:
                    feed.reconnected_at = time.time()
                await read_feed(ws, run, feed, stop)
        except websockets.ConnectionClosed as exc:
            if feed.closed_at is None and feed.connections == 1:
                feed.closed_at = time.time()
                frame = exc.rcvd
                feed.close = f"code {frame.code} {frame.reason!r}" if frame else "no close frame"
        except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
            feed.errors.append(f"{type(exc).__name__}: {exc}"[:200])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1)


async def subscribe(ws: Any) -> None:
    await ws.send(json.dumps({"action": "subscribe", "channels": [CC_CHANNEL]}))
    while json.loads(await ws.recv()).get("type") != "subscribed":
        pass


async def read_feed(ws: Any, run: str, feed: Feed, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
        except TimeoutError:
            continue
        if message.get("type") == "event":
            event_run, i = run_of(message.get("event") or {})
            if event_run == run:
                feed.events.append((time.time(), int(i), feed.connections))


async def wait_drained(marks: Marks, samples: list[Sample], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and marks.up_error is None:
        last = samples[-1] if samples else None
        if marks.drained and last is not None and last.pending == 0:
            return
        await asyncio.sleep(POLL_S)


# --- after the run -----------------------------------------------------------------------------


def committed(database_url: str, run: str) -> dict[int, float]:
    """Request index -> commit time (the base log's timestamp) of this run's rows."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute(
            f"SELECT (payload->>'i')::int, extract(epoch FROM timestamp) FROM {LOG_TABLE} "  # noqa: S608
            "WHERE payload->>'run' = %s",
            [run],
        ).fetchall()
    return {int(i): float(at) for i, at in rows}


def on_stream(redis_url: str, run: str) -> list[int] | str:
    """This run's request indexes on the cc stream (with repeats), or why it was unreadable."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
    try:
        marked = (run_of(event) for event in stream_events(client, CC_CHANNEL))
        return [int(i) for event_run, i in marked if event_run == run]
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()


def outbox_left(database_url: str) -> tuple[int, int, str]:
    """Rows still pending, rows that needed more than one attempt, and a last error."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FILTER (WHERE delivered_at IS NULL), count(*) FILTER "
            "(WHERE attempts > 0), max(last_error) FROM core.outbox"
        ).fetchone()
    return (int(row[0]), int(row[1]), row[2] or "") if row else (0, 0, "")


# --- report ------------------------------------------------------------------------------------


def percentile_ms(values: list[float], p: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000:.1f}"


def ok(outcome: Outcome) -> bool:
    return outcome.status is not None and 200 <= outcome.status < 300


def report_requests(outcomes: list[Outcome], marks: Marks) -> None:
    total = len(outcomes)
    good = sum(1 for o in outcomes if ok(o))
    print(f"requests sent: {total}; 2xx: {good} ({100 * good / total if total else 0:.1f} %)")
    print(
        "\n| phase (by send time) | sent | 2xx | 5xx | other codes | no answer | p50 ms | p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for phase in PHASES:
        part = [o for o in outcomes if marks.phase(o.sent) == phase]
        codes = Counter(o.status for o in part if o.status and not 200 <= o.status < 300)
        other = {k: v for k, v in sorted(codes.items()) if k < 500}
        errors = Counter(o.error for o in part if o.error)
        latencies = [o.latency_s for o in part if o.status]
        print(
            f"| {phase} | {len(part)} | {sum(1 for o in part if ok(o))} "
            f"| {sum(v for k, v in codes.items() if k >= 500)} | {other or 0} "
            f"| {dict(errors) or 0} | {percentile_ms(latencies, 50)} "
            f"| {percentile_ms(latencies, 99)} |"
        )
    five = Counter(o.status for o in outcomes if o.status and o.status >= 500)
    print(f"\n5xx: {sum(five.values())}" + (f" {dict(five)}" if five else ""))


def report_events(
    outcomes: list[Outcome], rows: dict[int, float], stream: list[int] | str, marks: Marks
) -> None:
    down = marks.down or float("inf")
    before = {i for i, at in rows.items() if at < down}
    during_after = set(rows) - before
    answered = {o.i for o in outcomes if ok(o)}
    print(
        f"events committed: {len(rows)} (before the outage {len(before)}, during or after "
        f"{len(during_after)}); 2xx without a row: {len(answered - set(rows))}; rows without "
        f"a 2xx: {len(set(rows) - answered)}"
    )
    if isinstance(stream, str):
        print(f"the stream could not be read: {stream}")
        return
    found = set(stream)
    print(
        f"on the new stream: {len(found & during_after)} of the {len(during_after)} committed "
        f"during or after the outage -> lost: {len(during_after - found)}"
    )
    print(
        f"  of those committed before the outage: {len(found & before)} on the new stream (the "
        f"others went to the Redis that was wiped); repeats on the stream: "
        f"{len(stream) - len(found)}; on the stream without a row: {len(found - set(rows))}"
    )


def report_drain(marks: Marks, samples: list[Sample], database_url: str) -> None:
    pending, retried, last_error = outbox_left(database_url)
    peak = max((s.pending or 0 for s in samples), default=0)
    if marks.up is None:
        print(f"time to drain: Redis did not come back ({marks.up_error})")
    elif marks.drained is None:
        print(f"time to drain: not drained ({pending} rows pending at the end)")
    else:
        print(
            f"time to drain: {marks.drained - marks.up:.2f} s (Redis answering at "
            f"{marks.rel(marks.up)}, outbox empty at {marks.rel(marks.drained)})"
        )
    print(
        f"outbox: peak backlog {peak}, pending at the end {pending}, rows retried {retried}"
        + (f", last error: {last_error[:160]}" if last_error else "")
    )
    transitions: list[str] = []
    for sample in samples:
        state = sample.breaker or "no answer"
        if not transitions or not transitions[-1].endswith(state):
            transitions.append(f"{marks.rel(sample.at)} {state}")
    print(f"breaker (from /status every {POLL_S} s): {', '.join(transitions)}")


def report_feed(feed: Feed, marks: Marks) -> None:
    first = [(at, i) for at, i, connection in feed.events if connection == 1]
    counts = Counter(marks.phase(at) for at, _ in first)
    stayed = "yes" if feed.closed_at is None else f"no: closed at {marks.rel(feed.closed_at)}"
    print(f"websocket, first socket: stayed open: {stayed} ({feed.close or 'open'})")
    print(
        f"  events on it: before the outage {counts['before']}, during {counts['outage']}, "
        f"after Redis came back {counts['after']}"
    )
    after = [at for at, _ in first if marks.up and at >= marks.up]
    if after and marks.up:
        print(f"  saw events again: yes, first {min(after) - marks.up:.2f} s after Redis answered")
    else:
        print("  saw events again: no")
    if feed.closed_at is not None:
        later = [i for _, i, connection in feed.events if connection > 1]
        reconnected = marks.rel(feed.reconnected_at) if feed.reconnected_at else "never"
        print(
            f"  reconnected: {reconnected} (attempts {feed.reconnect_attempts}); events after "
            f"reconnecting: {len(later)} ({len(set(later))} distinct)"
        )
    if feed.errors:
        print(f"  connection errors: {len(feed.errors)}, first: {feed.errors[0]}")


def report_log(server: Server) -> None:
    lines = server.output().splitlines()
    levels = Counter(level for line in lines for level in ("ERROR", "WARNING") if level in line)
    tracebacks = sum(1 for line in lines if line.startswith("Traceback"))
    print(f"serve log: {dict(levels) or 'no'} warnings/errors, {tracebacks} tracebacks")
    distinct: list[str] = []
    for line in lines:
        message = line.split("] ", 1)[-1][:200]
        if ("ERROR" in line or line.startswith("Traceback")) and message not in distinct:
            distinct.append(message)
    for message in distinct[:5]:
        print(f"  {message}")


# --- main --------------------------------------------------------------------------------------


@dataclass
class Setup:
    args: argparse.Namespace
    serve: Server
    redis: RedisProcess
    database_url: str
    token: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


async def exercise(setup: Setup) -> tuple[list[Outcome], Marks, list[Sample], Feed]:
    args, port = setup.args, setup.serve.port
    marks, feed, stop = Marks(t0=time.time()), Feed(), asyncio.Event()
    samples: list[Sample] = []
    url = f"ws://127.0.0.1:{port}/ws/events/?token={setup.token}"
    watcher = asyncio.create_task(watch_feed(url, setup.serve.url, setup.run, feed, stop))
    watching = asyncio.create_task(
        monitor(setup.database_url, port, setup.token, marks, samples, stop)
    )
    await asyncio.sleep(1)  # the feed subscribes before the first write
    marks.t0 = time.time()
    try:
        breaking = asyncio.create_task(outage(args, setup.redis, marks))
        outcomes = await drive(args, port, setup.token, setup.run)
        marks.writes_end = time.time()
        await asyncio.wait_for(breaking, args.outage + 30)
        await wait_drained(marks, samples, args.drain_timeout)
        await asyncio.sleep(2)  # the last events reach the websocket
    finally:
        stop.set()
        await asyncio.wait({watcher, watching}, timeout=10)
    return outcomes, marks, samples, feed


def report(setup: Setup, results: tuple[list[Outcome], Marks, list[Sample], Feed]) -> None:
    outcomes, marks, samples, feed = results
    args = setup.args
    print(
        f"\nfaults: POST {LOGS_PATH} at {args.rate}/s for {args.seconds} s; Redis stopped at "
        f"{marks.rel(marks.down)} for {args.outage} s, restarted empty at {marks.rel(marks.up)}\n"
    )
    report_requests(outcomes, marks)
    rows = committed(setup.database_url, setup.run)
    report_events(outcomes, rows, on_stream(setup.redis.url, setup.run), marks)
    report_drain(marks, samples, setup.database_url)
    report_feed(feed, marks)
    status = asyncio.run(get_status(setup.serve.port, setup.token))
    events = (status or {}).get("events")
    print(f"/status events at the end: {json.dumps(events, indent=2) if events else 'no answer'}")
    print(f"serve still running: {'yes' if setup.serve.alive() else 'no'}")
    report_log(setup.serve)
    if args.serve_log:
        args.serve_log.write_text(setup.serve.output() + "\n")
        print(f"serve's output: {args.serve_log}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50, help="requests a second")
    parser.add_argument("--seconds", type=float, default=60, help="of writing")
    parser.add_argument("--outage-start", type=float, default=15, help="s after the first write")
    parser.add_argument("--outage", type=float, default=30, help="s without Redis")
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--request-timeout", type=float, default=30)
    parser.add_argument("--max-in-flight", type=int, default=500)
    parser.add_argument("--serve-log", type=Path, help="write serve's whole output to this file")
    args = parser.parse_args()
    if args.outage_start + args.outage >= args.seconds:
        parser.error("--outage-start + --outage must end before --seconds")
    return args


def main() -> None:
    args = parse_args()
    database_server, _, _engines = engines(need_redis=False)
    with ExitStack() as stack:
        redis_server = RedisProcess(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        redis_server.start()
        stack.callback(redis_server.stop)
        database_url = stack.enter_context(scratch_database(database_server))
        env = stack.enter_context(serve_environment(database_url, redis_server.url))
        serve = serve_server(env)
        stack.callback(serve.stop)
        serve.start()
        setup = Setup(args, serve, redis_server, database_url, admin_token(env))
        print(f"serve at {serve.url}, own Redis at {redis_server.url}, run {setup.run}")
        report(setup, asyncio.run(exercise(setup)))


if __name__ == "__main__":
    main()
