"""The relay: moves committed outbox rows to Redis Streams, in outbox order, through the breaker.

Fast path: right after commit, `deliver_committed` sends the one event and marks it delivered.
When Redis fails (or the breaker is open) the process switches to backlog mode: new events stay in
the outbox and the relay thread (run by `serve` and `runsubscribers`) drains all pending rows in
order once Redis answers again, then the fast path resumes. Delivery is at-least-once: a crash
between XADD and the row update re-sends that event, and subscribers deduplicate by event id.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.highway.breaker import redis_breaker
from apps.core.highway.connection import sync_redis
from apps.core.highway.streams import add_to_pipeline
from apps.core.models import OutboxEntry

logger = logging.getLogger(__name__)

# A periodic sweep leaves young rows to their own fast path, so it does not send them twice.
SWEEP_MIN_AGE = timedelta(seconds=2)


class Relay:
    def __init__(self) -> None:
        self.backlog = threading.Event()
        self.wake = threading.Event()

    def _send(self, rows: list[tuple[int, str, bytes]]) -> None:
        pipe = sync_redis().pipeline(transaction=False)
        maxlen = settings.COS_EVENTS["STREAM_MAXLEN"]
        for _, channel, payload in rows:
            add_to_pipeline(pipe, channel, payload, maxlen)
        pipe.execute()

    def deliver_committed(
        self, entry_id: int, channel: str, payload: bytes, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        """Called on commit. Never raises: a failure leaves the row to the relay."""
        breaker = redis_breaker()
        if self.backlog.is_set() or not breaker.allows_calls():
            self._to_backlog()
            return
        try:
            breaker.call(self._send, [(entry_id, channel, payload)])
        except Exception as exc:  # the breaker has counted it; the row waits for the relay
            self._record_failure([entry_id], exc, using)
            self._to_backlog()
            return
        try:
            delivered = OutboxEntry.objects.using(using).filter(pk=entry_id)
            delivered.update(delivered_at=timezone.now())
        except DatabaseError:
            logger.exception("Event %s reached Redis but its outbox row was not marked", entry_id)

    def drain(self, min_age: timedelta | None = None) -> int:
        """Deliver pending rows in order until none is left or Redis fails; returns how many."""
        delivered = 0
        breaker = redis_breaker()
        batch = settings.COS_EVENTS["RELAY_BATCH"]
        while breaker.allows_calls():
            failure: Exception | None = None
            with transaction.atomic():
                pending = OutboxEntry.objects.select_for_update(skip_locked=True).filter(
                    delivered_at__isnull=True
                )
                if min_age is not None:
                    pending = pending.filter(created_at__lt=timezone.now() - min_age)
                rows = [
                    (pk, channel, bytes(payload))
                    for pk, channel, payload in pending.order_by("id").values_list(
                        "id", "channel", "payload"
                    )[:batch]
                ]
                if not rows:
                    if min_age is None:
                        self.backlog.clear()
                    return delivered
                try:
                    breaker.call(self._send, rows)
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
        return delivered

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


class RelayThread(threading.Thread):
    """Drains the outbox when woken (backlog) and sweeps it every COS_RELAY_INTERVAL."""

    def __init__(self, relay: Relay) -> None:
        super().__init__(name="cos-relay", daemon=True)
        self.relay = relay
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = settings.COS_EVENTS["RELAY_INTERVAL"]
        min_age: timedelta | None = None  # the first drain takes everything left from before
        while not self.stopping.is_set():
            try:
                self.relay.drain(min_age=None if self.relay.backlog.is_set() else min_age)
            except DatabaseError:
                logger.exception("Relay could not read the outbox")
            finally:
                close_old_connections()
            min_age = SWEEP_MIN_AGE
            self.relay.wake.wait(interval)
            self.relay.wake.clear()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.relay.wake.set()
        self.join(timeout)


_relay = Relay()


def relay() -> Relay:
    return _relay


def start_relay_thread() -> RelayThread:
    thread = RelayThread(_relay)
    thread.start()
    return thread


def status() -> dict[str, Any]:
    return {"backlog": _relay.backlog.is_set(), "pending": _relay.pending_count()}
