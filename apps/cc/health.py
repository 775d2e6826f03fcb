"""cc's view of Redis: latency, pool, server figures and the breaker, classified.

offline: the breaker is open or Redis does not answer; degraded: half-open, ping over 50 ms, or
a failure rate over 5 %; healthy otherwise (the original's rules, with real values).
"""

from __future__ import annotations

import time
from typing import Any

from apps.core.highway.breaker import redis_breaker
from apps.core.highway.connection import sync_redis

SLOW_PING_MS = 50.0
HIGH_FAILURE_RATE = 0.05
INFO_FIELDS = ("redis_version", "uptime_in_seconds", "connected_clients", "used_memory_human")


def classify(breaker_state: str, ping_ms: float | None, failure_rate: float) -> str:
    if breaker_state == "open" or ping_ms is None:
        return "offline"
    if breaker_state == "half_open" or ping_ms > SLOW_PING_MS or failure_rate > HIGH_FAILURE_RATE:
        return "degraded"
    return "healthy"


def redis_health() -> dict[str, Any]:
    client = sync_redis()
    breaker = redis_breaker().snapshot()
    ping_ms: float | None = None
    info: dict[str, Any] = {}
    error = None
    try:
        started = time.perf_counter()
        client.ping()
        ping_ms = round((time.perf_counter() - started) * 1000, 3)
        raw: Any = client.info()
        info = {name: raw.get(name) for name in INFO_FIELDS}
    except Exception as exc:  # reported, not raised: this is the health page
        error = f"{type(exc).__name__}: {exc}"
    pool: Any = client.connection_pool
    return {
        "status": classify(breaker["state"], ping_ms, breaker["failure_rate"]),
        "ping_ms": ping_ms,
        "error": error,
        "pool": {
            "max": pool.max_connections,
            "active": len(getattr(pool, "_in_use_connections", ())),
            "idle": len(getattr(pool, "_available_connections", ())),
        },
        "info": info,
        "breaker": breaker,
    }
