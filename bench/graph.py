"""The L2 graph (issue 12): sync throughput, L1 write -> node visible, neighbourhood queries.

    uv run python bench/graph.py                     # about 2 minutes
    uv run python bench/graph.py --nodes 20000 --logs 500     # quick check

Each figure is printed with the floor measured in the same run: one Bolt round trip
(`RETURN 1`) through the same neomodel driver. What is measured:
- sync throughput: L1 logs (written with `log_l1`, committed, on their stream) applied to the
  graph by the graph module's subscriber (`GraphSync.handle_batch`, batches of 100 as its
  consumer group hands them over), in events per second;
- L1 write -> node visible: `log_l1` commits one log while the real subscriber runs in this
  process (relay and consumer group, as under `serve`); the clock stops when its LogEntry node
  answers a query, polled every 0.5 ms;
- neighbourhood: `selectors.neighbourhood(uid, depth=2)` around random nodes of a graph of
  `--nodes` Entity nodes with 3 random REFERENCES each (degree about 6), p50 and p99.

It runs on a graph server of its own (embedded `var/graph-bench`, emptied first), a scratch
PostgreSQL database (dropped afterwards) and Redis database 14 (flushed first). With NEO4J_URL
set it uses that server and empties it: it asks for --empty-neo4j first.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")

BENCH_REDIS_DB = 14
BATCH = 100  # what a consumer group hands a subscriber at once (apps/core/highway/consuming.py)


def redis_url_with_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return f"{url.split('?')[0]}?db={db}"
    return f"{url.rsplit('/', 1)[0]}/{db}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--empty-neo4j", action="store_true")
    args = parser.parse_args()
    if os.environ.get("NEO4J_URL") and not args.empty_neo4j:
        sys.exit("NEO4J_URL is set: this benchmark empties that graph. Add --empty-neo4j.")

    from apps.core.runtime import engines

    running = engines.provide(graph="graph-bench")
    embedded = "graph-bench" in running.leases
    from _harness import scratch_database

    with scratch_database(os.environ["DATABASE_URL"]) as database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ["REDIS_URL"] = redis_url_with_db(os.environ["REDIS_URL"], BENCH_REDIS_DB)
        run(args, embedded)
    running.stop()


def run(args: argparse.Namespace, embedded: bool) -> None:
    import django
    import redis
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    from _setup import summary

    from apps.core.graphdb.connection import cypher
    from apps.core.graphdb.schema import install_schema

    cypher("MATCH (n) DETACH DELETE n")
    install_schema()
    server = "ArcadeDB (embedded, over Bolt)" if embedded else graph_server()
    print(f"graph benchmark on {server}")
    floor = [timed(lambda: cypher("RETURN 1 AS up")) for _ in range(args.samples)]
    floor_p50 = summary("floor: Bolt round trip", floor)["p50"]
    sync_throughput(args.logs, floor_p50)
    write_to_visible(args.samples, floor_p50)
    neighbourhoods(args.nodes, args.samples, floor_p50)


def graph_server() -> str:
    from apps.core.graphdb.connection import cypher

    row = cypher("CALL dbms.components() YIELD name, versions RETURN name, versions")[0]
    return f"{row['name']} {row['versions'][0]}"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def recorded_events(count: int) -> list[Any]:
    """`count` logs written through L1, and their events as the stream holds them."""
    import redis
    from django.conf import settings

    from apps.core.highway.envelope import Event
    from apps.core.highway.streams import EVENT_FIELD
    from apps.core.memory.recording import log_l1

    prompt = {"prompt_text": "Draft chapter 3", "response_text": "It was", "token_count": 812}
    for index in range(count):
        log_l1("cc", "chapter.drafted", f"Drafted chapter {index}", prompt=prompt)
    client = redis.Redis.from_url(settings.REDIS_URL)
    entries: Any = client.xrange("mem0.recorded.cc", count=count)
    return [
        replace(Event.parse(fields[EVENT_FIELD]), cursor=entry_id.decode())
        for entry_id, fields in entries
    ]


def sync_throughput(count: int, floor_p50: float) -> None:
    from apps.core.graphdb.connection import cypher
    from apps.graph.events import GraphSync

    events = recorded_events(count)
    subscriber = GraphSync()
    subscriber.handle_batch(events[:1])  # the Module nodes, once, outside the clock
    start = time.perf_counter()
    for first in range(0, len(events), BATCH):
        subscriber.handle_batch(events[first : first + BATCH])
    seconds = time.perf_counter() - start
    nodes = cypher("MATCH (n:LogEntry) RETURN count(n) AS n")[0]["n"]
    assert nodes == len(events), f"{nodes} LogEntry nodes for {len(events)} events"
    rate = len(events) / seconds
    print(
        f"sync throughput: {len(events)} events (log + prompt + session) in {seconds:.2f} s = "
        f"{rate:,.0f} events/s ({1000 / rate:.2f} ms per event = "
        f"{1000 / rate / floor_p50:.1f} x the floor)"
    )


def write_to_visible(samples: int, floor_p50: float) -> None:
    from _setup import summary

    from apps.core.graphdb.connection import cypher
    from apps.core.highway.worker import EventWorker
    from apps.core.memory.recording import log_l1
    from apps.graph.events import GraphSync

    worker = EventWorker([GraphSync()], relay=True)
    worker.start()
    try:
        latencies = []
        for index in range(samples):
            start = time.perf_counter()
            recorded = log_l1("cc", "chapter.drafted", f"Visible {index}")
            while not cypher(
                "MATCH (n:LogEntry {log_id: $id}) RETURN n.uid AS uid",
                {"id": recorded.base_log_id},
            ):
                time.sleep(0.0005)
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        worker.stop()
    p50 = summary("L1 write -> node visible", latencies)["p50"]
    print(f"  = {p50 / floor_p50:.1f} x the floor at p50")


def neighbourhoods(count: int, samples: int, floor_p50: float) -> None:
    from _setup import summary

    from apps.core.graphdb.connection import cypher
    from apps.graph import selectors

    cypher("MATCH (n) DETACH DELETE n")
    start = time.perf_counter()
    keys = [f"e{index}" for index in range(count)]
    for first in range(0, count, 5000):
        rows = [
            {"uid": str(uuid.uuid4()), "key": key, "name": f"Entity {key}"}
            for key in keys[first : first + 5000]
        ]
        cypher(
            "UNWIND $rows AS row CREATE (n:Entity:graph {uid: row.uid, key: row.key, "
            "name: row.name, module: 'graph'})",
            {"rows": rows},
        )
    rng = random.Random(12)  # the same graph every run  # noqa: S311
    for first in range(0, count, 5000):
        links = [
            {"a": key, "b": rng.choice(keys), "uid": str(uuid.uuid4())}
            for key in keys[first : first + 5000]
            for _ in range(3)
        ]
        cypher(
            "UNWIND $links AS link MATCH (a:Entity {key: link.a}), (b:Entity {key: link.b}) "
            "CREATE (a)-[:REFERENCES {uid: link.uid}]->(b)",
            {"links": links},
        )
    built = time.perf_counter() - start
    print(f"built {count:,} nodes and {3 * count:,} relationships in {built:.1f} s")
    uids = [row["uid"] for row in cypher("MATCH (n:Entity) RETURN n.uid AS uid LIMIT 5000")]
    sizes = []

    def query() -> None:
        found = selectors.neighbourhood(rng.choice(uids), depth=2)
        assert found is not None
        sizes.append(len(found["nodes"]))

    for _ in range(20):
        query()  # warm the server's caches and plans
    sizes.clear()
    latencies = [timed(query) for _ in range(samples)]
    p50 = summary(f"neighbourhood depth 2 ({count:,} nodes)", latencies)["p50"]
    print(
        f"  = {p50 / floor_p50:.1f} x the floor at p50; "
        f"{sum(sizes) / len(sizes):.0f} nodes per neighbourhood on average"
    )


if __name__ == "__main__":
    main()
