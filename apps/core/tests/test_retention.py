"""Delivered outbox rows are pruned after the retention period; undelivered rows never are."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.highway.retention import PRUNE_EVERY, prune_delivered_outbox
from apps.core.models import OutboxEntry
from apps.core.runtime.schedule import SKIPPED, jobs, lock_key, run_once

pytestmark = pytest.mark.django_db
HOUR = 3600.0
JOB_NAME = "core.prune_delivered_outbox"


def outbox_row(delivered_ago: float | None, created_ago: float = 0) -> OutboxEntry:
    now = timezone.now()
    entry = OutboxEntry.objects.create(
        event_id=uuid.uuid4(),
        channel="probe.retention",
        payload=b"{}",
        delivered_at=None if delivered_ago is None else now - timedelta(seconds=delivered_ago),
    )
    # created_at is set on insert (auto_now_add): age it afterwards.
    OutboxEntry.objects.filter(pk=entry.pk).update(created_at=now - timedelta(seconds=created_ago))
    return entry


def remaining(*entries: OutboxEntry) -> set[int]:
    return set(
        OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("pk", flat=True)
    )


@pytest.fixture
def retention(settings):
    settings.COS_EVENTS = {**django_settings.COS_EVENTS, "OUTBOX_RETENTION": 24 * HOUR}
    return settings.COS_EVENTS


def test_rows_delivered_before_the_retention_period_go_and_the_others_stay(retention):
    old = [outbox_row(delivered_ago=25 * HOUR, created_ago=25 * HOUR) for _ in range(3)]
    young = outbox_row(delivered_ago=23 * HOUR, created_ago=25 * HOUR)
    undelivered = outbox_row(delivered_ago=None, created_ago=30 * 24 * HOUR)

    assert prune_delivered_outbox() == 3
    assert remaining(*old, young, undelivered) == {young.pk, undelivered.pk}
    assert prune_delivered_outbox() == 0


def test_the_retention_period_comes_from_the_setting(retention):
    retention["OUTBOX_RETENTION"] = HOUR
    stale = outbox_row(delivered_ago=2 * HOUR)
    fresh = outbox_row(delivered_ago=HOUR / 2)
    assert prune_delivered_outbox() == 1
    assert remaining(stale, fresh) == {fresh.pk}


def test_rows_are_deleted_in_bounded_batches_oldest_first(retention):
    rows = [outbox_row(delivered_ago=(30 - n) * HOUR) for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        assert prune_delivered_outbox(batch=2) == 5
    deletes = [q["sql"] for q in queries.captured_queries]
    assert len(deletes) == 3  # 2 + 2 + 1, one statement each: no batch holds more row locks
    assert all(sql.startswith("DELETE") for sql in deletes)
    assert all('"delivered_at" <' in sql and '"delivered_at" ASC LIMIT 2' in sql for sql in deletes)
    assert remaining(*rows) == set()


@pytest.mark.slow
def test_the_job_is_registered_as_exclusive_by_django_start_up():
    """A fresh process that only sets Django up (as the worker does) knows the job."""
    probe = (
        "import django; django.setup(); from apps.core.runtime.schedule import jobs; "
        f"print([(j.every, j.exclusive) for j in jobs() if j.name == {JOB_NAME!r}])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cos_project.settings"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == f"[({PRUNE_EVERY}, True)]"
    [job] = [job for job in jobs() if job.name == JOB_NAME]
    assert job.func is prune_delivered_outbox


@pytest.mark.django_db(transaction=True)
def test_a_prune_run_is_skipped_while_another_process_holds_its_lock(retention):
    old = outbox_row(delivered_ago=25 * HOUR)
    [job] = [job for job in jobs() if job.name == JOB_NAME]
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other_worker:
        other_worker.execute("SELECT pg_advisory_lock(%s)", [lock_key(JOB_NAME)])
        assert run_once(job) is SKIPPED
        assert remaining(old) == {old.pk}
        other_worker.execute("SELECT pg_advisory_unlock(%s)", [lock_key(JOB_NAME)])
        assert run_once(job) == 1  # the other worker's run is over
    assert remaining(old) == set()
