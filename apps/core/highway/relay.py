"""The relay: moves committed outbox rows to Redis Streams, in commit-safe order.

Fast path: right after commit, `deliver_committed` sends the one event and marks it delivered.
When Redis fails (or the breaker is open) the process switches to backlog mode: new events stay in
the outbox and the relay thread (run by `serve` and `runsubscribers`) drains all pending rows in
order once Redis answers again, then the fast path resumes. Delivery is at-least-once: a crash
between XADD and the row update re-sends that event, and subscribers deduplicate by event id.

Order and the sweep. Rows go out in (`txid`, `id`) order, and only rows whose transaction id is
below the oldest transaction still running: a transaction that stays open can still commit a
row, and that row must not arrive after rows sorted behind it. The periodic sweep (rows a crashed
process left) also waits until a row's transaction finished longer ago than a fast path can take
(the Redis operation timeout, plus a second), measured by the sweeps' own readings of that
horizon, not by `created_at`: a row written early in a long transaction is young when it
commits, and its own fast path is then still sending it.

Delivered marks. The fast path only queues the row's id after `XADD`: nothing but the XADD
follows the commit on the caller's path. The relay thread (serve) marks the queued rows
delivered with one `UPDATE` every MARK_INTERVAL_S (a round trip per batch, not per event); a
process without one (a script, `runsubscribers --no-relay`, a test) starts a small marker thread
that does the same and ends when idle. Queued marks are written before any drain, and long before
the sweep's grace, so neither sends a row again because its mark was still queued; a crash that
loses queued marks makes the sweep send those rows again (at-least-once: subscribers deduplicate).

Redis back before the breaker's recovery time: while the breaker is open the relay pings Redis
itself on each sweep and drains as soon as it answers (the breaker still governs the fast path).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    close_old_connections,
    connections,
    transaction,
)
from django.db.models import F
from django.utils import timezone

from apps.core.db.postgres.functions import oldest_running_transaction_sql
from apps.core.highway.breaker import redis_breaker
from apps.core.highway.connection import sync_redis
from apps.core.highway.streams import add_to_pipeline
from apps.core.models import OutboxEntry
from apps.core.telemetry.highway_spans import relaying

logger = logging.getLogger(__name__)

# A process without a relay thread re-checks at most this often whether its backlog is gone.
BACKLOG_RECHECK_S = 1.0

Row = tuple[int, str, bytes]
MARK_INTERVAL_S = 0.05  # how long the relay thread lets delivered marks gather
MARKER_IDLE_S = 5.0  # a marker thread with nothing to mark for this long ends
DRAIN_LOCK_KEY = 0x636F735F72656C61  # "cos_rela": the advisory lock of the one drainer


class Relay:
    def __init__(self) -> None:
        self.backlog = threading.Event()
        self.wake = threading.Event()
        self.thread_running = False
        self._backlog_checked_at = 0.0
        self._horizons: deque[tuple[float, int]] = deque()  # (monotonic time, horizon) readings
        self._marks: list[tuple[str, int]] = []  # (database alias, outbox id) to mark delivered
        self._marks_lock = threading.Lock()
        self._marker: MarkerThread | None = None

    # --- the fast path ------------------------------------------------------------------------
    def _send(self, rows: list[Row]) -> None:
        pipe = sync_redis().pipeline(transaction=False)
        maxlen = settings.COS_EVENTS["STREAM_MAXLEN"]
        for _, channel, payload in rows:
            add_to_pipeline(pipe, channel, payload, maxlen)
        with relaying(rows[0][1], (payload for _, _, payload in rows)):
            pipe.execute()

    def deliver_committed(
        self, entry_id: int, channel: str, payload: bytes, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        """Called on commit. Never raises: a failure leaves the row to the relay."""
        breaker = redis_breaker()
        if self.backlog.is_set():
            if self.thread_running:
                self.wake.set()  # this process' relay thread drains, this row included
            else:
                self._drain_here()
            return
        if not breaker.allows_calls():
            self._to_backlog()
            return
        try:
            breaker.call(self._send, [(entry_id, channel, payload)])
        except Exception as exc:  # the breaker has counted it; the row waits for the relay
            self._record_failure([entry_id], exc, using)
            self._to_backlog()
            return
        with self._marks_lock:
            self._marks.append((using, entry_id))
            if not self.thread_running and (self._marker is None or not self._marker.is_alive()):
                self._marker = MarkerThread(self)
                self._marker.start()

    def stop_marker(self) -> None:
        """Mark what is queued and end the marker thread, if one runs."""
        marker = self._marker
        if marker is not None:
            marker.stopping.set()  # it marks what is queued, then ends
            marker.join(10)

    def flush_marks(self) -> None:
        """Mark the queued rows delivered: one UPDATE per database."""
        with self._marks_lock:
            marks, self._marks = self._marks, []
        by_alias: dict[str, list[int]] = {}
        for using, entry_id in marks:
            by_alias.setdefault(using, []).append(entry_id)
        for using, ids in by_alias.items():
            self._mark_delivered(using, ids)

    def _mark_delivered(self, using: str, ids: list[int]) -> None:
        try:
            delivered = OutboxEntry.objects.using(using).filter(pk__in=ids)
            delivered.update(delivered_at=timezone.now())
        except DatabaseError:
            logger.exception(
                "%d event(s) reached Redis but their outbox rows were not marked", len(ids)
            )

    def _drain_here(self) -> None:
        """A process without a relay thread (compose's web, `serve --workers` processes)
        drains the backlog itself, at most once a BACKLOG_RECHECK_S: its rows go out in order
        behind the older ones, and backlog mode ends once none is left, however steady the
        traffic (the worker's sweep would take each row only after its grace)."""
        now = time.monotonic()
        if now - self._backlog_checked_at < BACKLOG_RECHECK_S:
            return
        self._backlog_checked_at = now
        try:
            self.drain()
        except DatabaseError as exc:
            logger.warning("Could not drain the outbox: %s", exc)

    # --- the backlog and the sweep ------------------------------------------------------------
    def drain(self, min_age: timedelta | None = None) -> int:
        """Deliver pending rows in order until none is left or Redis fails; returns how many.

        `min_age` None takes every row whose transaction has finished (backlog); otherwise only
        rows whose transaction finished at least `min_age` ago (the periodic sweep)."""
        self.flush_marks()  # rows already sent must not look pending
        send = self._sender()
        if send is None:
            return 0
        delivered = 0
        batch = settings.COS_EVENTS["RELAY_BATCH"]
        while True:
            failure: Exception | None = None
            with transaction.atomic():
                if not self._only_drainer():
                    return delivered  # another process drains now; two would interleave
                horizon = self._horizon(min_age)
                if horizon is None:
                    return delivered
                pending = OutboxEntry.objects.select_for_update(skip_locked=True).filter(
                    delivered_at__isnull=True, txid__lt=horizon
                )
                rows = [
                    (pk, channel, bytes(payload))
                    for pk, channel, payload in pending.order_by("txid", "id").values_list(
                        "id", "channel", "payload"
                    )[:batch]
                ]
                if not rows:
                    # Committed rows may still wait above the horizon (behind a transaction
                    # still open): backlog mode ends only when nothing at all is pending.
                    if (
                        min_age is None
                        and not OutboxEntry.objects.filter(delivered_at__isnull=True).exists()
                    ):
                        self.backlog.clear()
                    return delivered
                try:
                    send(rows)
                except Exception as exc:
                    failure = exc
                else:
                    ids = [row[0] for row in rows]
                    OutboxEntry.objects.filter(id__in=ids).update(delivered_at=timezone.now())
                    delivered += len(rows)
            if failure is not None:
                self._record_failure([row[0] for row in rows], failure)
                self.backlog.set()
                return delivered

    def _sender(self) -> Callable[[list[Row]], None] | None:
        """Through the breaker while it lets calls through; while it is open, directly, but only
        if Redis answers a ping (so an outage costs one cheap probe per sweep)."""
        breaker = redis_breaker()
        if breaker.allows_calls():
            return lambda rows: breaker.call(self._send, rows)
        try:
            sync_redis().ping()
        except Exception:
            return None
        logger.debug("Redis answers while the breaker is open: the relay sends directly")
        return self._send

    def _only_drainer(self) -> bool:
        """One drainer at a time across every process (a transaction-scoped advisory lock):
        SKIP LOCKED alone keeps two from sending a row twice, not from sending out of order."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DRAIN_LOCK_KEY])
            return bool(cursor.fetchone()[0])

    def _horizon(self, min_age: timedelta | None) -> int | None:
        """The transaction id below which rows may be sent now (None: none may yet)."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(oldest_running_transaction_sql())
            current = int(cursor.fetchone()[0])
        if min_age is None:
            return current
        now = time.monotonic()
        self._horizons.append((now, current))
        cutoff = now - min_age.total_seconds()
        settled: int | None = None
        while self._horizons and self._horizons[0][0] <= cutoff:
            settled = self._horizons.popleft()[1]
        if settled is not None:
            self._horizons.appendleft((cutoff, settled))  # still the reading to use next time
        return settled

    def pending_count(self) -> int:
        return OutboxEntry.objects.filter(delivered_at__isnull=True).count()

    def _to_backlog(self) -> None:
        self.backlog.set()
        self.wake.set()

    def _record_failure(
        self, ids: list[int], exc: BaseException, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        try:
            OutboxEntry.objects.using(using).filter(id__in=ids).update(
                attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        except DatabaseError:
            logger.exception("Could not record a delivery failure")
        logger.warning("Redis delivery failed (%s); %d event(s) wait in the outbox", exc, len(ids))


class MarkerThread(threading.Thread):
    """Marks queued rows delivered in a process without a relay thread; ends after MARKER_IDLE_S
    with nothing to mark (the next queued mark starts another)."""

    def __init__(self, relay: Relay) -> None:
        super().__init__(name="cos-outbox-marks", daemon=True)
        self.relay = relay

        self.stopping = threading.Event()

    def run(self) -> None:
        idle_since = time.monotonic()
        while True:
            stopping = self.stopping.wait(MARK_INTERVAL_S)
            with self.relay._marks_lock:
                waiting = bool(self.relay._marks)
                # Ending is decided under the lock that queues marks: a mark queued after this
                # finds no marker and starts one.
                if not waiting and (stopping or time.monotonic() - idle_since >= MARKER_IDLE_S):
                    self.relay._marker = None
                    return
            try:
                self.relay.flush_marks()
                close_old_connections()  # a broken connection (PostgreSQL restarted) goes
            except Exception:  # not the database's refusal: logged, the sweep resends
                logger.exception("Could not mark delivered outbox rows")
            idle_since = time.monotonic()


def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):  # the database may be gone first: the sweep re-sends
        _relay.stop_marker()
        _relay.flush_marks()


def sweep_grace() -> timedelta:
    """Longer than a fast path can take, so the sweep never sends a row that its own process is
    still sending."""
    return timedelta(seconds=settings.COS_EVENTS["REDIS_TIMEOUT"] + 1)


class RelayThread(threading.Thread):
    """Drains the outbox when woken (backlog) and sweeps it every COS_RELAY_INTERVAL."""

    def __init__(self, relay: Relay) -> None:
        super().__init__(name="cos-relay", daemon=True)
        self.relay = relay
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = settings.COS_EVENTS["RELAY_INTERVAL"]
        full = True  # the first drain takes everything left from before
        next_sweep = 0.0
        self.relay.thread_running = True
        self.relay.stop_marker()  # from now on this thread marks; one marker at a time
        try:
            while not self.stopping.is_set():
                try:
                    # Woken by a deferred row, or in backlog: everything committed goes now.
                    full = full or self.relay.backlog.is_set()
                    if full or time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + interval  # failed or not
                        self.relay.drain(min_age=None if full else sweep_grace())
                    else:
                        self.relay.flush_marks()
                except DatabaseError as exc:  # PostgreSQL away: the next sweep tries again
                    logger.warning("Relay sweep could not reach the database: %s", exc)
                except Exception:  # supervised: a failed sweep is logged, the next one runs
                    logger.exception("Relay sweep failed")
                finally:
                    close_old_connections()
                full = self.relay.wake.wait(min(interval, MARK_INTERVAL_S))
                self.relay.wake.clear()
        finally:
            self.relay.thread_running = False
            try:
                self.relay.flush_marks()
            finally:
                close_old_connections()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.relay.wake.set()
        self.join(timeout)


_relay = Relay()
atexit.register(_flush_at_exit)


def relay() -> Relay:
    return _relay


def start_relay_thread() -> RelayThread:
    thread = RelayThread(_relay)
    thread.start()
    return thread


def status() -> dict[str, Any]:
    pending = _relay.pending_count()
    if pending == 0:
        _relay.backlog.clear()  # nothing waits, whoever delivered it (this process or another)
    return {"backlog": _relay.backlog.is_set(), "pending": pending}
