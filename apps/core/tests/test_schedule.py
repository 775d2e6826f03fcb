"""Periodic jobs: an exclusive job runs one at a time across every worker process of the cluster
(a PostgreSQL advisory lock); the others run in every process."""

import asyncio
import logging
import threading

import psycopg
import pytest
from django.db import connection

from apps.core.runtime.schedule import (
    LOCK_SESSION_NAME,
    SKIPPED,
    PeriodicJob,
    lock_key,
    periodic,
    run_once,
    run_periodic,
)


@pytest.fixture
def other_worker(transactional_db):
    """A database session of its own, as another worker process has. Runs commit for real
    (transactional_db): a job's connection is closed after it, as in the worker."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as session:
        yield session


def holds_lock(session, name: str) -> bool:
    """Whether any session but `session` holds the job's lock: `session` tries, then lets go."""
    [(taken,)] = session.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(name)]).fetchall()
    if taken:
        session.execute("SELECT pg_advisory_unlock(%s)", [lock_key(name)])
    return not taken


def counting_job(exclusive: bool, name: str = "probe.counting") -> tuple[PeriodicJob, list[int]]:
    runs: list[int] = []

    def count() -> int:
        runs.append(1)
        return len(runs)

    return PeriodicJob(name, every=60, func=count, exclusive=exclusive), runs


def test_an_exclusive_run_is_skipped_while_another_worker_holds_the_lock(other_worker):
    job, runs = counting_job(exclusive=True)
    other_worker.execute("SELECT pg_advisory_lock(%s)", [lock_key(job.name)])
    assert run_once(job) is SKIPPED
    assert runs == []
    other_worker.execute("SELECT pg_advisory_unlock(%s)", [lock_key(job.name)])
    assert run_once(job) == 1


def test_a_job_that_is_not_exclusive_ignores_the_lock(other_worker):
    job, runs = counting_job(exclusive=False)
    other_worker.execute("SELECT pg_advisory_lock(%s)", [lock_key(job.name)])
    assert run_once(job) == 1
    assert runs == [1]


def test_the_lock_is_held_for_the_whole_run_and_released_after_it(other_worker):
    started, finish = threading.Event(), threading.Event()
    results: list[object] = []

    def slow() -> str:
        started.set()
        assert finish.wait(10)
        return "done"

    job = PeriodicJob("probe.slow", every=60, func=slow, exclusive=True)
    first = threading.Thread(target=lambda: results.append(run_once(job)))
    first.start()
    try:
        assert started.wait(10)
        assert holds_lock(other_worker, job.name)
        # ...on a session of its own, named so (it is not one of the pool's sessions).
        holders = other_worker.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"
        ).fetchall()
        assert holders == [(LOCK_SESSION_NAME,)]
        assert run_once(job) is SKIPPED  # a second worker, while the first one runs
    finally:
        finish.set()
        first.join(10)
    assert results == ["done"]
    assert not holds_lock(other_worker, job.name)


def test_a_failing_run_releases_the_lock(other_worker):
    def fail() -> None:
        raise RuntimeError("the job broke")

    job = PeriodicJob("probe.failing", every=60, func=fail, exclusive=True)
    with pytest.raises(RuntimeError, match="the job broke"):
        run_once(job)
    assert not holds_lock(other_worker, job.name)


def test_jobs_lock_keys_differ_and_stay_the_same_in_every_process():
    assert lock_key("core.prune_delivered_outbox") == lock_key("core.prune_delivered_outbox")
    assert lock_key("core.prune_delivered_outbox") != lock_key("cc.clean_expired_notes")
    assert lock_key("cc.clean_expired_notes") == 1752480626537990053  # a stable hash, not hash()


def test_the_worker_logs_a_skipped_run(other_worker, caplog):
    job, runs = counting_job(exclusive=True, name="probe.logged")
    other_worker.execute("SELECT pg_advisory_lock(%s)", [lock_key(job.name)])

    async def run_until_skipped() -> None:
        stopping = asyncio.Event()
        task = asyncio.create_task(run_periodic(stopping, [job]))
        for _ in range(200):
            if SKIPPED in caplog.text:
                break
            await asyncio.sleep(0.02)
        stopping.set()
        await task

    with caplog.at_level(logging.INFO, logger="apps.core.runtime.schedule"):
        asyncio.run(run_until_skipped())
    assert f"Periodic job probe.logged: {SKIPPED}" in caplog.text
    assert runs == []


def test_periodic_registers_the_exclusive_flag_and_keeps_the_function():
    def probe_job(batch: int = 3) -> int:
        return batch

    registered = periodic(every=5, name="probe.registered", exclusive=True)(probe_job)
    assert registered is probe_job
    from apps.core.runtime import schedule

    try:
        assert schedule._jobs["probe.registered"] == PeriodicJob(
            "probe.registered", 5, probe_job, exclusive=True
        )
    finally:
        del schedule._jobs["probe.registered"]
