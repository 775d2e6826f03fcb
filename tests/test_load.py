"""Issue 9, "hold load": a real `manage.py serve` under bursts of concurrent requests.

Database connections are bounded by the pool (DATABASE_POOL_MAX_SIZE), work in flight by
COS_MAX_IN_FLIGHT (503 "overloaded" + Retry-After past it), and `serve --workers N` runs N ASGI
processes on one port with a single relay and subscriber set whose live feed reaches the
websockets of every worker.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import psycopg
import pytest
import redis

from apps.core.runtime.schedule import LOCK_SESSION_NAME
from tests.faults_support import (
    Answer,
    LiveFeed,
    ServeWith,
    accepted_on,
    admin_token,
    call,
    listening_on,
    poll,
)
from tests.redis_process import RedisProcess
from tests.serving import ServeProcess, serve_env

pytestmark = pytest.mark.slow

CC_CHANNEL = "mem0.recorded.cc"
SYNC_GROUP = "graph.sync"  # apps/graph/events.py: a subscriber of every module's L1 stream


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def env_for(tmp_path, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return serve_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        COS_VAR_DIR=str(tmp_path / "var"),
        COS_ADMIN_PASSWORD="a-long-test-password-7",
        COS_TEST_MODULES="1",  # the probe module and its wait/ action
        **extra,
    )


def burst(count: int, send: Callable[[], Answer]) -> list[Answer]:
    """`count` requests sent at the same moment from as many threads."""
    start = threading.Barrier(count)
    answers: list[Answer | BaseException] = [RuntimeError("not answered")] * count

    def one(index: int) -> None:
        start.wait(10)
        try:
            answers[index] = send()
        except BaseException as exc:
            answers[index] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    failed = [a for a in answers if not isinstance(a, Answer)]
    assert not failed, f"requests failed in transport: {failed}"
    return [a for a in answers if isinstance(a, Answer)]


class ConnectionWatch(threading.Thread):
    """Counts a database's sessions in pg_stat_activity every 20 ms, from a session of its own
    on another database (so it counts only the server's)."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        parts = urllib.parse.urlsplit(database_url)
        self.database = parts.path.lstrip("/")
        self.maintenance_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        self.stopping = threading.Event()
        self.peak = 0
        self.peak_sleeping = 0  # sessions running the probe's pg_sleep at once
        self.peak_rows: list[tuple[Any, ...]] = []
        self.samples = 0

    def run(self) -> None:
        query = """
            SELECT pid, application_name, backend_type, state, left(query, 80)
            FROM pg_stat_activity WHERE datname = %s AND application_name <> %s
        """
        with psycopg.connect(self.maintenance_url, autocommit=True) as connection:
            while not self.stopping.is_set():
                rows = connection.execute(query, [self.database, LOCK_SESSION_NAME]).fetchall()
                self.samples += 1
                sleeping = sum(1 for row in rows if row[3] == "active" and "pg_sleep" in row[4])
                self.peak_sleeping = max(self.peak_sleeping, sleeping)
                if len(rows) > self.peak:
                    self.peak, self.peak_rows = len(rows), rows
                self.stopping.wait(0.02)

    def stop(self) -> None:
        self.stopping.set()
        self.join(10)


def test_database_connections_stay_within_the_pool_under_a_burst(
    tmp_path, migrated_database, own_redis
):
    env = env_for(tmp_path, migrated_database, own_redis.url, DATABASE_POOL_MAX_SIZE="3")
    server = ServeProcess(env).start()
    watch = ConnectionWatch(migrated_database)
    try:
        watch.start()
        poll(lambda: watch.samples > 0, 10, "the connection watch's first sample")
        url = f"{server.url}/api/probe/items/wait/?seconds=0.3"
        started = time.monotonic()
        answers = burst(20, lambda: call("GET", url, timeout=30))
        took = time.monotonic() - started
        watch.stop()
    finally:
        watch.stop()
        output = server.stop()
    statuses = Counter(answer.status for answer in answers)
    assert statuses == {200: 20}, (statuses, [a.describe() for a in answers if a.status != 200])
    # The probe saw the burst: several requests held a connection at once...
    assert watch.peak_sleeping >= 2, (watch.peak_sleeping, watch.samples)
    # ...but the serve process (requests, relay, subscribers, periodic jobs) never held more
    # sessions than its pool allows, besides an exclusive periodic job's lock session (one of its
    # own, outside the pool: apps.core.runtime.schedule.cluster_lock).
    assert watch.peak <= 3, (watch.peak, watch.peak_rows)
    # 20 x 0.3 s of pg_sleep through at most 3 connections cannot take less than 2 s.
    assert took >= 1.9, took
    assert "Traceback" not in output, output


def ok_or_none(answer: Answer) -> Answer | None:
    return answer if answer.status == 200 else None


def test_past_the_in_flight_limit_requests_are_refused_at_once_with_503(
    tmp_path, migrated_database, own_redis
):
    env = env_for(tmp_path, migrated_database, own_redis.url, COS_MAX_IN_FLIGHT="2")
    server = ServeProcess(env).start()
    try:
        url = f"{server.url}/api/probe/items/wait/?seconds=2"
        answers = burst(12, lambda: call("GET", url, timeout=30))
        # A slot is free again once its request has finished (Django's handler still closes
        # up for a moment after the response is out).
        after, _ = poll(
            lambda: ok_or_none(call("GET", f"{server.url}/api/probe/items/wait/?seconds=0")),
            timeout=2,
            what="a request after the burst",
        )
    finally:
        output = server.stop()
    described = [a.describe() for a in answers]
    statuses = Counter(answer.status for answer in answers)
    assert set(statuses) <= {200, 503}, described  # nothing else, no 500
    # Both slots were taken by the burst (all 12 arrive while the first two still wait)...
    assert 1 <= statuses[200] <= 2, described
    refused = [answer for answer in answers if answer.status == 503]
    assert len(refused) == 12 - statuses[200], described
    for answer in refused:
        body = answer.json()
        assert body["status"] == 503 and body["code"] == "overloaded", answer.describe()
        assert body["detail"] and body["request_id"], answer.describe()
        assert answer.headers.get("content-type") == "application/json", answer.headers
        assert int(answer.headers["retry-after"]) >= 1, answer.headers
        assert answer.seconds < 1.0, answer.seconds  # refused at once, not queued
    for answer in answers:
        if answer.status == 200:
            assert answer.json() == {"waited": 2.0}
            assert answer.seconds >= 2.0
    assert after is not None and after.status == 200  # the limit frees itself
    assert "Traceback" not in output, output


# --- serve --workers 2 -------------------------------------------------------------------------


def sync_consumers(client: redis.Redis) -> list[dict[str, Any]] | None:
    """The consumers of the graph sync's group on the cc stream (None: no group yet)."""
    try:
        groups: Any = client.xinfo_groups(CC_CHANNEL)
    except redis.ResponseError:
        return None  # no stream yet
    if not any(group["name"] == SYNC_GROUP.encode() for group in groups):
        return None
    consumers: Any = client.xinfo_consumers(CC_CHANNEL, SYNC_GROUP)
    return list(consumers)


def test_serve_with_workers_shares_one_subscriber_set_and_reaches_every_websocket(
    tmp_path, migrated_database, own_redis
):
    env = env_for(tmp_path, migrated_database, own_redis.url)
    server = ServeWith(env, "--workers", "2").start()
    client = redis.Redis.from_url(own_redis.url)
    try:
        # Two worker processes, children of serve, each serving the port.
        def workers() -> list[psutil.Process]:
            found = [p for p in server.tree() if listening_on(p, server.port)]
            return found if len(found) == 2 else []

        worker_processes, _ = poll(workers, 20, "two workers listening on the port")
        assert "with 2 workers" in server.printed()
        token = admin_token(env)

        async def scenario() -> tuple[int, list[str]]:
            feeds: list[LiveFeed] = []
            try:
                # Clients until each worker holds at least one of them.
                while len(feeds) < 30:
                    feeds.append(await LiveFeed(server.port, token).open())
                    held = [accepted_on(p, server.port) for p in worker_processes]
                    if all(held):
                        break
                held = [accepted_on(p, server.port) for p in worker_processes]
                assert all(held), f"{len(feeds)} clients, per worker: {held}"
                for feed in feeds:
                    await feed.subscribe(CC_CHANNEL)
                message = f"to every worker {uuid.uuid4().hex}"
                posted = await asyncio.to_thread(
                    call, "POST", f"{server.url}/api/cc/logs/", token=token,
                    body={"message": message},
                )  # fmt: skip
                assert posted.status == 201, posted.describe()
                received = await asyncio.gather(
                    *(feed.event_with(message, timeout=15) for feed in feeds)
                )
                assert all(e["channel"] == CC_CHANNEL for e in received)
                return len(feeds), [str(h) for h in held]
            finally:
                await asyncio.gather(*(feed.close() for feed in feeds))

        _, held = asyncio.run(scenario())
        # One subscriber set for the whole serve: the graph sync's group has one consumer, the
        # serve process itself, not one per worker (each worker's live-feed hub reads without
        # a group). Watched for a few read cycles (a worker's runner would join on its first).
        poll(lambda: sync_consumers(client), 10, "the graph sync's group")
        seen: set[str] = set()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            seen |= {c["name"].decode() for c in sync_consumers(client) or []}
            time.sleep(0.25)
        serve_consumer = f"-{server.pid}"  # consumer names are <host>-<pid>
        assert len(seen) == 1 and next(iter(seen)).endswith(serve_consumer), (seen, held)
        groups: Any = client.xinfo_groups(CC_CHANNEL)
        # Every subscriber's group (the graph sync's, the knowledge sync's) has that one consumer.
        assert SYNC_GROUP.encode() in [g["name"] for g in groups], groups
        assert all(g["consumers"] == 1 for g in groups), groups
    finally:
        client.close()
        output = server.stop()
    assert server.process is not None and server.process.returncode == 0, output
    assert "COS stopped." in output, output
    assert not server.left_behind, (server.left_behind, output)
    assert "Traceback" not in output, output
