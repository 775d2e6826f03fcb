"""log_l1: base log + event log (+ prompt trace) in one statement, commit, then the event; beside
its floor in the same run: the very statement log_l1 sends (captured once, fresh keys each
time) run by a bare psycopg connection in autocommit, then a redis-py XADD of an envelope of the
same size. The three are interleaved call by call, so the disk's moods (each call waits for its
COMMIT's WAL flush) weigh on each alike.

uv run python bench/log_l1.py [--n 2000]
"""

from __future__ import annotations

import argparse
import re
import time
import uuid
from collections.abc import Callable

from _setup import setup_django, summary

setup_django()

from _floors import raw_postgres, raw_redis  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.cc.models import BaseLog  # noqa: E402
from apps.core.memory.recording import log_l1  # noqa: E402

PAYLOAD = {"book": 12, "chapter": 3, "words": 4210}
PROMPT = {"prompt_text": "Draft chapter 3", "response_text": "It was", "token_count": 812}
UUID_LITERAL = re.compile(r"'([0-9a-f]{32})'::uuid")
FLOOR_STREAM = "bench:log_l1:floor"


def raw_floor() -> Callable[[], None]:
    """One call of the floor: log_l1's own statement with fresh keys (the base log's and the
    event's), committed, then an XADD of an envelope as long as log_l1's."""
    with CaptureQueriesContext(connection) as captured:
        log_l1("cc", "chapter.drafted", "Drafted chapter 3", payload=PAYLOAD)
    statement = captured.captured_queries[-1]["sql"]  # the one INSERT (client-side binding)
    keys = set(UUID_LITERAL.findall(statement))
    envelope = b"x" * 400
    pg, client = raw_postgres(), raw_redis()
    pg.autocommit = True

    def write() -> None:
        sql = statement
        for key in keys:
            sql = sql.replace(key, uuid.uuid4().hex)
        pg.execute(sql.encode())
        client.xadd(FLOOR_STREAM, {b"event": envelope}, maxlen=1000, approximate=True)

    return write


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    floor_call = raw_floor()
    for _ in range(200):  # warm connections and caches
        log_l1("cc", "bench.warm", "warm-up", payload=PAYLOAD)
        floor_call()
    plain, with_prompt, floor = [], [], []
    for _ in range(n):
        plain.append(timed(lambda: log_l1("cc", "chapter.drafted", "Drafted chapter 3",
                                          payload=PAYLOAD)))  # fmt: skip
        with_prompt.append(timed(lambda: log_l1("cc", "chapter.drafted", "Drafted chapter 3",
                                                payload=PAYLOAD, prompt=PROMPT)))  # fmt: skip
        floor.append(timed(floor_call))
    print(f"log_l1 benchmark, {n} calls each, including commit and publish")
    plain_ms = summary("log_l1 (base + event log)", plain)
    summary("log_l1 (base + event + prompt trace)", with_prompt)
    floor_ms = summary("floor: its statement raw, XADD", floor)
    p50, p95 = (plain_ms[p] / floor_ms[p] for p in ("p50", "p95"))
    extra = plain_ms["p95"] - floor_ms["p95"]
    print(f"log_l1 (base + event log) / floor: p50 {p50:.2f}x, P95 {p95:.2f}x (+{extra:.3f} ms)")
    BaseLog.objects.filter(message__in=["warm-up", "Drafted chapter 3"]).delete()
    raw_redis().delete(FLOOR_STREAM)


if __name__ == "__main__":
    main()
