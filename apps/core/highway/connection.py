"""Redis clients for the highway: one pool per URL, with the operation timeout from settings."""

from __future__ import annotations

import threading
from functools import cache

import redis
import redis.asyncio
from django.conf import settings

_lock = threading.Lock()


@cache
def _sync_client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


def sync_redis() -> redis.Redis:
    with _lock:
        return _sync_client(settings.REDIS_URL, settings.COS_EVENTS["REDIS_TIMEOUT"])


def async_redis(read_timeout: float | None = None) -> redis.asyncio.Redis:
    """A new asyncio client: asyncio pools belong to one event loop, so they are not shared.
    `read_timeout`: how long a reply may take (default: the operation timeout plus 10 s, for
    reads that block a few seconds, such as XREADGROUP BLOCK)."""
    timeout = settings.COS_EVENTS["REDIS_TIMEOUT"]
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=read_timeout if read_timeout is not None else timeout + 10,
        socket_connect_timeout=timeout,
    )


def reset_clients() -> None:
    """Drop cached clients (settings changed; tests)."""
    with _lock:
        _sync_client.cache_clear()
