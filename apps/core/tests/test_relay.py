"""The relay recovers fast, supervises itself, and never passes a row that can still appear."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections, transaction

from apps.core.highway.breaker import redis_breaker
from apps.core.highway.envelope import Event
from apps.core.highway.publisher import publish
from apps.core.highway.relay import DRAIN_LOCK_KEY, Relay, RelayThread, relay, status
from apps.core.models import OutboxEntry
from apps.core.tests.highway_support import publish_n, stream_numbers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def breaker_recovery():
    """The breaker's real recovery window: the relay must not wait for it."""
    return 30.0


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def open_the_breaker(channel):
    publish_n(channel, [1])  # failure 1, on the fast path
    relay().drain()
    relay().drain()  # failures 2 and 3
    assert redis_breaker().state == "open"


def test_the_backlog_drains_as_soon_as_redis_answers_not_after_the_breakers_window(
    own_redis, channel, settings
):
    settings.COS_EVENTS = {**settings.COS_EVENTS, "RELAY_INTERVAL": 0.1}
    own_redis.stop()
    open_the_breaker(channel)
    publish_n(channel, [2, 3])
    own_redis.start()  # empty, on the same port
    answered = time.monotonic()
    thread = RelayThread(relay())
    thread.start()
    try:
        wait_for(lambda: stream_numbers(own_redis, channel) == [1, 2, 3], seconds=10)
    finally:
        thread.stop()
    assert time.monotonic() - answered < 10  # the breaker alone would wait 30 s
    assert redis_breaker().state == "open"  # publish's own contract is left as it was
    assert not OutboxEntry.objects.filter(channel=channel, delivered_at__isnull=True).exists()


def test_while_the_breaker_is_open_and_redis_is_down_the_relay_sends_nothing(own_redis, channel):
    own_redis.stop()
    open_the_breaker(channel)
    assert relay().drain() == 0
    assert OutboxEntry.objects.get(channel=channel).attempts == 3  # the probe is not an attempt


def test_a_process_without_a_relay_thread_leaves_backlog_mode_once_another_drained_it(
    own_redis, channel
):
    """compose's web: it publishes but runs no relay; the worker delivers the backlog."""
    local = Relay()
    local.backlog.set()  # an earlier failure in this process
    OutboxEntry.objects.filter(delivered_at__isnull=True).update(delivered_at="2020-01-01T00:00Z")
    with transaction.atomic():
        event = publish("probe.test.event", {"n": 7}, source="probe", channel=channel)
    entry = OutboxEntry.objects.get(event_id=event.id)
    local.deliver_committed(entry.pk, channel, bytes(entry.payload))
    assert not local.backlog.is_set()
    assert stream_numbers(own_redis, channel)[-1] == 7  # the fast path is back


def test_without_a_relay_thread_a_row_in_backlog_mode_goes_out_behind_the_older_ones(
    own_redis, channel
):
    """However steady the traffic, the process drains the backlog itself, in order."""
    local = Relay()
    local.backlog.set()
    with transaction.atomic():
        older = publish("probe.test.event", {"n": 1}, source="probe", channel=channel)
        newer = publish("probe.test.event", {"n": 2}, source="probe", channel=channel)
    OutboxEntry.objects.filter(event_id__in=[older.id, newer.id]).update(delivered_at=None)
    entry = OutboxEntry.objects.get(event_id=newer.id)
    local.deliver_committed(entry.pk, channel, bytes(entry.payload))
    assert stream_numbers(own_redis, channel)[-2:] == [1, 2]  # 2 did not overtake 1
    assert not local.backlog.is_set()


def test_backlog_mode_lasts_while_a_committed_row_waits_behind_an_open_transaction(
    own_redis, channel
):
    local = Relay()
    local.backlog.set()
    with OpenTransaction(channel, 1) as long_running:
        write_committed(channel, 2)
        assert local.drain() == 0
        assert local.backlog.is_set()  # 2 waits: new events must queue behind it
        long_running.commit()
    assert local.drain() == 2
    assert not local.backlog.is_set()


def test_only_one_process_drains_at_a_time(own_redis, channel):
    """Two drainers with SKIP LOCKED would send different batches at once, out of order."""
    write_committed(channel, 1)
    params = connections["default"].get_connection_params()
    with psycopg.connect(**params, autocommit=False) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", [DRAIN_LOCK_KEY])
        assert relay().drain() == 0  # the other process is draining
    assert relay().drain() == 1


def test_status_shows_no_backlog_once_nothing_is_pending(own_redis):
    relay().backlog.set()
    OutboxEntry.objects.filter(delivered_at__isnull=True).update(delivered_at="2020-01-01T00:00Z")
    assert status() == {"backlog": False, "pending": 0}


def test_the_relay_thread_survives_any_exception(own_redis, channel, settings, monkeypatch):
    settings.COS_EVENTS = {**settings.COS_EVENTS, "RELAY_INTERVAL": 0.05}
    real_drain = Relay.drain
    calls = {"n": 0}

    def failing_once(self, min_age=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("not a database error")
        return real_drain(self, min_age=None)

    monkeypatch.setattr(Relay, "drain", failing_once)
    thread = RelayThread(relay())
    thread.start()
    try:
        wait_for(lambda: calls["n"] >= 3)
        assert thread.is_alive()
        event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": 5})
        OutboxEntry.objects.create(event_id=event.id, channel=channel, payload=event.to_bytes())
        wait_for(lambda: stream_numbers(own_redis, channel) == [5])
    finally:
        thread.stop()


# --- commit-safe order ------------------------------------------------------------------------
class OpenTransaction:
    """An outbox row written by a transaction that stays open on its own connection."""

    def __init__(self, channel, n):
        self.channel, self.n = channel, n
        self.written = threading.Event()
        self.finish = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with transaction.atomic():
                event = Event(type="probe.test.event", source="probe", channel=self.channel,
                              data={"n": self.n})  # fmt: skip
                OutboxEntry.objects.create(
                    event_id=event.id, channel=self.channel, payload=event.to_bytes()
                )
                self.written.set()
                self.finish.wait(10)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.written.wait(5)
        return self

    def commit(self):
        self.finish.set()
        self.thread.join(5)

    def __exit__(self, *exc):
        self.commit()


def write_committed(channel, n):
    """A row left by a process that died before its fast path ran (no on-commit)."""
    event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
    OutboxEntry.objects.create(event_id=event.id, channel=channel, payload=event.to_bytes())


def test_the_relay_never_sends_past_a_transaction_that_is_still_open(own_redis, channel):
    with OpenTransaction(channel, 1) as long_running:
        write_committed(channel, 2)  # committed after 1 was written, while 1 is still open
        assert relay().drain() == 0  # 2 would overtake 1
        long_running.commit()
    assert relay().drain() == 2
    assert stream_numbers(own_redis, channel) == [1, 2]


def test_the_sweep_leaves_a_just_committed_row_to_its_own_fast_path(own_redis, channel):
    """A row written long ago in a transaction that just committed is young: its process is
    sending it right now, so the sweep must not send it too."""
    sweeper = Relay()
    grace = timedelta(seconds=0.5)
    with OpenTransaction(channel, 1):
        time.sleep(0.6)  # the row's created_at is now older than the grace
        assert sweeper.drain(min_age=grace) == 0
    assert sweeper.drain(min_age=grace) == 0  # committed just now
    wait_for(lambda: sweeper.drain(min_age=grace) == 1, seconds=5)  # a crashed process' row
    assert stream_numbers(own_redis, channel) == [1]


def test_outbox_rows_record_their_transaction(channel):
    with transaction.atomic():
        write_committed(channel, 1)
        write_committed(channel, 2)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            current = cursor.fetchone()[0]
    assert set(OutboxEntry.objects.filter(channel=channel).values_list("txid", flat=True)) == {
        current
    }


# --- delivered marks --------------------------------------------------------------------------
def test_with_the_relay_thread_running_delivered_rows_are_marked_in_one_update(
    own_redis, channel, monkeypatch
):
    go = threading.Event()
    batches = []
    real_flush, real_mark = Relay.flush_marks, Relay._mark_delivered

    def flush_when_told(self):
        go.wait(10)  # the relay thread holds its marks until the test has queued three
        real_flush(self)

    def record(self, using, ids):
        batches.append(sorted(ids))
        real_mark(self, using, ids)

    monkeypatch.setattr(Relay, "flush_marks", flush_when_told)
    monkeypatch.setattr(Relay, "_mark_delivered", record)
    entries = []
    for n in range(3):
        event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
        entries.append(
            OutboxEntry.objects.create(event_id=event.id, channel=channel, payload=event.to_bytes())
        )
    thread = RelayThread(relay())
    thread.start()
    try:
        wait_for(lambda: relay().thread_running)
        for entry in entries:
            relay().deliver_committed(entry.pk, channel, bytes(entry.payload))
        assert stream_numbers(own_redis, channel) == [0, 1, 2]  # sent at once
        assert batches == []  # the marks wait for the relay thread
        go.set()
        pending = OutboxEntry.objects.filter(channel=channel, delivered_at__isnull=True)
        wait_for(lambda: not pending.exists(), seconds=5)
    finally:
        go.set()
        thread.stop()
    assert batches == [sorted(entry.pk for entry in entries)]  # one UPDATE for the three
    assert stream_numbers(own_redis, channel) == [0, 1, 2]  # and none sent twice


def test_without_a_relay_thread_a_marker_thread_marks_rows_off_the_callers_path(own_redis, channel):
    local = Relay()
    event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": 1})
    entry = OutboxEntry.objects.create(event_id=event.id, channel=channel, payload=event.to_bytes())
    local.deliver_committed(entry.pk, channel, bytes(entry.payload))
    marker = local._marker
    assert marker is not None and marker.is_alive()
    pending = OutboxEntry.objects.filter(pk=entry.pk, delivered_at__isnull=True)
    try:
        wait_for(lambda: not pending.exists(), seconds=5)
    finally:
        local.stop_marker()
    assert not marker.is_alive() and local._marker is None
