"""The graph server stopped and restarted mid-stream: the events wait in their stream, nothing
is lost, nothing goes to the dead-letter stream, and they are applied in order when it is back."""

from typing import Any

import pytest
import redis
from django.conf import settings
from neo4j.exceptions import DatabaseError

from apps.core.graphdb import connection
from apps.core.graphdb.connection import cypher, reachable
from apps.core.graphdb.errors import GraphUnavailable
from apps.core.graphdb.schema import install_schema
from apps.core.highway.consuming import UNAVAILABLE
from apps.core.highway.streams import dead_letter_key, errors_key
from apps.core.memory.recording import log_l1
from apps.core.runtime.graph_server import use_graph
from apps.graph.tests.sync_support import poll, running, sync_subscriber

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def own_graph(tmp_path, settings):
    """A graph server of the test's own; the test stops and restarts it."""
    folders = (tmp_path / "graph", tmp_path / "run")
    (tmp_path / "run").mkdir()
    leases = []

    def start():
        lease, url = use_graph(*folders)
        leases.append(lease)
        return url

    settings.NEO4J_URL = start()
    install_schema()
    yield start, leases
    for lease in leases:
        lease.release()
    connection.close()


def logged_ids():
    return [row["id"] for row in cypher("MATCH (l:LogEntry) RETURN l.log_id AS id")]


def prompted_ids():
    found = "MATCH (p:Prompt)-[:FLOWS_TO]->(l:LogEntry) RETURN l.log_id AS id"
    return [row["id"] for row in cypher(found)]


def test_a_graph_server_restarted_mid_stream_loses_nothing(own_graph, highway):
    start, leases = own_graph
    url = settings.NEO4J_URL
    applied: list[str] = []
    subscriber = sync_subscriber(applied)
    client: Any = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with running(subscriber):
            before = [log_l1("cc", "chapter.drafted", f"Drafted {n}").base_log_id for n in (1, 2)]
            poll(lambda: set(logged_ids()) == set(before))

            leases[0].release()  # this process was its only user: the server stops
            during = [
                log_l1(
                    "cc", "chapter.drafted", f"Drafted {n}", prompt={"prompt_text": f"P{n}"}
                ).base_log_id
                for n in range(3, 9)
            ]
            # The subscriber tried, and holds the events as waiting for the graph, not failed.
            poll(lambda: any(
                error.startswith(UNAVAILABLE.encode())
                for error in client.hvals(errors_key(subscriber.group))
            ))  # fmt: skip

            assert start() == url  # the same ports again: clients holding the URL reconnect
            poll(lambda: set(logged_ids()) == set(before + during), seconds=60)
            poll(lambda: sorted(prompted_ids()) == sorted(during))
        assert applied == before + during  # in order, each once after the outage
        dead = client.xrange(dead_letter_key("mem0.recorded.cc"))
        assert [f for _, f in dead if f[b"group"] == subscriber.group.encode()] == []
        assert client.xpending("mem0.recorded.cc", subscriber.group)["pending"] == 0
    finally:
        client.close()


def test_a_server_error_is_the_statements_own_until_the_server_is_gone(own_graph):
    """ArcadeDB fails a statement it is running when it shuts down with a DatabaseError: once
    the server no longer answers, that error holds events (GraphUnavailable), not fails them."""
    _, leases = own_graph
    with pytest.raises(DatabaseError, match=r"nothing\.here") as refused:
        cypher("CALL nothing.here()")  # ArcadeDB: Neo.DatabaseError.General.UnknownError
    leases[0].release()  # this process was its only user: the server stops
    with pytest.raises(GraphUnavailable), reachable():
        raise refused.value  # the same error, now from a server that is gone
