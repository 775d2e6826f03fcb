"""The event highway end to end: an event committed in one process reaches a websocket client of
a running `serve` (a real ASGI server), through the outbox, Redis Streams and the bridge."""

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid

import pytest
import websockets
from django.conf import settings
from websockets.typing import Origin

from tests.serving import BASE_DIR, ServeProcess, serve_env

pytestmark = pytest.mark.slow


@pytest.fixture
def stack_env(tmp_path, migrated_database, redis_service):
    return serve_env(
        DATABASE_URL=migrated_database,
        REDIS_URL=settings.REDIS_URL,
        COS_VAR_DIR=str(tmp_path / "var"),
        COS_ADMIN_PASSWORD="a-long-test-password-7",
        COS_TEST_MODULES="1",
    )


def manage(env, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


PUBLISH = """
from django.db import transaction
from apps.core.highway.publisher import publish
with transaction.atomic():
    publish("probe.test.event", {{"chapter": 7}}, source="probe", channel="{channel}")
"""


def test_an_event_committed_elsewhere_reaches_a_websocket_client_of_serve(stack_env):
    server = ServeProcess(stack_env).start()
    try:
        token = manage(stack_env, "drf_create_token", "admin").stdout.split()[2]
        channel = f"probe.e2e_{uuid.uuid4().hex[:8]}"

        async def scenario() -> dict:
            url = f"ws://127.0.0.1:{server.port}/ws/events/?token={token}"
            async with websockets.connect(url, origin=Origin("http://127.0.0.1")) as ws:
                assert json.loads(await ws.recv())["type"] == "welcome"
                await ws.send(json.dumps({"action": "subscribe", "channels": ["probe.*"]}))
                assert json.loads(await ws.recv())["type"] == "subscribed"
                published = await asyncio.to_thread(
                    manage, stack_env, "shell", "-c", PUBLISH.format(channel=channel)
                )
                assert published.returncode == 0, published.stderr
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                    if message["type"] == "event":
                        return message

        message = asyncio.run(scenario())
        assert message["channel"] == channel
        assert message["event"]["data"] == {"chapter": 7}
        assert message["event"]["source"] == "probe"
    finally:
        output = server.stop()
    assert "Traceback" not in output, output


def test_runsubscribers_runs_until_sigterm_and_stops_gracefully(stack_env):
    assert manage(stack_env, "migrate", "--verbosity", "0").returncode == 0
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runsubscribers"],
        cwd=BASE_DIR, env=stack_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        deadline = time.monotonic() + 30
        line = process.stdout.readline()
        while "Running" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        # graph.sync, graph.knowledge, the probe checker (the live feed needs no subscriber)
        assert "Running 3 subscriber(s)" in line
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:  # a failed assertion above must not leave it running
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "Stopped." in output and "Traceback" not in output


def test_runsubscribers_names_unknown_subscribers(stack_env):
    result = manage(stack_env, "runsubscribers", "nope")
    assert result.returncode == 1
    known = "Known: graph.knowledge, graph.sync, probe.item-checker."
    assert f"Unknown subscriber(s): nope. {known}" in result.stderr


PUBLISH_MANY = """
from django.db import transaction
from apps.core.highway.publisher import publish
for n in range({count}):
    data = {{"n": n, "text": "x" * 2000}}
    with transaction.atomic():
        publish("probe.test.event", data, source="probe", channel="{channel}")
"""


def test_a_client_that_stops_reading_slows_neither_publishers_nor_other_clients(stack_env):
    server = ServeProcess(stack_env).start()
    count = 500  # 500 x 2 kB: far more than the socket buffers of a client that never reads
    try:
        token = manage(stack_env, "drf_create_token", "admin").stdout.split()[2]
        channel = f"probe.slow_{uuid.uuid4().hex[:8]}"
        url = f"ws://127.0.0.1:{server.port}/ws/events/?token={token}"
        subscribe = json.dumps({"action": "subscribe", "channels": ["probe.*"]})

        async def scenario() -> int:
            origin = Origin("http://127.0.0.1")
            # max_queue=1: once one message waits unread, this client stops reading its socket,
            # so the server's writes to it back up (TCP backpressure), as with a stalled device.
            # Its closing handshake cannot finish (the server's close frame waits behind what it
            # never read): it gives up after 1 s, not websockets' default 10.
            async with (
                websockets.connect(url, origin=origin, max_queue=1, close_timeout=1) as slow,
                websockets.connect(url, origin=origin) as fast,
            ):
                for ws in (slow, fast):
                    await ws.recv()
                    await ws.send(subscribe)
                    await ws.recv()
                published = await asyncio.to_thread(
                    manage, stack_env, "shell", "-c",
                    PUBLISH_MANY.format(count=count, channel=channel), timeout=120,
                )  # fmt: skip
                assert published.returncode == 0, published.stderr
                received = 0
                while received < count:
                    message = json.loads(await asyncio.wait_for(fast.recv(), timeout=20))
                    if message["type"] == "event" and message["channel"] == channel:
                        received += 1
                return received

        assert asyncio.run(scenario()) == count
    finally:
        output = server.stop()
    assert "Traceback" not in output, output
