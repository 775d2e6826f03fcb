"""Deep health: each engine COS depends on, checked for real, with latency."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import redis
from django.conf import settings
from django.db import connection

PART_STATUSES = ("up", "down")


@dataclass(frozen=True)
class PartHealth:
    name: str
    status: str  # one of PART_STATUSES
    latency_ms: float
    required: bool = True
    error: str | None = None

    @property
    def up(self) -> bool:
        return self.status == "up"

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        if data["error"] is None:
            del data["error"]
        return data


def _timed(name: str, probe: Callable[[], object], required: bool = True) -> PartHealth:
    started = time.perf_counter()
    error: str | None = None
    try:
        probe()
    except Exception as exc:  # any failure of a probe is what we report, not raise
        error = f"{type(exc).__name__}: {exc}"
    status = "up" if error is None else "down"
    latency = round((time.perf_counter() - started) * 1000, 3)
    return PartHealth(name, status, latency, required, error)


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping_redis() -> None:
    timeout = settings.COS_HEALTH_TIMEOUT
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()


def _ping_graph() -> None:
    from apps.core.runtime.graph_server import bolt_driver

    # A driver of its own, with the probe's timeout: a busy pool must not hide a live server.
    timeout = settings.COS_HEALTH_TIMEOUT
    driver = bolt_driver(
        settings.NEO4J_URL, connection_timeout=timeout, max_transaction_retry_time=0
    )
    try:
        with driver.session() as session:
            session.run("RETURN 1").consume()
    finally:
        driver.close()


def check_module(code: str) -> PartHealth:
    """Run one module's own health check (raises LookupError for an unknown module)."""
    from apps.core.modules.registry import get_module_config

    config = get_module_config(code)
    return _timed(code, config.health_check)


def check_modules() -> list[PartHealth]:
    from apps.core.modules.registry import modules

    return [check_module(definition.code) for definition in modules()]


def check_parts() -> list[PartHealth]:
    parts = [_timed("database", _ping_database), _timed("redis", _ping_redis)]
    if settings.NEO4J_URL:
        parts.append(_timed("graph", _ping_graph))
    return parts


def overall_status(parts: list[PartHealth]) -> str:
    return "ok" if all(part.up for part in parts if part.required) else "unavailable"
