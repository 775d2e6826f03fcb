"""Issue 9, "survive faults": a real `manage.py serve` while its PostgreSQL or its Redis goes
away and comes back, each engine a real server the test owns (tests/postgres_process.py,
tests/redis_process.py), serve never restarted.

PostgreSQL down: every endpoint answers a JSON 503 with Retry-After (never a 500 or an HTML
page); back up: writes succeed again and a sync subscriber handles new events. Redis restarted
empty: the outbox backlog drains within seconds (not after the breaker's 30 s), subscribers
recreate their consumer groups, and the live feed works for old and new websockets.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import psycopg
import pytest
import redis

from tests.faults_support import Answer, LiveFeed, admin_token, call, poll
from tests.postgres_process import PostgresProcess
from tests.redis_process import RedisProcess
from tests.serving import ServeProcess, serve_env

pytestmark = pytest.mark.slow

CC_CHANNEL = "mem0.recorded.cc"
PASSWORD = "a-long-test-password-7"
SCRAPE_TOKEN = "a-scrape-token-for-monitors"  # COS_METRICS_TOKEN of the servers started here


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisProcess]:
    (tmp_path / "redis").mkdir()
    server = RedisProcess(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_postgres(tmp_path) -> Iterator[PostgresProcess]:
    server = PostgresProcess(tmp_path / "postgres")
    try:
        yield server.start()
    finally:
        server.remove()


def env_for(tmp_path, database_url: str, redis_url: str) -> dict[str, str]:
    return serve_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        COS_VAR_DIR=str(tmp_path / "var"),
        COS_ADMIN_PASSWORD=PASSWORD,
        COS_TEST_MODULES="1",
        COS_METRICS_TOKEN=SCRAPE_TOKEN,
    )


def concurrently(*requests: tuple[str, str, dict[str, Any]]) -> dict[str, Answer]:
    """Each (label, method+url, call kwargs) at once from its own thread; answers by label."""
    answers: dict[str, Any] = {}

    def one(label: str, target: str, kwargs: dict[str, Any]) -> None:
        method, url = target.split(" ", 1)
        try:
            answers[label] = call(method, url, timeout=30, **kwargs)
        except Exception as exc:
            answers[label] = exc

    threads = [threading.Thread(target=one, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(40)
    failed = {label: a for label, a in answers.items() if not isinstance(a, Answer)}
    assert not failed and len(answers) == len(requests), failed
    return answers


# --- PostgreSQL goes away and comes back ------------------------------------------------------


def item_checked(database_url: str, item_id: int) -> bool:
    with psycopg.connect(database_url, connect_timeout=2) as connection:
        row = connection.execute("SELECT checked FROM probe.item WHERE id = %s", [item_id])
        found = row.fetchone()
    return bool(found and found[0])


def unavailable_problems(label: str, answer: Answer) -> list[str]:
    """How `answer` differs from "the database is unavailable, retry later" (none: it doesn't)."""
    problems = []
    seen = f"{label}: {answer.describe()} after {answer.seconds:.1f} s"
    if answer.status != 503:
        problems.append(f"{seen}: status is not 503")
    if not answer.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"{seen}: not JSON")
    if not answer.headers.get("retry-after", "").isdigit():
        problems.append(f"{seen}: no Retry-After")
    if b"Traceback" in answer.body:
        problems.append(f"{seen}: a traceback")
    # No request waits long: at most the pool's wait for a connection (5 s), plus slack.
    if answer.seconds >= 10:
        problems.append(f"{seen}: too slow")
    if problems:
        return problems
    body = answer.json()
    if label == "health":  # its own shape: the parts and what fails
        if not (
            body["status"] == "unavailable"
            and body["parts"]["database"]["status"] == "down"
            and "database" in body["failing"]
        ):
            problems.append(f"{seen}: not the health of a missing database")
    elif not (body["status"] == 503 and body["code"] == "database_unavailable"):
        problems.append(f"{seen}: not the database_unavailable error")
    return problems


def test_while_postgresql_is_down_every_endpoint_answers_503_and_serve_recovers(
    tmp_path, own_postgres, own_redis
):
    database_url = own_postgres.create_database("cos_faults")
    env = env_for(tmp_path, database_url, own_redis.url)
    server = ServeProcess(env).start()
    logs = f"{server.url}/api/cc/logs/"
    items = f"{server.url}/api/probe/items/"
    try:
        token = admin_token(env)
        auth: dict[str, Any] = {"token": token}

        # Before: the sync subscriber (probe's ItemChecker) handles a created item.
        created = call("POST", items, body={"title": "before"}, **auth)
        assert created.status == 201, created.describe()
        poll(lambda: item_checked(database_url, created.json()["id"]), 10, "item checked")

        own_postgres.stop()
        down = concurrently(
            ("list logs", f"GET {logs}", auth),
            ("write a log", f"POST {logs}", {**auth, "body": {"message": "x"}}),
            ("status", f"GET {server.url}/status", auth),
            ("metrics", f"GET {server.url}/metrics", auth),
            # Users can't be checked without the database: the scrape token shows the detail.
            ("health", f"GET {server.url}/health", {"bearer": SCRAPE_TOKEN}),
            ("admin login", f"GET {server.url}/admin/login/", {}),
        )
        problems = [
            p for label, answer in down.items() for p in unavailable_problems(label, answer)
        ]
        assert not problems, "\n".join(problems)
        assert server.process is not None and server.process.poll() is None  # still serving

        own_postgres.start()  # same port, same data; serve is not restarted

        def wrote() -> Answer | None:
            answer = call("POST", logs, body={"message": "after the outage"}, **auth)
            assert answer.status in (201, 503), answer.describe()  # nothing else meanwhile
            return answer if answer.status == 201 else None

        poll(wrote, 15, "POST /api/cc/logs/ answering 201 again", interval=0.25)
        listed = call("GET", logs, **auth)
        assert listed.status == 200, listed.describe()
        assert b"after the outage" in listed.body
        assert call("GET", f"{server.url}/health").status == 200

        # After: the same subscriber, never restarted, handles a new item.
        created = call("POST", items, body={"title": "after"}, **auth)
        assert created.status == 201, created.describe()
        poll(lambda: item_checked(database_url, created.json()["id"]), 10, "new item checked")
    finally:
        output = server.stop()
    assert server.process is not None and server.process.returncode == 0, output
    assert "COS stopped." in output, output


# --- Redis restarted empty --------------------------------------------------------------------


def undelivered(database_url: str) -> int:
    with psycopg.connect(database_url, connect_timeout=2) as connection:
        row = connection.execute("SELECT count(*) FROM core.outbox WHERE delivered_at IS NULL")
        found = row.fetchone()
    assert found is not None
    return int(found[0])


def stream_messages(client: redis.Redis, channel: str) -> list[str]:
    """The `message` of every L1 log event on `channel`'s stream, in stream order."""
    entries: Any = client.xrange(channel)
    return [orjson.loads(fields[b"event"])["data"]["message"] for _, fields in entries]


def test_redis_restarted_empty_the_backlog_drains_and_the_live_feed_resumes(
    tmp_path, migrated_database, own_redis
):
    env = env_for(tmp_path, migrated_database, own_redis.url)  # the breaker's defaults: 30 s open
    server = ServeProcess(env).start()
    logs = f"{server.url}/api/cc/logs/"
    client = redis.Redis.from_url(own_redis.url, socket_timeout=5)
    try:
        token = admin_token(env)
        tag = uuid.uuid4().hex[:8]

        def post(message: str) -> Answer:
            return call("POST", logs, token=token, body={"message": message})

        async def scenario() -> None:
            old = await LiveFeed(server.port, token).open()
            new: LiveFeed | None = None
            try:
                await old.subscribe(CC_CHANNEL)
                first = await asyncio.to_thread(post, f"before {tag}")
                assert first.status == 201, first.describe()
                await old.event_with(f"before {tag}", timeout=10)

                await asyncio.to_thread(own_redis.stop)
                during = [f"during {n} {tag}" for n in range(5)]
                for message in during:
                    answer = await asyncio.to_thread(post, message)
                    assert answer.status == 201, answer.describe()
                    assert answer.seconds < 10, answer.seconds
                assert await asyncio.to_thread(undelivered, migrated_database) >= 5

                await asyncio.to_thread(own_redis.start)  # empty: no persistence, same port
                await asyncio.to_thread(
                    poll, lambda: undelivered(migrated_database) == 0, 10,
                    "the outbox emptied after Redis came back",
                )  # fmt: skip
                on_stream = await asyncio.to_thread(stream_messages, client, CC_CHANNEL)
                assert on_stream == during, on_stream  # all five, in commit order, nothing else

                # A new socket's first subscribe after the restart keeps it open.
                new = await LiveFeed(server.port, token).open()
                subscribed = await new.subscribe(CC_CHANNEL)
                assert subscribed["channels"] == [CC_CHANNEL]
                await new.ws.send('{"action": "ping"}')
                await new.next(lambda m: m["type"] == "pong", timeout=5)
                assert new.is_open

                # Subscribers recreated their groups: the bridge carries a new event to the new
                # socket, and to the old one, open across the whole outage.
                last = await asyncio.to_thread(post, f"after {tag}")
                assert last.status == 201, last.describe()
                # (The hub's read after the restart waits up to a retry, 0.2-5 s.)
                await new.event_with(f"after {tag}", timeout=12)
                assert old.is_open, old.ws.close_code
                await old.event_with(f"after {tag}", timeout=12)
            finally:
                await old.close()
                if new is not None:
                    await new.close()

        asyncio.run(scenario())

        def settled() -> dict[str, Any] | None:
            outbox = call("GET", f"{server.url}/status", token=token).json()["events"]["outbox"]
            return outbox if outbox == {"backlog": False, "pending": 0} else None

        poll(settled, 5, "/status: no backlog, nothing pending")
    finally:
        client.close()
        output = server.stop()
    assert server.process is not None and server.process.returncode == 0, output
    assert "COS stopped." in output, output
