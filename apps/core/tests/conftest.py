"""Fixtures shared by core's highway tests."""

import pytest

from apps.core.highway.breaker import reset_redis_breaker
from apps.core.highway.connection import reset_clients
from apps.core.highway.relay import relay
from tests.redis_process import RedisProcess


@pytest.fixture
def breaker_recovery():
    """Seconds the breaker stays open in `own_redis` tests (override per test module)."""
    return 0.3


@pytest.fixture
def own_redis(tmp_path, settings, highway, breaker_recovery):
    """A redis-server of the test's own, stopped and restarted (empty) by the test."""
    server = RedisProcess(tmp_path).start()
    settings.REDIS_URL = server.url
    settings.COS_EVENTS = {**highway, "REDIS_TIMEOUT": 0.5, "BREAKER_RECOVERY": breaker_recovery}
    reset_redis_breaker()
    reset_clients()
    relay().backlog.clear()
    relay()._backlog_checked_at = 0.0  # the process-wide relay: no rate limit left from before
    yield server
    server.stop()
    relay().backlog.clear()
