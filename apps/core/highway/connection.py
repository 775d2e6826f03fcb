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


def async_redis() -> redis.asyncio.Redis:
    """A new asyncio client: asyncio pools belong to one event loop, so they are not shared."""
    timeout = settings.COS_EVENTS["REDIS_TIMEOUT"]
    # Reads block for up to a few seconds (XREADGROUP BLOCK): the socket may wait that long more.
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout + 10, socket_connect_timeout=timeout
    )


def reset_clients() -> None:
    """Drop cached clients (settings changed; tests)."""
    with _lock:
        _sync_client.cache_clear()
