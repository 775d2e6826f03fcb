"""Run `manage.py serve` as a real process for end-to-end tests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Self

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    # Extra subprocess.Popen options (a subclass may start serve in a process group).
    popen_options: ClassVar[dict[str, Any]] = {}

    def __init__(self, env: dict[str, str], port: int | None = None, args: tuple[str, ...] = ()):
        self.port = port or free_port()
        self.env = env
        self.args = args  # extra command-line arguments, e.g. ("--workers", "2")
        self.process: subprocess.Popen[str] | None = None
        # A file, not a pipe: nobody reads a pipe while serve runs, and a full one blocks its
        # logging, which freezes the server.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.output = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> Self:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port), *self.args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            **self.popen_options,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited early:\n{self.stop()}")
            try:
                with urllib.request.urlopen(f"{self.url}/alive", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"serve did not answer within {timeout}s:\n{self.stop()}")

    def printed(self) -> str:
        """What serve has printed so far (pread: serve's own writes keep their offset)."""
        return os.pread(self.log.fileno(), 1 << 20, 0).decode(errors="replace")

    def stop(self) -> str:
        """Ctrl-C, as a person would; returns everything serve printed."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.seek(0)
        self.output = self.log.read()
        return self.output


@contextlib.contextmanager
def scratch_database_url(migrated_for: dict[str, str] | None = None) -> Iterator[str]:
    """A database of its own on the configured PostgreSQL server (its URL), dropped afterwards.

    With `migrated_for` (a serve environment), it starts with every migration applied: a copy
    of a template database migrated once per version of the migrations (and per
    COS_TEST_MODULES), so each server a test starts does not migrate from nothing again."""
    import psycopg

    connect = _server_connection()
    name = f"cos_serve_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**connect, dbname="postgres", autocommit=True) as connection:
        if migrated_for is None:
            connection.execute(f'CREATE DATABASE "{name}"')
        else:
            # One at a time across test processes: a template being copied or built must have
            # no other user.
            connection.execute("SELECT pg_advisory_lock(hashtext('cos_test_templates'))")
            try:
                template = _migrated_template(connection, migrated_for)
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtext('cos_test_templates'))")
    try:
        yield _database_url(name)
    finally:
        with psycopg.connect(**connect, dbname="postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_connection() -> dict[str, Any]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {"host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"]}


def _database_url(name: str) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = urllib.parse.quote(db["HOST"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{db['USER']}@{host}{port}/{name}"


def _migrated_template(connection: Any, env: dict[str, str]) -> str:
    """The template for `env`, built (migrated by `manage.py migrate`) if missing. Keyed by the
    migrations' content, so changed migrations get a new template."""
    digest = hashlib.sha256(env.get("COS_TEST_MODULES", "").encode())
    for path in sorted(
        [*BASE_DIR.glob("apps/**/migrations/*.py"), *BASE_DIR.glob("tests/**/migrations/*.py")]
    ):
        digest.update(str(path.relative_to(BASE_DIR)).encode() + path.read_bytes())
    template = f"cos_template_{digest.hexdigest()[:12]}"
    found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
    if found.fetchone() is None:
        building = f"{template}_building"
        connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{building}"')
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=BASE_DIR, env={**env, "DATABASE_URL": _database_url(building)}, check=True,
            capture_output=True, timeout=300,
        )  # fmt: skip
        # Renamed only once migrated: a failed build never passes for a template.
        connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
    return template


def serve_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COS_"))}
    env.update(overrides)
    return env


def embedded_env(var_dir: Path, temp_dir: Path, **overrides: str) -> dict[str, str]:
    """serve_env with no DATABASE_URL / REDIS_URL (the embedded engines), in `var_dir`, and with
    `temp_dir` as the temporary folder: whatever the engines leave there can be seen."""
    env = serve_env(COS_VAR_DIR=str(var_dir), TMPDIR=str(temp_dir), **overrides)
    for name in ("DATABASE_URL", "REDIS_URL", "NEO4J_URL"):
        env.pop(name, None)
    return env


def processes_using(folder: Path) -> list[psutil.Process]:
    """Live processes whose command line names `folder` or whose working folder is inside it."""
    return [process for process in psutil.process_iter() if _uses(process, folder)]


def engine_servers(var_dir: Path) -> set[int]:
    """Pids of PostgreSQL's postmaster, of redis-server and of the graph server (java) on
    `var_dir` (not PostgreSQL's sessions)."""
    servers = set()
    for process in processes_using(var_dir):
        with contextlib.suppress(psutil.Error):  # a session may end meanwhile
            name = process.name()
            postmaster = name == "postgres" and process.parent().name() != name
            if name in {"redis-server", "java"} or postmaster:
                servers.add(process.pid)
    return servers


def _uses(process: psutil.Process, folder: Path) -> bool:
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        named = str(folder) in " ".join(process.cmdline())
        return named or Path(process.cwd()).is_relative_to(folder)
    except psutil.Error:  # gone meanwhile, or not ours to inspect
        return False


def wait_until(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
