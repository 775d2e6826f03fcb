"""Pooled connections are checked (a round trip) only after IDLE_CHECK_S idle, not per request."""

import time

import psutil
import psycopg
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
        # Stamped when opened (or last returned): a moment of this process' past, however long
        # the connection has waited in the pool since.
        process_age = time.time() - psutil.Process().create_time()
        assert 0 <= time.monotonic() - raw._cos_idle_since <= process_age + 1
    finally:
        pool.putconn(raw)


def other_backends(control) -> int:
    row = control.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchone()
    return int(row[0])


def end_every_other_session(control) -> None:
    """What a PostgreSQL shutdown or restart does to the pooled connections of a server."""
    control.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 10
    while other_backends(control) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert other_backends(control) == 0


@pytest.mark.django_db(transaction=True)
def test_a_page_that_queries_nothing_answers_503_when_its_pooled_connection_is_dead(
    client, monkeypatch
):
    """The login form (no session: no query) on a connection the pool lends unchecked, its
    server session ended a moment ago: 503, not the form; then the form once replaced."""
    if connection.pool is None:  # type: ignore[attr-defined]
        pytest.skip("DATABASE_POOL is off")
    # Every pooled connection counts as used a moment ago: the pool lends it unchecked.
    monkeypatch.setattr(base, "IDLE_CHECK_S", 3600.0)
    assert client.get("/admin/login/").status_code == 200  # positive control
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        autocommit=True,
    ) as control:
        end_every_other_session(control)
    response = client.get("/admin/login/")
    assert response.status_code == 503, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"].isdigit()
    assert response.json()["code"] == "database_unavailable"
    # The dead connections are discarded, not lent again: the form comes back.
    deadline = time.monotonic() + 10
    while client.get("/admin/login/").status_code != 200:
        assert time.monotonic() < deadline, "the login form never came back"
        time.sleep(0.05)
