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

import psutil
import pytest
import websockets
from django.conf import settings
from websockets.typing import Origin

from tests.serving import BASE_DIR, ServeProcess, serve_env

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
    var_dir = tmp_path / "var"
    env = serve_env(COS_VAR_DIR=str(var_dir))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    server = ServeProcess(env).start(timeout=120)
    try:
        status, health = get_json(f"{server.url}/health")
        assert status == 200, health
        assert (var_dir / "postgres" / "PG_VERSION").exists()
        redis_registry = json.loads((var_dir / "redis" / "cos.rdb.settings").read_text())
        redis_pid = int(Path(redis_registry["pidfile"]).read_text())
        assert psutil.pid_exists(redis_pid)
    finally:
        output = server.stop()
    assert server.process is not None and server.process.returncode == 0, output
    password = re.search(r"Created superuser 'admin' with password: (\S+)", output)
    assert password and len(password[1]) >= 12, output
    assert not (var_dir / "postgres" / "postmaster.pid").exists()  # PostgreSQL stopped
    assert not psutil.pid_exists(redis_pid)  # Redis stopped

    # The data are reused: a second run finds the admin and does not print a password again.
    server = ServeProcess(env).start(timeout=120)
    assert "cc-dashboard" in admin_login(server.url, password[1])[0]
    output = server.stop()
    assert "Created superuser" not in output
