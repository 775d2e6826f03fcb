"""Pooled connections are checked (a round trip) only after IDLE_CHECK_S idle, not per request."""

import time

import pytest
from django.db import connection

from apps.core.db.postgres import base


class Recorder:
    autocommit = True

    def __init__(self, idle_for: float) -> None:
        self.statements: list[str] = []
        self._cos_idle_since = time.monotonic() - idle_for

    def execute(self, sql: str) -> None:
        self.statements.append(sql)


def test_a_connection_used_a_moment_ago_is_not_checked():
    used = Recorder(idle_for=0.0)
    base.check_after_idle(used)
    assert used.statements == []


def test_a_connection_idle_longer_is_checked():
    idle = Recorder(idle_for=base.IDLE_CHECK_S + 0.5)
    base.check_after_idle(idle)
    assert idle.statements == [""]


@pytest.mark.django_db
def test_the_pool_checks_by_idle_time_and_stamps_returned_connections():
    pool = connection.pool  # type: ignore[attr-defined]
    if pool is None:
        pytest.skip("DATABASE_POOL is off")
    assert pool._check is base.check_after_idle
    raw = pool.getconn()
    try:
        assert time.monotonic() - raw._cos_idle_since < 60  # stamped when opened
    finally:
        pool.putconn(raw)
