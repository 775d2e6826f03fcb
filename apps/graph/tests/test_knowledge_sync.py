"""L1 -> L3 -> L4, through the real modules' APIs, and into the graph (L2): a log promoted into
an L3 note, the note linked and archived into L4 with a PRD, a trace and a memory link; the
graph.knowledge subscriber mirrors each step from the events alone."""

import pytest
from rest_framework.test import APIClient

from apps.core.graphdb.schema import install_schema
from apps.core.memory.recording import log_l1
from apps.core.testing import grant, user_with_access
from apps.graph.events import KnowledgeSync
from apps.graph.tests.sync_support import poll, running, sync_subscriber

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def author():
    """May read cc's L1, write L3 notes and archive into L4."""
    user = user_with_access("author", "cc")
    user = grant(user, "zk", "view", "write")
    user = grant(user, "canon", "view", "write")
    api = APIClient()
    api.force_authenticate(user)
    return api


def knowledge_subscriber():
    return type("TestKnowledgeSync", (KnowledgeSync,), {
        "name": "graph.knowledge.test", "group": "graph.knowledge.test", "start_from": "$",
        "__module__": KnowledgeSync.__module__,
    })  # fmt: skip


def posted(api, path, body, status=201):
    response = api.post(path, body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_a_log_promoted_linked_and_archived_is_one_connected_graph(graph, highway, author):
    install_schema()
    with running(sync_subscriber()), running(knowledge_subscriber()):
        log_id = str(log_l1("cc", "chapter.drafted", "Drafted chapter 3").base_log_id)
        poll(lambda: graph("MATCH (l:LogEntry {log_id: $id}) RETURN l", {"id": log_id}))

        note = posted(author, "/api/zk/notes/promote/", {
            "module": "cc", "kind": "log", "ids": [log_id], "title": "Chapter 3 idea",
        })  # fmt: skip
        other = posted(author, "/api/zk/notes/", {"title": "Theme: memory", "body": "..."})
        link = posted(author, f"/api/zk/notes/{note['id']}/links/",
                      {"to": other["id"], "type": "RELATES_TO"})  # fmt: skip
        posted(author, "/api/canon/notes/", {"note_id": note["id"]})
        posted(author, "/api/canon/prds/", {"prd_key": "book-1", "title": "Book 1"})
        posted(author, "/api/canon/traces/", {"prd_key": "book-1", "trigger": "chapter.drafted"})
        posted(author, "/api/canon/links/", {
            "source_node": "canon:prd:book-1", "target_node": f"zk:note:{note['id']}",
            "link_type": "DEPENDS_ON",
        })  # fmt: skip

        chain = (
            "MATCH (t:Entity:canon)-[:REFERENCES]->(p:Entity:canon {key: 'canon:prd:book-1'})"
            "-[:DEPENDS_ON]->(c:Concept:zk {key: $note})-[:REFERENCES]->"
            "(l:LogEntry:cc {log_id: $log}), "
            "(a:Entity:canon {key: $archived})-[:REFERENCES]->(c), "
            "(c)-[:RELATES_TO]->(o:Concept:zk {key: $other}) "
            "RETURN c.name AS note, o.name AS other, p.name AS prd, t.name AS trace"
        )
        keys = {"note": f"zk:note:{note['id']}", "other": f"zk:note:{other['id']}",
                "log": log_id, "archived": f"canon:note:{note['id']}"}  # fmt: skip
        # Each kind of event has its channel: a node MERGEd by a later kind's event first gets
        # its name when its own event arrives.
        names = {"note": "Chapter 3 idea", "other": "Theme: memory", "prd": "Book 1",
                 "trace": "chapter.drafted"}  # fmt: skip
        poll(lambda: graph(chain, keys) == [names])

        # Unlinking and deleting in L3 reach the graph too (L4 keeps its own record).
        assert author.delete(f"/api/zk/links/{link['id']}/").status_code == 204
        related = "MATCH (:Concept {key: $note})-[r:RELATES_TO]->() RETURN count(r) AS n"
        poll(lambda: graph(related, keys) == [{"n": 0}])
        assert author.delete(f"/api/zk/notes/{other['id']}/").status_code == 204
        poll(lambda: graph("MATCH (o:Concept {key: $other}) RETURN o", keys) == [])
        assert graph("MATCH (a:Entity {key: $archived}) RETURN a.module AS m", keys) == [
            {"m": "canon"}
        ]


def test_an_unknown_link_type_in_an_event_writes_no_relationship(graph):
    """The relationship type comes from the event: only the graph's own types are written."""
    from apps.graph import knowledge

    install_schema()
    ids = {"from": "a" * 8, "to": "b" * 8}
    knowledge.sync_link({**ids, "id": 1, "type": "RELATES_TO]->() DETACH DELETE (n"})
    assert graph("MATCH ()-[r]->() RETURN count(r) AS n") == [{"n": 0}]
    knowledge.sync_link({**ids, "id": 2, "type": "RELATES_TO"})  # the positive control
    assert graph("MATCH ()-[r:RELATES_TO]->() RETURN count(r) AS n") == [{"n": 1}]


def test_a_memory_link_arriving_before_its_nodes_events_is_kept(graph):
    """canon.link.archived is read before canon.prd.archived and zk.note.created."""
    from apps.graph import knowledge

    install_schema()
    knowledge.sync_memory_link(
        {"source": "canon:prd:book-2", "target": "zk:note:n-2", "type": "DEPENDS_ON"}
    )
    knowledge.sync_prd({"prd_key": "book-2", "version": 1, "title": "Book 2"})
    knowledge.sync_note({"id": "n-2", "title": "Why", "tags": []})
    found = graph(
        "MATCH (p:Entity:canon {key: 'canon:prd:book-2'})-[:DEPENDS_ON]->"
        "(c:Concept:zk {key: 'zk:note:n-2'}) RETURN p.name AS prd, c.name AS note"
    )
    assert found == [{"prd": "Book 2", "note": "Why"}]
