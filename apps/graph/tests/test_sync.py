"""L1 -> L2: the graph.sync subscriber writes every recorded log into the graph (MERGE on ids:
a replay changes nothing), and `graphsync --rebuild` makes the same graph from L1."""

import uuid
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.core.graphdb.schema import install_schema
from apps.core.highway.envelope import Event
from apps.core.highway.streams import EVENT_FIELD
from apps.core.memory.recording import log_l1
from apps.core.testing import user_with_access
from apps.graph.events import GraphSync
from apps.graph.tests.sync_support import poll, running, snapshot, sync_subscriber

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def schema(graph):
    """The uniqueness constraints, as `serve` installs them: MERGE must hold with them."""
    install_schema()


def recorded_events(*channels):
    client: Any = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return [
            Event.parse(fields[EVENT_FIELD].decode())
            for channel in channels
            for _, fields in client.xrange(channel)
        ]
    finally:
        client.close()


def test_an_api_write_reaches_the_graph_through_the_running_subscriber(graph, highway):
    api = APIClient()
    api.force_authenticate(user_with_access("writer", "cc", write=True))
    with running(sync_subscriber()):
        response = api.post(
            "/api/cc/logs/",
            {"message": "Outline ready", "event_type": "outline.ready",
             "prompt": {"prompt_text": "Outline book 1", "token_count": 90}},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()
        body = response.json()
        [row] = poll(
            lambda: graph(
                "MATCH (p:Prompt)-[:FLOWS_TO]->(l:LogEntry {log_id: $id})-[:CREATED_BY]->"
                "(m:Module {code: 'cc'}), (l)-[:TRIGGERED_BY]->(s:Session) "
                "RETURN labels(l) AS labels, l.event_type AS type, p.prompt_text AS prompt, "
                "p.token_count AS tokens, s.request_id AS request_id, m.name AS module",
                {"id": body["id"]},
            )
        )
    assert set(row["labels"]) == {"LogEntry", "cc"}
    assert row["type"] == "outline.ready" and row["module"] == "Control Center"
    assert (row["prompt"], row["tokens"]) == ("Outline book 1", 90)
    assert row["request_id"] == response["X-Request-ID"]


def test_module_requirements_are_depends_on_between_module_nodes(graph, highway):
    with running(sync_subscriber()):
        recorded = log_l1("graph", "node.seen", "first")
        poll(
            lambda: graph("MATCH (l:LogEntry {log_id: $id}) RETURN l", {"id": recorded.base_log_id})
        )
    assert graph(
        "MATCH (:Module {code: 'graph'})-[:DEPENDS_ON]->(m:Module {code: 'core'}) "
        "RETURN m.enabled AS enabled"
    ) == [{"enabled": "yes"}]


def test_a_replayed_event_changes_nothing(graph, highway):
    applied: list[str] = []
    with running(sync_subscriber(applied)):
        first = log_l1("cc", "chapter.drafted", "Drafted", prompt={"prompt_text": "Write it"})
        second = log_l1("graph", None, "Seen")
        poll(lambda: {first.base_log_id, second.base_log_id} <= set(applied))
    before = snapshot()
    mine = {first.event_id, second.event_id}
    events = [e for e in recorded_events("mem0.recorded.cc", "mem0.recorded.graph") if e.id in mine]
    assert len(events) == 2
    GraphSync().handle_batch(events)  # delivered again (at least once)
    GraphSync().handle_batch(events[::-1])
    assert snapshot() == before


def test_a_module_switched_off_and_on_says_so_in_the_graph(graph, highway):
    from apps.core.governance import services

    with running(sync_subscriber()):
        services.disable_module("graph")
        poll(lambda: graph("MATCH (m:Module {code: 'graph', enabled: 'no'}) RETURN m"))
        services.enable_module("graph")
        poll(lambda: graph("MATCH (m:Module {code: 'graph', enabled: 'yes'}) RETURN m"))


def test_rebuild_equals_live_sync(graph, highway):
    applied: list[str] = []
    with running(sync_subscriber(applied)):
        written = [
            log_l1("cc", "chapter.drafted", "Drafted 1", prompt={"prompt_text": "Write 1"}),
            log_l1("cc", "chapter.drafted", "Drafted 2"),
            log_l1("graph", "node.seen", "Seen", prompt={"prompt_text": "Look", "token_count": 3}),
        ]
        poll(lambda: {r.base_log_id for r in written} <= set(applied))
    live = snapshot(times=False)
    assert len(live[0]) > len(written) * 2

    graph("MATCH (n) DETACH DELETE n")
    call_command("graphsync", "--rebuild", "--batch-size", "2", "--no-progress")
    rebuilt = snapshot(times=False)
    assert rebuilt[0] ^ live[0] == set(), (rebuilt[0] - live[0], live[0] - rebuilt[0])
    assert snapshot(times=False) == live
    rebuilt = snapshot()
    call_command("graphsync", "--rebuild", "--no-progress")
    assert snapshot() == rebuilt  # idempotent


def test_graphsync_without_rebuild_says_what_to_do(graph):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--rebuild"):
        call_command("graphsync")


def test_a_log_l1_no_longer_has_is_written_from_its_event(graph):
    log_id = str(uuid.uuid4())
    event = Event(
        type="mem0.recorded", source="cc", channel="mem0.recorded.cc", request_id="req-gone",
        data={"event_type": "chapter.cut", "level": "info", "message": "Cut", "prompt": False},
        extra={"base_log_id": log_id},
    )  # fmt: skip
    GraphSync().handle_batch([event])
    assert graph(
        "MATCH (m:Module)<-[:CREATED_BY]-(l:LogEntry {log_id: $id})-[:TRIGGERED_BY]->(s:Session) "
        "RETURN l.message AS message, l.event_type AS type, s.request_id AS session, m.code AS m",
        {"id": log_id},
    ) == [{"message": "Cut", "type": "chapter.cut", "session": "req-gone", "m": "cc"}]
