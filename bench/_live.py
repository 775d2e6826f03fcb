"""Helpers for the live-feed benchmarks: a running `serve` and an agent token."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.serving import ServeProcess, free_port, serve_env


def start_serve(args: tuple[str, ...] = (), **extra_env: str) -> ServeProcess:
    warn_of_backlog()
    env = serve_env(
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
        COS_VAR_DIR=tempfile.mkdtemp(prefix="cos-bench-"),
        COS_ADMIN_PASSWORD=secrets.token_urlsafe(16),
        COS_TEST_MODULES="1",
        LOG_LEVEL="WARNING",
        **extra_env,
    )
    return ServeProcess(env, args=args).start()


def agent_token() -> str:
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    admin = User.objects.get(username="admin")
    return Token.objects.get_or_create(user=admin)[0].key


@contextlib.contextmanager
def raw_broadcast_server() -> Iterator[str]:
    """bench/_raw_broadcast.py running (the raw websocket floor); its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_raw_broadcast.py")), str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)


def warn_of_backlog() -> None:
    """Say so when events wait for subscriber groups (left by earlier runs: bench/log_l1.py
    writes thousands of mem0.recorded events): `serve`'s subscribers would catch up on them
    during the measurement and weigh on it. Nothing is skipped: they may be someone's data."""
    import redis
    from django.conf import settings

    from apps.core.highway.streams import CHANNELS_KEY, decode

    client = redis.Redis.from_url(settings.REDIS_URL)
    waiting = 0
    for channel in client.smembers(CHANNELS_KEY):
        with contextlib.suppress(redis.ResponseError):  # a stream without groups
            groups: Any = client.xinfo_groups(decode(channel))
            waiting += sum((group.get("lag") or 0) + group["pending"] for group in groups)
    if waiting:
        print(
            f"  note: {waiting} event(s) wait for subscriber groups in this Redis database;"
            " serve will handle them during the run (an empty database gives clean figures)"
        )
