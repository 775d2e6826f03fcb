"""The path L1 -> L3 -> L4, as an agent walks it with a token: it records its work (L1),
promotes it into a curated note (L3), archives the note and a PRD into the canon (L4) and reads
the PRD's lineage back down to the L1 records. Nobody can then rewrite what was archived."""

import pytest
from django.db import DatabaseError, connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.testing import grant, user_with_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    """An agent's account: writes cc's L1, zk's notes and the canon, with a token."""
    user = user_with_access("agent-7", "cc", write=True)
    user = grant(user, "zk", "view", "write")
    user = grant(user, "canon", "view", "write")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def posted(api, path, body, status=201):
    response = api.post(path, body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_an_agent_promotes_archives_and_reads_the_lineage_back(agent, highway):
    logs = [
        posted(agent, "/api/cc/logs/", {"message": f"Drafted scene {n}",
                                        "event_type": "scene.drafted"})["id"]
        for n in (1, 2)
    ]  # fmt: skip
    note = posted(agent, "/api/zk/notes/promote/", {
        "module": "cc", "kind": "log", "ids": logs, "title": "Scenes 1-2: the harbour",
    })  # fmt: skip
    posted(agent, "/api/canon/notes/", {"note_id": note["id"], "agent": "agent-7"})
    posted(agent, "/api/canon/notes/", {"note_id": note["id"]}, status=409)  # twice
    posted(agent, "/api/canon/prds/", {"prd_key": "book-1", "title": "Book 1", "category": "book"})
    posted(agent, "/api/canon/prds/", {"prd_key": "book-1", "title": "Book 1, revised"})
    posted(agent, "/api/canon/traces/", {"prd_key": "book-1", "trigger": "scene.drafted"})
    posted(agent, "/api/canon/links/", {"source_node": "canon:prd:book-1",
                                        "target_node": f"canon:note:{note['id']}",
                                        "link_type": "DEPENDS_ON"})  # fmt: skip

    response = agent.get("/api/canon/prds/book-1/lineage/")
    assert response.status_code == 200, response.content
    lineage = response.json()
    assert [v["title"] for v in lineage["versions"]] == ["Book 1", "Book 1, revised"]
    assert lineage["versions"][1]["supersedes"] == lineage["versions"][0]["id"]
    assert [t["trigger"] for t in lineage["versions"][1]["traces"]] == ["scene.drafted"]
    [archived] = lineage["notes"]
    assert archived["note_id"] == note["id"] and archived["title"] == "Scenes 1-2: the harbour"
    cited = {(c["module"], c["kind"], c["id"]) for c in archived["citations"]}
    assert cited == {("cc", "log", log_id) for log_id in logs}

    # Queried by origin and text, as an agent looks for what it archived.
    found = agent.get("/api/canon/notes/", {"q": "harbour"}).json()
    assert [n["note_id"] for n in found["results"]] == [note["id"]]

    # Changing the record: the API says why not; the database refuses even without the API.
    refused = agent.patch(f"/api/canon/notes/{archived['id']}/", {"title": "x"}, format="json")
    assert refused.status_code == 405 and refused.json()["code"] == "immutable"
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE canon.archived_note SET title = 'rewritten'")


def test_an_agent_without_the_canons_write_permission_archives_nothing(highway):
    user = user_with_access("reader", "canon")
    user = grant(user, "zk", "view")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    refused = api.post("/api/canon/prds/", {"prd_key": "book-1", "title": "x"}, format="json")
    assert refused.status_code == 403
    assert api.get("/api/canon/prds/").json()["results"] == []
