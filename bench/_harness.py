"""Shared by bench/http_load.py and bench/faults.py: the engines, a scratch database, servers
run as subprocesses (`serve`, the bare Django app), a DRF token, and what to watch on the
server while it works (PostgreSQL connections, CPU, the outbox, a Redis stream).

Nothing here imports Django: the benchmarks drive servers from outside, as a client would.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
import redis
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests.serving import free_port, serve_env  # noqa: E402

LOG_TABLE = "mem0_cc.base_log"  # apps/cc/models.py BaseLog
EVENT_LOG_TABLE = "mem0_cc.event_log"  # apps/cc/models.py EventLog
CC_CHANNEL = "mem0.recorded.cc"  # apps/core/memory/recording.py memory_channel("cc")
STREAM_PAGE = 1000
STREAM_MAX_PAGES = 1000  # 1,000,000 entries: far more than a stream keeps (MAXLEN 100,000)


def engines(need_redis: bool = True) -> tuple[str, str, Any]:
    """DATABASE_URL and REDIS_URL from the environment, else COS's embedded engines; the third
    value keeps the embedded ones running while the caller holds it."""
    from apps.core.runtime import engines as cos_engines

    wanted = {name: os.environ.get(name, "") for name in ("DATABASE_URL", "REDIS_URL")}
    if not need_redis:
        wanted["REDIS_URL"] = wanted["REDIS_URL"] or "unused://"
    handle = cos_engines.provide(wanted, graph=None)
    return wanted["DATABASE_URL"], wanted["REDIS_URL"], handle


def with_database(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A database of its own on the server of `server_url`, dropped afterwards."""
    name = f"cos_bench_{uuid.uuid4().hex[:8]}"
    maintenance = with_database(server_url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def serve_environment(database_url: str, redis_url: str, **extra: str) -> Iterator[dict[str, str]]:
    """The environment `serve` and `manage.py` commands run with; its var folder is removed
    afterwards."""
    var_dir = tempfile.mkdtemp(prefix="cos-bench-")
    try:
        yield serve_env(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            COS_VAR_DIR=var_dir,
            COS_ADMIN_PASSWORD=secrets.token_urlsafe(16),
            LOG_LEVEL="WARNING",
            **extra,
        )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    """Run `manage.py <args>` with `env`; return its output (raises on failure)."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def admin_token(env: dict[str, str]) -> str:
    """A DRF token for `admin` (serve creates that user on its first start)."""
    output = manage(env, "drf_create_token", "--skip-checks", "admin")
    found = re.search(r"Generated token (\w+)", output)
    if found is None:
        raise RuntimeError(f"no token in drf_create_token's output:\n{output}")
    return found.group(1)


def serve_supports_workers(env: dict[str, str]) -> bool:
    return "--workers" in manage(env, "serve", "--help")


class Server:
    """A server subprocess on 127.0.0.1: started, waited for, stopped like Ctrl-C (SIGINT),
    then killed with its children if it has not exited in time. Its output goes to a file:
    a pipe nobody reads would block its logging (tests/serving.py)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None
        self.traced = False  # serving with OpenTelemetry exporting (bench/http_load.py)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, probe: str = "/alive", timeout: float = 120) -> Server:
        process = subprocess.Popen(
            self.argv, cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.process = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.stop()}")
            try:
                with urllib.request.urlopen(f"{self.url}{probe}", timeout=1):  # noqa: S310
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s:\n{self.stop()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30) -> str:
        """Ctrl-C, then kill after `timeout`; returns the tail of what the server printed."""
        if self.process is None:
            return ""
        children = _children(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"{self.name} did not stop within {timeout}s after SIGINT: killed")
            self.process.kill()
            self.process.wait()
        _, left = psutil.wait_procs(children, timeout=5)
        for child in left:
            with contextlib.suppress(psutil.Error):
                child.kill()
        return self.output(tail=60)

    def output(self, tail: int | None = None) -> str:
        self.log.flush()
        self.log.seek(0)
        lines = self.log.read().splitlines()
        self.log.seek(0, os.SEEK_END)
        return "\n".join(lines[-tail:] if tail else lines)


def _children(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


def serve_server(env: dict[str, str], workers: int = 1) -> Server:
    port = free_port()
    argv = [sys.executable, "manage.py", "serve", "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    return Server(f"serve (workers={workers})", argv, env, port)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its children (uvicorn workers), in seconds."""
    total = 0.0
    try:
        processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return total
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


class PeakConnections:
    """Polls `SELECT count(*) FROM pg_stat_activity WHERE datname = <db>` every `interval`
    seconds from a thread, connected to the maintenance database (so it does not count
    itself), and keeps the peak."""

    def __init__(self, database_url: str, interval: float = 0.1) -> None:
        self.maintenance = with_database(database_url, "postgres")
        self.database = database_name(database_url)
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="pg-peak", daemon=True)

    def __enter__(self) -> PeakConnections:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _poll(self) -> None:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        with psycopg.connect(self.maintenance, autocommit=True) as connection:
            while not self._stop.is_set():
                row = connection.execute(query, [self.database]).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)
                self.samples += 1
                self._stop.wait(self.interval)


def outbox_pending(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
        row = connection.execute(
            "SELECT count(*) FROM core.outbox WHERE delivered_at IS NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def wait_outbox_empty(database_url: str, timeout: float) -> int:
    """Wait until no outbox row waits for Redis, at most `timeout` s; returns what is left."""
    deadline = time.monotonic() + timeout
    pending = outbox_pending(database_url)
    while pending and time.monotonic() < deadline:
        time.sleep(0.2)
        pending = outbox_pending(database_url)
    return pending


def logged_rows(database_url: str, run: str) -> tuple[int, int]:
    """Base log rows and event log rows whose payload carries `run`."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        base = connection.execute(
            f"SELECT count(*) FROM {LOG_TABLE} WHERE payload->>'run' = %s",  # noqa: S608
            [run],
        ).fetchone()
        events = connection.execute(
            f"SELECT count(*) FROM {EVENT_LOG_TABLE} e JOIN {LOG_TABLE} b "  # noqa: S608
            "ON e.base_log_id = b.id WHERE b.payload->>'run' = %s",
            [run],
        ).fetchone()
    return (int(base[0]) if base else 0, int(events[0]) if events else 0)


def redis_now_id(client: redis.Redis) -> str:
    """A stream id at Redis' clock now, less a second of margin."""
    seconds, micros = client.time()
    return f"{int(seconds) * 1000 + int(micros) // 1000 - 1000}-0"


def stream_events(client: redis.Redis, channel: str, start: str = "-") -> Iterator[dict[str, Any]]:
    """Every event envelope on `channel` from `start` on, oldest first (paged, bounded)."""
    low = start
    for _ in range(STREAM_MAX_PAGES):
        entries: Any = client.xrange(channel, min=low, max="+", count=STREAM_PAGE)
        if not entries:
            return
        for _entry_id, fields in entries:
            raw = fields.get(b"event") or fields.get("event")
            if raw is not None:
                yield json.loads(raw)
        low = f"({_text(entries[-1][0])}"


def run_of(event: dict[str, Any]) -> tuple[str | None, Any]:
    """The bench marker (`run`) and index (`i`) an event's log payload carries."""
    payload = (event.get("data") or {}).get("payload") or {}
    if not isinstance(payload, dict):
        return None, None
    return payload.get("run"), payload.get("i")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
