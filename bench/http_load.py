"""HTTP load (issue 9): `wrk`, outside the server process, against `GET /alive` and token-
authenticated `POST /api/cc/logs/` of `manage.py serve`, and against a bare Django app
(bench/bare_django.py: no middleware, one async JSON view, the same uvicorn options) as the
yardstick for /alive. Every run prints req/s, p50/p99 latency, non-2xx and 5xx counts (exact:
a wrk Lua script counts every status), the peak of PostgreSQL connections to the run's database
(polled every 100 ms), and server CPU per request (psutil: the server and its children); log
writes are then checked: every 2xx write must have its base log and event log rows and its
entry on the `mem0.recorded.cc` stream ("lost").

    uv run python bench/http_load.py
    uv run python bench/http_load.py --seconds 3 --concurrency 1 16 --workers 1   # quick check
    uv run python bench/http_load.py --tracing off on --workers 1 --paths alive logs  # issue 17

`--tracing on` serves with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a sink in this process (an
HTTP server that takes OTLP posts and counts them): every request traced, sampled and exported,
the cost of tracing in full. The sink's count is printed after the runs.

Defaults: 20 s per run, concurrency 1, 16 and 64, 1 and 2 server workers, paths alive, logs and
bare (about 6 min). It uses DATABASE_URL / REDIS_URL (else the embedded engines), in a scratch
database dropped afterwards. Needs `wrk` (Debian: `apt-get install wrk`).

Named http_load.py, not http.py: a bench/http.py would shadow the standard library's `http`
for every script run from bench/ (sys.path[0]) and for `mypy .`.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import redis
from _harness import (
    CC_CHANNEL,
    PeakConnections,
    Server,
    admin_token,
    cpu_seconds,
    engines,
    free_port,
    logged_rows,
    redis_now_id,
    run_of,
    scratch_database,
    serve_environment,
    serve_server,
    serve_supports_workers,
    stream_events,
    wait_outbox_empty,
)

LUA = Path(__file__).resolve().parent / "_wrk_count.lua"
LOGS_PATH = "/api/cc/logs/"
PATHS = {"alive": "COS GET /alive", "logs": "COS POST /api/cc/logs/", "bare": "bare Django /alive"}
ALIVE_GOAL = 0.8  # COS /alive req/s over the bare app's
WRITES_GOAL = 250.0  # log writes 2xx/s at concurrency 16
WRITES_GOAL_CONCURRENCY = 16


@dataclass
class WriteCheck:
    base_rows: int
    event_rows: int
    stream_entries: int
    stream_unique: int
    outbox_pending: int

    def lost(self, ok: int) -> int:
        kept = min(self.base_rows, self.event_rows, self.stream_unique)
        return max(0, ok - kept)


@dataclass
class Run:
    target: str
    workers: int
    concurrency: int
    requests: int
    duration_s: float
    statuses: dict[int, int]
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    peak_pg: int
    cpu_s: float
    writes: WriteCheck | None = field(default=None)
    tracing: bool = False

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.duration_s if self.duration_s else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(self.statuses.values()) - self.ok

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s * 1000 / self.requests if self.requests else 0.0


def run_wrk(
    url: str, seconds: int, concurrency: int, threads: int, env: dict[str, str]
) -> dict[str, int]:
    command = [
        "wrk", f"-t{min(threads, concurrency)}", f"-c{concurrency}", f"-d{seconds}s",
        "--timeout", "10s", "-s", str(LUA), url,
    ]  # fmt: skip
    done = subprocess.run(
        command,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    values: dict[str, int] = {}
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            _, name, value = line.split()
            values[name] = int(value)
    return values


def request_env(path: str, token: str, run: str) -> dict[str, str]:
    if path != "logs":
        return {"WRK_METHOD": "GET", "WRK_BODY": "", "WRK_TOKEN": ""}
    body = {
        "level": "info",
        "message": "bench",
        "event_type": "bench.write",
        "payload": {"n": 1, "run": run},
    }
    return {"WRK_METHOD": "POST", "WRK_BODY": json.dumps(body), "WRK_TOKEN": token}


def settled_rows(database_url: str, run: str, timeout: float = 15) -> tuple[int, int]:
    """Row counts once they stop changing: requests in flight when wrk stopped still commit."""
    deadline = time.monotonic() + timeout
    counts = logged_rows(database_url, run)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        previous, counts = counts, logged_rows(database_url, run)
        if counts == previous:
            break
    return counts


def check_writes(database_url: str, client: redis.Redis, start_id: str, run: str) -> WriteCheck:
    base_rows, event_rows = settled_rows(database_url, run)
    pending = wait_outbox_empty(database_url, timeout=30)
    ids = [
        event["id"]
        for event in stream_events(client, CC_CHANNEL, start_id)
        if run_of(event)[0] == run
    ]
    return WriteCheck(base_rows, event_rows, len(ids), len(set(ids)), pending)


@dataclass
class Context:
    args: argparse.Namespace
    database_url: str
    redis: redis.Redis
    env: dict[str, str]
    token: str = ""
    sink: OtlpSink | None = None


def measure(ctx: Context, server: Server, path: str, workers: int, concurrency: int) -> Run:
    run = uuid.uuid4().hex[:12]
    url = server.url + (LOGS_PATH if path == "logs" else "/alive")
    env = request_env(path, ctx.token, run)
    start_id = redis_now_id(ctx.redis) if path == "logs" else "-"
    cpu_before = cpu_seconds(server.pid)
    with PeakConnections(ctx.database_url) as peak:
        values = run_wrk(url, ctx.args.seconds, concurrency, ctx.args.wrk_threads, env)
    cpu = cpu_seconds(server.pid) - cpu_before
    result = Run(
        target=PATHS[path] + (TRACED if server.traced else ""),
        workers=workers,
        concurrency=concurrency,
        requests=values.get("requests", 0),
        duration_s=values.get("duration_us", 0) / 1e6,
        statuses={int(k[7:]): v for k, v in values.items() if k.startswith("status_")},
        errors={k[6:]: v for k, v in values.items() if k.startswith("error_") and v},
        p50_ms=values.get("latency_p50_us", 0) / 1000,
        p99_ms=values.get("latency_p99_us", 0) / 1000,
        peak_pg=peak.peak,
        cpu_s=cpu,
        tracing=server.traced,
    )
    if sum(result.statuses.values()) != result.requests:
        print(f"note: wrk counted {result.requests} requests, statuses {result.statuses}")
    if path == "logs":
        result.writes = check_writes(ctx.database_url, ctx.redis, start_id, run)
    print(row(result), flush=True)
    return result


def warm_up(ctx: Context, server: Server, path: str) -> None:
    if ctx.args.warmup > 0:
        url = server.url + (LOGS_PATH if path == "logs" else "/alive")
        run_wrk(url, ctx.args.warmup, 4, 1, request_env(path, ctx.token, "warmup"))


def bare_server(env: dict[str, str], workers: int, loop: str) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_django", "--port", str(port)]
    argv += ["--workers", str(workers), "--loop", loop]
    return Server(f"bare Django (workers={workers})", argv, env, port)


def runs_on(ctx: Context, server: Server, paths: list[str], workers: int) -> Iterator[Run]:
    server.start()
    try:
        if "logs" in paths and not ctx.token:
            ctx.token = admin_token(ctx.env)  # serve has created `admin` by now
        for path in paths:
            warm_up(ctx, server, path)
            for concurrency in ctx.args.concurrency:
                if not server.alive():
                    print(f"{server.name} died:\n{server.output(tail=40)}")
                    return
                yield measure(ctx, server, path, workers, concurrency)
    finally:
        server.stop()


class OtlpSink(http.server.ThreadingHTTPServer):
    """Takes OTLP/HTTP posts (/v1/traces) as a collector would, and counts them."""

    def __init__(self) -> None:
        self.posts = 0
        self.bytes = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _SinkHandler)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _SinkHandler(http.server.BaseHTTPRequestHandler):
    server: OtlpSink

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(size)
        with self.server.lock:
            self.server.posts += 1
            self.server.bytes += size
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


TRACED = " (traced)"


def traced_serve(ctx: Context, workers: int) -> Server:
    assert ctx.sink is not None
    env = {**ctx.env, "OTEL_EXPORTER_OTLP_ENDPOINT": ctx.sink.endpoint}
    server = serve_server(env, workers)
    server.name += " traced"
    server.traced = True
    return server


def all_runs(ctx: Context) -> list[Run]:
    results: list[Run] = []
    cos_paths = [p for p in ("alive", "logs") if p in ctx.args.paths]
    workers_ok = max(ctx.args.workers) == 1 or serve_supports_workers(ctx.env)
    for workers in ctx.args.workers:
        if workers > 1 and not workers_ok:
            print(f"serve has no --workers option yet: skipping workers={workers}")
            continue
        for tracing in ctx.args.tracing if cos_paths else ():
            traced = tracing == "on"
            server = traced_serve(ctx, workers) if traced else serve_server(ctx.env, workers)
            results += runs_on(ctx, server, cos_paths, workers)
        if "bare" in ctx.args.paths:
            bare = bare_server(ctx.env, workers, ctx.args.loop)
            results += runs_on(ctx, bare, ["bare"], workers)
    return results


HEADER = (
    "| server | workers | concurrency | req/s | 2xx/s | p50 ms | p99 ms | non-2xx | 5xx "
    "| socket errors | peak PG conns | server CPU ms/req | lost |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(run: Run) -> str:
    errors = ", ".join(f"{k} {v}" for k, v in sorted(run.errors.items())) or "0"
    lost = "-" if run.writes is None else str(run.writes.lost(run.ok))
    return (
        f"| {run.target} | {run.workers} | {run.concurrency} | {run.rps:,.0f} "
        f"| {run.ok_per_s:,.0f} | {run.p50_ms:.2f} | {run.p99_ms:.2f} | {run.non_2xx} "
        f"| {run.server_errors} | {errors} | {run.peak_pg} | {run.cpu_ms_per_request:.3f} "
        f"| {lost} |"
    )


def report(results: list[Run]) -> None:
    print("\nresults:\n\n" + HEADER)
    for run in results:
        print(row(run))
    print()
    for run in results:
        codes = {k: v for k, v in sorted(run.statuses.items()) if not 200 <= k < 300}
        if codes:
            print(f"statuses, {run.target} w{run.workers} c{run.concurrency}: {codes}")
        if run.writes is not None:
            w = run.writes
            print(
                f"writes, w{run.workers} c{run.concurrency}: 2xx {run.ok}, base log rows "
                f"{w.base_rows}, event log rows {w.event_rows}, stream entries {w.stream_entries}"
                f" ({w.stream_unique} distinct), outbox pending {w.outbox_pending}; "
                f"lost: {w.lost(run.ok)}"
            )
    ratio_lines(results)


def ratio_lines(results: list[Run]) -> None:
    by_key = {(r.target, r.workers, r.concurrency): r for r in results}
    for (target, workers, concurrency), run in by_key.items():
        bare = by_key.get((PATHS["bare"], workers, concurrency))
        if target == PATHS["alive"] and bare is not None and bare.rps:
            ratio = run.rps / bare.rps
            verdict = "met" if ratio >= ALIVE_GOAL else "missed"
            print(
                f"COS /alive / bare Django, workers {workers}, concurrency {concurrency}: "
                f"{run.rps:,.0f} / {bare.rps:,.0f} req/s = {ratio:.2f}x "
                f"(goal >= {ALIVE_GOAL}x: {verdict})"
            )
        if target == PATHS["logs"] and concurrency == WRITES_GOAL_CONCURRENCY:
            verdict = "met" if run.ok_per_s >= WRITES_GOAL else "missed"
            print(
                f"log writes, workers {workers}, concurrency {concurrency}: "
                f"{run.ok_per_s:,.0f} 2xx/s (goal >= {WRITES_GOAL:.0f}/s: {verdict})"
            )
    cos = [r for r in results if r.target != PATHS["bare"]]
    errors = sum(r.server_errors for r in cos)
    print(
        f"COS 5xx: {errors} over {len(cos)} runs (goal 0 at any concurrency: "
        f"{'met' if errors == 0 else 'missed'})"
    )
    writes = [r for r in results if r.writes is not None]
    if writes:
        print(f"lost: {sum(r.writes.lost(r.ok) for r in writes if r.writes)}")


def tracing_lines(results: list[Run]) -> None:
    """Each traced run beside the same run untraced."""
    plain = {(r.target, r.workers, r.concurrency): r for r in results if not r.tracing}
    for run in (r for r in results if r.tracing):
        base = plain.get((run.target.removesuffix(TRACED), run.workers, run.concurrency))
        if base is None or not base.rps:
            continue
        print(
            f"tracing cost, {base.target} w{run.workers} c{run.concurrency}: "
            f"{run.rps:,.0f} / {base.rps:,.0f} req/s = {run.rps / base.rps:.2f}x, "
            f"p50 {base.p50_ms:.2f} -> {run.p50_ms:.2f} ms, CPU/req "
            f"{base.cpu_ms_per_request:.3f} -> {run.cpu_ms_per_request:.3f} ms"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="per run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--paths", nargs="+", choices=list(PATHS), default=list(PATHS))
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk per server and path")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--tracing",
        nargs="+",
        choices=["off", "on"],
        default=["off"],
        help="serve without and/or with OpenTelemetry exporting to a local OTLP sink",
    )
    parser.add_argument(
        "--loop",
        choices=["serve", "asyncio", "uvloop"],
        default="serve",
        help="the bare app's event loop (default: as serve runs it; bench/bare_django.py)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get update && apt-get install -y wrk` (Debian).")
        return 2
    database_server, redis_url, _engines = engines()
    print(
        f"{args.seconds} s per run; concurrency {args.concurrency}; workers {args.workers}; "
        f"paths {args.paths}; wrk threads {args.wrk_threads}"
    )
    with ExitStack() as stack:
        database_url = stack.enter_context(scratch_database(database_server))
        env = stack.enter_context(serve_environment(database_url, redis_url))
        client = redis.Redis.from_url(redis_url)
        stack.callback(client.close)
        sink = OtlpSink() if "on" in args.tracing else None
        if sink is not None:
            threading.Thread(target=sink.serve_forever, daemon=True).start()
            stack.callback(sink.shutdown)
        print("\n" + HEADER, flush=True)
        results = all_runs(Context(args, database_url, client, env, sink=sink))
    report(results)
    if sink is not None:
        print(f"OTLP sink: {sink.posts} exports, {sink.bytes:,} bytes")
    tracing_lines(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
