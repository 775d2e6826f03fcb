"""Publish latency: COS publish() against raw redis-py XADD, in the same run.

    uv run python bench/publish.py [--n 2000]

COS publish, as a caller sees it: a transaction that writes the outbox row, commits, then (on
commit) XADDs to the stream and marks the row delivered. Also shown: the part spent inside the
caller's transaction (the outbox insert) and the after-commit delivery alone.
"""

from __future__ import annotations

import argparse
import time
import uuid

from _setup import setup_django, summary

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.core.highway.connection import sync_redis  # noqa: E402
from apps.core.highway.envelope import Event  # noqa: E402
from apps.core.highway.publisher import publish  # noqa: E402
from apps.core.highway.relay import relay  # noqa: E402
from apps.core.models import OutboxEntry  # noqa: E402

# The row publish() writes, as one hand-written statement: the floor of publish() in a txn.
RAW_INSERT = (
    'INSERT INTO "core"."outbox" (event_id, channel, payload, created_at, stream_id, attempts,'
    " last_error) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    channel = f"probe.bench_{uuid.uuid4().hex[:8]}"
    client = sync_redis()
    data = {"chapter": 12, "title": "The long winter", "words": 4210}
    payload = Event(type="probe.test.event", source="probe", channel=channel, data=data).to_bytes()

    for _ in range(200):  # warm connections and caches
        client.xadd(channel, {b"event": payload})
        with transaction.atomic():
            publish("probe.test.event", data, source="probe", channel=channel)

    raw, cos, in_transaction, after_commit, round_trips, inserts = [], [], [], [], [], []
    for _ in range(n):
        start = time.perf_counter()
        client.xadd(channel, {b"event": payload}, maxlen=100_000, approximate=True)
        raw.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        with transaction.atomic():
            publish("probe.test.event", data, source="probe", channel=channel)
        cos.append((time.perf_counter() - start) * 1000)

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the caller's own work: the transaction has begun
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            round_trips.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            cursor.execute(RAW_INSERT, [uuid.uuid4(), channel, payload, timezone.now(), "", 0, ""])
            cursor.fetchone()
            inserts.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            event = publish("probe.test.event", data, source="probe", channel=channel)
            in_transaction.append((time.perf_counter() - start) * 1000)
        entry = OutboxEntry.objects.get(event_id=event.id)
        start = time.perf_counter()
        relay().deliver_committed(entry.pk, channel, bytes(entry.payload))
        after_commit.append((time.perf_counter() - start) * 1000)

    print(f"publish benchmark, {n} events each, payload {len(payload)} bytes")
    raw_s = summary("raw redis-py XADD", raw)
    cos_s = summary("COS publish (txn+commit+XADD+mark)", cos)
    in_txn = summary("  of which publish() in the txn", in_transaction)
    summary("floor: a PostgreSQL round trip in the txn", round_trips)
    floor = summary("floor: the same outbox INSERT, raw SQL", inserts)
    summary("  of which delivery after commit", after_commit)
    p50, p99 = cos_s["p50"] / raw_s["p50"], cos_s["p99"] / raw_s["p99"]
    print(f"ratio COS/raw: p50 {p50:.2f}x, p99 {p99:.2f}x")
    print(f"publish() in the txn / the raw INSERT: p50 {in_txn['p50'] / floor['p50']:.2f}x")
    OutboxEntry.objects.filter(channel=channel).delete()
    client.delete(channel)


if __name__ == "__main__":
    main()
