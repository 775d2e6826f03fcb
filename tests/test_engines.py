"""The embedded engines (apps/core/runtime/engines.py): whatever COS starts, it stops, however it
ends.

Each test runs COS processes with no DATABASE_URL / REDIS_URL on a var folder of its own and a
temporary folder of its own, and checks that no engine process and no temporary folder remain.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.serving import BASE_DIR, embedded_env, engine_servers, processes_using, wait_until

pytestmark = pytest.mark.slow

# A COS process: it joins or starts the engines, says where they are, waits for its stdin to
# close, checks that the engines still answer it, and exits without calling stop().
USER = """
import os, sys
from apps.core.runtime import engines
graph = os.environ.get("WITH_GRAPH") == "1"
engines.provide(graph="graph" if graph else None)
print("URLS", os.environ["DATABASE_URL"], os.environ["REDIS_URL"], flush=True)
sys.stdin.read()
import psycopg, redis
psycopg.connect(os.environ["DATABASE_URL"]).execute("SELECT 1")
redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
if graph:
    from apps.core.runtime.graph_server import bolt_driver
    with bolt_driver(os.environ["NEO4J_URL"]) as driver, driver.session() as session:
        session.run("RETURN 1").consume()
print("ANSWERED", flush=True)
"""
# The graph server (a JVM) starts in the tests that say so: the others are about the mechanism.


class CosProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", USER],
            cwd=BASE_DIR, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.urls = self._read_until("URLS")

    def _read_until(self, marker: str) -> list[str]:
        assert self.process.stdout is not None
        printed = []
        for line in self.process.stdout:
            if line.startswith(marker):
                return line.split()[1:]
            printed.append(line)
        raise AssertionError(f"no {marker} line:\n{''.join(printed)}")

    def leave(self) -> None:
        """Let it finish, as a command does: the engines must still have answered it."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self._read_until("ANSWERED")
        assert self.process.wait(timeout=60) == 0

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """One var folder for the module: its cluster is created once."""
    return tmp_path_factory.mktemp("engines") / "var"


@pytest.fixture
def temp_dir(tmp_path) -> Path:
    (tmp_path / "tmp").mkdir()
    return tmp_path / "tmp"


@pytest.fixture
def env(var_dir, temp_dir) -> dict[str, str]:
    return embedded_env(var_dir, temp_dir)


def nothing_left(var_dir: Path, temp_dir: Path) -> None:
    assert processes_using(var_dir) == []
    assert list(temp_dir.iterdir()) == []


def test_a_process_that_exits_stops_the_engines_it_started(env, var_dir, temp_dir):
    user = CosProcess({**env, "WITH_GRAPH": "1"})
    assert len(engine_servers(var_dir)) == 3  # PostgreSQL, Redis and the graph server
    user.leave()
    nothing_left(var_dir, temp_dir)


def test_the_engines_stop_when_their_last_user_is_killed(env, var_dir, temp_dir):
    user = CosProcess({**env, "WITH_GRAPH": "1"})
    assert len(engine_servers(var_dir)) == 3
    user.kill()  # SIGKILL: nothing of it runs any more
    assert wait_until(lambda: not processes_using(var_dir), timeout=30), processes_using(var_dir)
    nothing_left(var_dir, temp_dir)


def test_a_second_process_joins_and_the_last_to_leave_stops_them(env, var_dir, temp_dir):
    first = CosProcess(env)
    servers = engine_servers(var_dir)
    second = CosProcess(env)
    assert second.urls == first.urls
    assert engine_servers(var_dir) == servers  # joined: nothing more started

    first.leave()  # the one that started them goes first
    assert engine_servers(var_dir) == servers
    second.leave()
    nothing_left(var_dir, temp_dir)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_an_engine_dies_with_its_supervisor(env, var_dir, temp_dir):
    user = CosProcess(env)
    servers = engine_servers(var_dir)
    supervisors = {parent.pid for pid in servers if (parent := psutil.Process(pid).parent())}
    assert len(supervisors) == 2 and not supervisors & {user.process.pid}
    for pid in supervisors:
        psutil.Process(pid).send_signal(signal.SIGKILL)
    assert wait_until(lambda: not engine_servers(var_dir), timeout=30)
    user.kill()
    nothing_left(var_dir, temp_dir)


def test_a_pytest_session_stops_the_engines_it_started(env, var_dir, temp_dir, tmp_path):
    # A websocket test reads the database from another thread: its connection must not keep
    # the test database from being dropped either.
    # Without DJANGO_SETTINGS_MODULE, as from a shell: given, pytest-django would set Django up
    # before the root conftest provides the engines.
    env = {name: value for name, value in env.items() if name != "DJANGO_SETTINGS_MODULE"}
    env["COS_REQUIRE_SERVICES"] = "1"  # an engine a worker cannot reach fails it, not skips
    session = subprocess.run(
        [
            # As `uv run pytest` runs: a controller and two xdist workers, each joining the
            # engines. pytest's own folders go elsewhere: the temporary folder must stay empty.
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--basetemp={tmp_path / 'pytest'}",
            "apps/core/tests/test_mounting.py::"
            "test_module_websockets_need_a_user_with_the_modules_view_permission",
        ],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert session.returncode == 0, session.stdout + session.stderr
    assert "Error when trying to teardown test databases" not in session.stdout, session.stdout
    nothing_left(var_dir, temp_dir)


def test_a_socket_folder_that_is_a_link_is_refused(tmp_path):
    """A predictable folder under /tmp could be planted by another user."""
    from apps.core.runtime.engines import _private_dir

    target = tmp_path / "elsewhere"
    target.mkdir()
    planted = tmp_path / "cos-socket"
    planted.symlink_to(target)
    with pytest.raises(RuntimeError, match="not this user's folder"):
        _private_dir(planted)
    own = tmp_path / "own"
    _private_dir(own)
    assert own.stat().st_mode & 0o777 == 0o700
