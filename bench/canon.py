"""The canon (L4): archive throughput against a raw PostgreSQL INSERT floor measured in the same
run, and `verifycanon` speed on a large chain.

    uv run python bench/canon.py [--n 2000] [--rows 1000000]

Runs in a scratch database of its own (created, migrated, dropped): canon rows can never be
deleted, so a benchmark must not write them anywhere that stays.

1. archive: `services.archive_link` N times, one transaction each (advisory lock, head read,
   hashes, INSERT, outbox row, commit, relay hand-off), against
   floor: a plain INSERT of the same row into an unconstrained copy of the table, autocommit,
   with psycopg on its own connection (one round trip per row).
2. verify: `rows` links inserted by COPY with hashes computed by apps/canon/chain.py, then
   `chain.verify` over the whole chain, and `manage.py verifycanon` end to end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import scratch_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="archives timed")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the verified chain")
    options = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("Set DATABASE_URL (the server the scratch database is made on).")
    with scratch_database(server) as url:
        os.environ["DATABASE_URL"] = url
        from _setup import setup_django

        setup_django()
        archive_vs_floor(options.n)
        verify_large_chain(options.rows)
        from django.db import connections

        connections.close_all()


def archive_vs_floor(n: int) -> None:
    import psycopg
    from _setup import summary
    from django.conf import settings
    from django.db import connection

    from apps.canon import services

    for i in range(100):  # warm connections and caches
        services.archive_link(f"cc:log:warm-{i}", "zk:note:warm", "REFERENCES")
    archive: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        services.archive_link(f"cc:log:bench-{i}", "zk:note:bench", "REFERENCES", rationale="r")
        archive.append((time.perf_counter() - t0) * 1000)
    archive_rate = n / (time.perf_counter() - started)

    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    table = '"canon"."memory_link"'
    floor: list[float] = []
    with psycopg.connect(dsn, autocommit=True) as raw:
        # The same columns, no trigger, index or lock: what one INSERT costs on this server.
        raw.execute(f"CREATE TABLE public.bench_floor (LIKE {table})")
        insert = (
            "INSERT INTO public.bench_floor (id, seq, content_hash, prev_hash, row_hash, "
            "origin_module, origin_l1_ids, origin_note_id, origin_event_id, agent, archived_at, "
            "source_node, target_node, link_type, rationale) VALUES (%s, %s, %s, %s, %s, '', "
            "'[]', '', '', '', now(), %s, 'zk:note:bench', 'REFERENCES', 'r')"
        )
        digest = "0" * 64
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            raw.execute(insert, (i, i, digest, digest, digest, f"cc:log:bench-{i}"))
            floor.append((time.perf_counter() - t0) * 1000)
        floor_rate = n / (time.perf_counter() - started)
    connection.close()
    print(f"archive vs raw INSERT, {n} rows each, one transaction per row")
    summary("archive_link (chain + outbox)", archive)
    summary("raw INSERT (psycopg, autocommit)", floor)
    print(f"archive: {archive_rate:,.0f} rows/s; floor: {floor_rate:,.0f} rows/s; "
          f"ratio {floor_rate / archive_rate:.1f}x")  # fmt: skip


def verify_large_chain(rows: int) -> None:
    import io

    from django.core.management import call_command
    from django.db import connection

    from apps.canon import chain
    from apps.canon.models import MemoryLink

    head = MemoryLink.objects.order_by("-seq").values_list("id", "seq", "row_hash").first()
    assert head is not None
    last_id, last_seq, prev = head
    columns = [
        "id",
        "seq",
        "content_hash",
        "prev_hash",
        "row_hash",
        *chain.content_columns(MemoryLink),
    ]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        copy_sql = f'COPY "canon"."memory_link" ({", ".join(columns)}) FROM STDIN'
        with cursor.cursor.copy(copy_sql) as copy:
            for n in range(1, rows + 1):
                row_id, seq = last_id + n, last_seq + n
                content = {
                    "origin_module": "bench", "origin_l1_ids": [f"l1-{n}"], "origin_note_id": "",
                    "origin_event_id": "", "archived_by_id": None, "agent": "bench",
                    "archived_at": base + timedelta(microseconds=n), "source_node": f"cc:log:{n}",
                    "target_node": "zk:note:big", "link_type": "REFERENCES", "rationale": "",
                }  # fmt: skip
                digest = chain.content_hash(MemoryLink, content)
                row_hash = chain.row_hash(MemoryLink, seq, row_id, digest, prev)
                values = [content[c] for c in columns[5:]]
                values[columns[5:].index("origin_l1_ids")] = f'["l1-{n}"]'  # jsonb, as text
                copy.write_row([row_id, seq, digest, prev, row_hash, *values])
                prev = row_hash
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('\"canon\".\"memory_link\"', 'id'), %s)",
            [last_id + rows],
        )
    inserted = time.perf_counter() - started
    total = MemoryLink.objects.count()
    print(f"\nverify: {rows:,} rows COPYed with their hashes in {inserted:.1f} s "
          f"({rows / inserted:,.0f} rows/s); chain of {total:,} rows")  # fmt: skip
    started = time.perf_counter()
    verdict = chain.verify(MemoryLink)
    walked = time.perf_counter() - started
    assert verdict.problem is None, verdict.problem
    rate = verdict.rows / walked
    print(f"chain.verify: {verdict.rows:,} rows in {walked:.1f} s = {rate:,.0f} rows/s")
    started = time.perf_counter()
    out = io.StringIO()
    call_command("verifycanon", "--no-progress", stdout=out)
    whole = time.perf_counter() - started
    print(f"manage.py verifycanon (all chains): {whole:.1f} s: {out.getvalue().strip()}")


if __name__ == "__main__":
    main()
