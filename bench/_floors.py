"""The raw write path, for benchmarks that compare COS's writes with it in the same run: a
psycopg connection that does BEGIN, the outbox INSERT and a durable COMMIT, and a redis-py XADD.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import psycopg
import redis
from django.conf import settings

OUTBOX_INSERT = (
    'INSERT INTO "core"."outbox" (event_id, channel, payload, created_at, stream_id, attempts,'
    " last_error) VALUES (%s, %s, %s, now(), '', 0, '') RETURNING id"
)
RAW_CHANNEL = "bench.raw"


def raw_postgres() -> psycopg.Connection[Any]:
    """A plain psycopg connection to the configured database."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"], port=db["PORT"] or None,
    )  # fmt: skip


def raw_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def raw_commit(pg: psycopg.Connection[Any], data: dict[str, Any]) -> bytes:
    """BEGIN; the outbox INSERT; COMMIT (durable). The payload written."""
    event_id = str(uuid.uuid4())
    payload = orjson.dumps({"id": event_id, "data": data})
    with pg.transaction():
        pg.execute(OUTBOX_INSERT, (event_id, RAW_CHANNEL, payload))
    return payload


def forget_raw_rows(pg: psycopg.Connection[Any]) -> None:
    pg.execute('DELETE FROM "core"."outbox" WHERE channel = %s', (RAW_CHANNEL,))
    pg.commit()
