"""`manage.py serve`, the first README command, run as a real process."""

import asyncio
import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import websockets
from django.conf import settings
from websockets.typing import Origin

from tests.serving import (
    BASE_DIR,
    ServeProcess,
    embedded_env,
    engine_servers,
    processes_using,
    serve_env,
    wait_until,
)

pytestmark = pytest.mark.slow


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def admin_login(base_url: str, password: str) -> tuple[str, str]:
    """Log in through the admin form; return the admin index page and the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/admin/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page[:500]
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token[1],
            "username": "admin",
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/admin/login/", data=form, headers={"Referer": f"{base_url}/admin/login/"}
    )
    page = opener.open(request, timeout=10).read().decode()
    return page, "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def test_serve_on_configured_services(tmp_path, scratch_database, redis_service):
    env = serve_env(
        DATABASE_URL=scratch_database,
        REDIS_URL=settings.REDIS_URL,
        COS_VAR_DIR=str(tmp_path / "var"),
        COS_ADMIN_PASSWORD="a-long-test-password-7",
        COS_TEST_MODULES="1",
    )
    server = ServeProcess(env).start()
    try:
        assert get_json(f"{server.url}/alive")[0] == 200
        status, health = get_json(f"{server.url}/health")
        assert status == 200, health
        dashboard, cookie = admin_login(server.url, "a-long-test-password-7")
        assert 'class="cc-dashboard"' in dashboard and 'data-module="probe"' in dashboard

        async def echo() -> dict:
            async with websockets.connect(
                f"ws://127.0.0.1:{server.port}/ws/probe/echo/",
                origin=Origin("http://127.0.0.1"),
                additional_headers={"Cookie": cookie},  # the admin's session
            ) as ws:
                await ws.send(json.dumps({"n": 1}))
                return json.loads(await ws.recv())

        assert asyncio.run(echo()) == {"echo": {"n": 1}}

        second = subprocess.run(
            [sys.executable, "manage.py", "serve", "--port", "1"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert "COS is already being served from" in second.stderr
        assert "Traceback" not in second.stderr
        assert get_json(f"{server.url}/alive")[0] == 200  # the first one is untouched
    finally:
        output = server.stop()
    assert server.process is not None and server.process.returncode == 0, output
    assert "COS stopped." in output and "Traceback" not in output
    assert "password:" not in output  # COS_ADMIN_PASSWORD given: nothing to reveal


def test_serve_with_no_urls_runs_embedded_engines_and_stops_them(tmp_path):
    """Used or idle, serve stops what it started: no engine process, no temporary folder."""
    var_dir, temp_dir = tmp_path / "var", tmp_path / "tmp"
    temp_dir.mkdir()
    env = embedded_env(var_dir, temp_dir)
    server = ServeProcess(env).start(timeout=120)
    try:
        status, health = get_json(f"{server.url}/health")
        assert status == 200, health
        assert (var_dir / "postgres" / "PG_VERSION").exists()
        assert len(engine_servers(var_dir)) == 3  # PostgreSQL, Redis and the graph server
        password = re.search(r"Created superuser 'admin' with password: (\S+)", server.printed())
        assert password and len(password[1]) >= 12, server.printed()
        second_process_joins_and_leaves(env)
        use_the_app(server, password[1])
    finally:
        output = server.stop()
    assert server.process is not None and server.process.returncode == 0, output
    assert processes_using(var_dir) == []
    assert list(temp_dir.iterdir()) == []

    # The data are reused: a second run finds the admin and does not print a password again.
    server = ServeProcess(env).start(timeout=120)
    assert "cc-dashboard" in admin_login(server.url, password[1])[0]
    output = server.stop()
    assert "Created superuser" not in output
    assert processes_using(var_dir) == []
    assert list(temp_dir.iterdir()) == []


JOINING_SHELL = """
import redis
from django.conf import settings
from django.contrib.auth.models import User
admin = User.objects.filter(username="admin").exists()
print(admin, redis.Redis.from_url(settings.REDIS_URL).ping())
"""


def second_process_joins_and_leaves(env: dict[str, str]) -> None:
    """A `manage.py shell` beside serve uses serve's engines; leaving, it leaves them running."""
    var_dir = Path(env["COS_VAR_DIR"])
    servers = engine_servers(var_dir)
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", JOINING_SHELL],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.splitlines()[-1] == "True True"  # serve's admin, a Redis that answers
    assert engine_servers(var_dir) == servers  # joined: none started, none stopped


def use_the_app(server: ServeProcess, password: str) -> None:
    """What keeps engine connections open in serve: the admin, an API write, a live feed."""
    dashboard, cookie = admin_login(server.url, password)
    assert 'class="cc-dashboard"' in dashboard
    csrf = re.search(r"csrftoken=([^;]+)", cookie)
    assert csrf, cookie

    def write_log() -> int:
        request = urllib.request.Request(
            f"{server.url}/api/cc/logs/",
            data=json.dumps(
                {"message": "Drafted chapter 3", "event_type": "chapter.drafted"}
            ).encode(),
            headers={"Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": csrf[1]},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    async def live_feed() -> dict:
        async with websockets.connect(
            f"ws://127.0.0.1:{server.port}/ws/events/",
            origin=Origin("http://127.0.0.1"),
            additional_headers={"Cookie": cookie},
        ) as ws:
            assert json.loads(await ws.recv())["type"] == "welcome"
            await ws.send(json.dumps({"action": "subscribe", "channels": ["mem0.recorded.*"]}))
            assert json.loads(await ws.recv())["type"] == "subscribed"
            assert await asyncio.to_thread(write_log) == 201
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
                if message["type"] == "event":
                    return message

    event = asyncio.run(live_feed())
    assert event["channel"] == "mem0.recorded.cc"
    # serve's own subscriber carries the log into the graph, where the graph API finds it.
    base_log_id = event["event"]["base_log_id"]

    def graph_node() -> list:
        request = urllib.request.Request(
            f"{server.url}/api/graph/nodes/?label=LogEntry&log_id={base_log_id}",
            headers={"Cookie": cookie},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["results"]

    assert wait_until(graph_node, timeout=30), "the log never reached the graph"
    assert graph_node()[0]["labels"] == ["LogEntry", "cc"]
