"""The graph API (/api/graph/), against the real graph server of the test session."""

import itertools
import socket
import urllib.parse

import pytest
from rest_framework.test import APIClient

from apps.core.graphdb import connection
from apps.core.graphdb.schema import install_schema
from apps.core.models import OutboxEntry
from apps.core.testing import user_with_access
from apps.graph import selectors

NODES = "/api/graph/nodes/"
RELATIONSHIPS = "/api/graph/relationships/"
INJECTION = "x'}) DETACH DELETE n //"
BIG = 2**70  # past the 64 bits Bolt carries


@pytest.fixture
def g(graph):
    install_schema()  # the merge keys' uniqueness, which a 409 relies on
    return graph


@pytest.fixture
def writer(db):
    api = APIClient()
    api.force_authenticate(user_with_access("writer", "graph", write=True))
    return api


def node(api, label="Module", module="graph", name=None, merge=False, **properties):
    body = {"label": label, "module": module, "name": name, "properties": properties}
    return api.post(NODES, {**body, "merge": merge}, format="json")


def link(api, source, target, rel_type="RELATES_TO", **properties):
    body = {"source": source, "target": target, "type": rel_type, "properties": properties}
    return api.post(RELATIONSHIPS, body, format="json")


def count_nodes(cypher):
    return cypher("MATCH (n) RETURN count(n) AS count")[0]["count"]


# --- nodes ------------------------------------------------------------------------------------


def test_a_created_node_has_its_type_and_module_labels(g, writer):
    response = node(writer, "LogEntry", "cc", "hello", log_id="L1", level="info")
    assert response.status_code == 201
    created = response.json()
    assert created["label"] == "LogEntry" and created["labels"] == ["LogEntry", "cc"]
    assert created["module"] == "cc" and created["name"] == "hello"
    assert created["properties"]["log_id"] == "L1" and created["properties"]["level"] == "info"
    assert set(created) == {
        "uid", "label", "labels", "module", "name", "properties", "created_at", "updated_at",
    }  # fmt: skip
    assert g("MATCH (n:LogEntry:cc) RETURN n.uid AS uid") == [{"uid": created["uid"]}]
    assert writer.get(f"{NODES}{created['uid']}/").json() == created
    assert OutboxEntry.objects.filter(channel="graph.node.created").count() == 1


def test_merge_returns_the_existing_node_with_200(g, writer):
    first = node(writer, code="cc", merge=True, version="1")
    again = node(writer, code="cc", merge=True, version="2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["uid"] == first.json()["uid"]
    assert again.json()["properties"]["version"] == "2"
    assert count_nodes(g) == 1


def test_a_duplicate_merge_key_without_merge_is_a_409(g, writer):
    assert node(writer, code="cc").status_code == 201
    response = node(writer, code="cc")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert count_nodes(g) == 1


def test_changing_a_merge_key_to_a_taken_one_is_a_409(g, writer):
    node(writer, code="a")
    uid = node(writer, code="b").json()["uid"]
    response = writer.patch(f"{NODES}{uid}/", {"properties": {"code": "a"}}, format="json")
    assert response.status_code == 409
    assert writer.get(f"{NODES}{uid}/").json()["properties"]["code"] == "b"


def test_nodes_are_found_by_label_module_and_property_a_page_at_a_time(g, writer):
    for code in ("a", "b", "c"):
        node(writer, code=code, kind="optional" if code != "c" else "core")
    node(writer, "Concept", "cc", key="k")
    found = writer.get(NODES, {"label": "Module", "kind": "optional", "limit": 1}).json()
    assert found["count"] == 2 and len(found["results"]) == 1 and found["next"]
    assert found["results"][0]["properties"]["kind"] == "optional"
    assert writer.get(NODES, {"module": "cc"}).json()["count"] == 1
    assert writer.get(NODES).json()["count"] == 4


def test_a_node_changes_and_goes(g, writer):
    uid = node(writer, "Concept", key="k", description="old").json()["uid"]
    changed = writer.patch(
        f"{NODES}{uid}/", {"name": "n", "properties": {"description": "new"}}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "n" and changed.json()["properties"]["description"] == "new"
    assert writer.delete(f"{NODES}{uid}/").status_code == 204
    assert writer.get(f"{NODES}{uid}/").status_code == 404
    assert count_nodes(g) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "nope/"),
        ("patch", "nope/"),
        ("delete", "nope/"),
        ("get", "nope/relationships/"),
        ("get", "nope/neighbourhood/"),
    ],
)
def test_an_unknown_uid_is_a_404(g, writer, method, path):
    response = getattr(writer, method)(f"{NODES}{path}", {}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "Nope", "module": "graph"}, "label"),
        ({"label": "Module", "module": "nope", "properties": {"code": "x"}}, "module"),
        ({"label": "Module", "module": "graph", "properties": {"code": "x", "hue": 1}},
         "properties"),
        ({"label": "Prompt", "module": "graph", "properties": {"log_id": "x", "token_count": "9"}},
         "properties"),
        ({"label": "Prompt", "module": "graph", "properties": {"log_id": "x", "token_count": BIG}},
         "properties"),
        ({"label": "Module", "module": "graph", "properties": {}}, "properties"),  # no merge key
        ({"label": "Module", "module": "graph", "properties": "code"}, "properties"),
    ],
)  # fmt: skip
def test_a_node_the_declarations_refuse_is_a_400_naming_the_field(g, writer, body, field):
    response = writer.post(NODES, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert count_nodes(g) == 0


def test_bad_input_is_explained_in_the_callers_language(g, writer):
    response = writer.post(
        NODES,
        {"label": "Nope", "module": "graph"},
        format="json",
        headers={"Accept-Language": "fr"},
    )
    assert response.json()["errors"]["label"][0].startswith("Label inconnu 'Nope'")


def test_an_undeclared_property_filter_is_a_400(g, writer):
    response = writer.get(NODES, {"label": "Module", "colour": "red"})
    assert response.status_code == 400 and "colour" in response.json()["errors"]
    assert writer.get(NODES, {"label": "Nope"}).status_code == 400


def test_cypher_in_a_value_is_just_data(g, writer):
    keep = node(writer, code="keep").json()["uid"]
    response = node(writer, "Concept", name=INJECTION, key=INJECTION, description=INJECTION)
    assert response.status_code == 201
    assert response.json()["name"] == INJECTION
    assert response.json()["properties"] == {"key": INJECTION, "description": INJECTION}
    assert count_nodes(g) == 2
    found = writer.get(NODES, {"label": "Concept", "key": INJECTION}).json()
    assert [n["name"] for n in found["results"]] == [INJECTION]
    assert writer.get("/api/graph/search/", {"q": INJECTION}).status_code == 200
    assert writer.get(f"{NODES}{INJECTION}/").status_code == 404
    assert writer.get(f"{NODES}{keep}/").status_code == 200


# --- relationships ----------------------------------------------------------------------------


def test_relationships_are_created_listed_and_deleted(g, writer):
    log = node(writer, "LogEntry", log_id="L1").json()["uid"]
    module = node(writer, code="cc").json()["uid"]
    response = link(writer, log, module, "CREATED_BY", weight=2)
    assert response.status_code == 201
    created = response.json()
    assert created == {
        "uid": created["uid"], "type": "CREATED_BY", "source": log, "target": module,
        "properties": {"weight": 2},
    }  # fmt: skip
    for uid in (log, module):
        assert writer.get(f"{NODES}{uid}/relationships/").json()["results"] == [created]
    assert writer.delete(f"{RELATIONSHIPS}{created['uid']}/").status_code == 204
    assert writer.delete(f"{RELATIONSHIPS}{created['uid']}/").status_code == 404
    assert writer.get(f"{NODES}{log}/relationships/").json()["count"] == 0
    assert OutboxEntry.objects.filter(channel="graph.relationship.deleted").count() == 1


def test_a_relationship_of_unknown_type_or_nodes_is_a_400(g, writer):
    a = node(writer, "Concept", key="a").json()["uid"]
    response = link(writer, a, a, "LIKES")
    assert response.status_code == 400 and "type" in response.json()["errors"]
    response = link(writer, a, "nope")
    assert response.status_code == 400 and "target" in response.json()["errors"]
    for properties in ({"bad name": 1}, {"huge": 2**64}, {"nested": {"a": 1}}):
        response = link(writer, a, a, **properties)
        assert response.status_code == 400 and "properties" in response.json()["errors"]
    assert g("MATCH ()-[r]->() RETURN count(r) AS count")[0]["count"] == 0


# --- neighbourhood, search, stats, schema -----------------------------------------------------


def chain(api, length):
    uids = [node(api, "Concept", key=f"c{i}").json()["uid"] for i in range(length)]
    for source, target in itertools.pairwise(uids):
        link(api, source, target)
    return uids


def test_the_neighbourhood_reaches_depth_hops(g, writer):
    uids = chain(writer, 4)
    found = writer.get(f"{NODES}{uids[0]}/neighbourhood/", {"depth": 2}).json()
    assert found["root"] == uids[0] and found["depth"] == 2 and found["truncated"] is False
    assert {n["uid"] for n in found["nodes"]} == set(uids[:3])
    assert {(r["source"], r["target"]) for r in found["relationships"]} == {
        (uids[0], uids[1]), (uids[1], uids[2]),
    }  # fmt: skip


def test_a_neighbourhood_past_the_cap_is_truncated(g, writer):
    uids = chain(writer, 4)
    found = selectors.neighbourhood(uids[0], 3, cap=2)
    assert found is not None and found["truncated"] is True and len(found["nodes"]) == 2


@pytest.mark.parametrize("depth", ["0", "4", "two"])
def test_a_depth_outside_1_to_the_limit_is_a_400(g, writer, depth):
    uid = node(writer, "Concept", key="a").json()["uid"]
    response = writer.get(f"{NODES}{uid}/neighbourhood/", {"depth": depth})
    assert response.status_code == 400 and "depth" in response.json()["errors"]


def test_the_depth_limit_is_the_modules_setting(g, writer, settings):
    uids = chain(writer, 6)
    settings.COS_MODULE_SETTINGS = {"graph": {"NEIGHBOURHOOD_MAX_DEPTH": "5"}}  # as COS_GRAPH__...
    found = writer.get(f"{NODES}{uids[0]}/neighbourhood/", {"depth": 5}).json()
    assert len(found["nodes"]) == 6


def test_search_finds_a_substring_of_the_search_fields_ignoring_case(g, writer):
    node(writer, "LogEntry", name="first", log_id="L1", message="The Graph is UP")
    node(writer, "Concept", name="graph theory", key="k")
    node(writer, "Concept", name="other", key="o")
    found = writer.get("/api/graph/search/", {"q": "gRaPh"}).json()
    assert sorted(n["name"] for n in found) == ["first", "graph theory"]
    only = writer.get("/api/graph/search/", {"q": "graph", "label": "Concept"}).json()
    assert [n["name"] for n in only] == ["graph theory"]
    assert writer.get("/api/graph/search/", {"q": "graph", "label": "Nope"}).status_code == 400
    assert writer.get("/api/graph/search/").status_code == 400


def test_stats_count_labels_and_relationship_types(g, writer):
    chain(writer, 3)
    node(writer, code="cc")
    stats = writer.get("/api/graph/stats/").json()
    assert stats["nodes"] == 4 and stats["relationships"] == 2
    assert stats["labels"]["Concept"] == 3 and stats["labels"]["graph"] == 4
    assert stats["relationship_types"]["RELATES_TO"] == 2
    assert stats["relationship_types"]["CONTAINS"] == 0


def test_the_schema_lists_labels_types_and_constraints(g, writer):
    schema = writer.get("/api/graph/schema/").json()
    assert schema["labels"]["LogEntry"]["module"] == "graph"
    assert schema["labels"]["LogEntry"]["properties"]["log_id"]["unique"] is True
    assert "DEPENDS_ON" in schema["relationship_types"]
    assert "unique_Module_code" in {c["name"] for c in schema["constraints"]}


# --- access, documentation, outages -----------------------------------------------------------


@pytest.mark.django_db
def test_strangers_are_refused_and_viewers_only_read(g):
    anonymous = APIClient()
    assert anonymous.get(NODES).status_code == 401
    assert anonymous.post(NODES, {}, format="json").status_code == 401
    viewer = APIClient()
    viewer.force_authenticate(user_with_access("viewer", "graph"))
    assert viewer.get(NODES).status_code == 200
    assert viewer.get("/api/graph/stats/").status_code == 200
    response = node(viewer, code="cc")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert count_nodes(g) == 0
    other = APIClient()
    other.force_authenticate(user_with_access("other", "cc"))
    assert other.get(NODES).status_code == 403


@pytest.mark.django_db
def test_the_openapi_document_lists_the_graph_endpoints(client):
    client.force_login(user_with_access("reader", "graph"))
    paths = client.get("/api/schema/", headers={"Accept": "application/json"}).json()["paths"]
    for path in (
        "/api/graph/nodes/",
        "/api/graph/nodes/{uid}/",
        "/api/graph/nodes/{uid}/relationships/",
        "/api/graph/nodes/{uid}/neighbourhood/",
        "/api/graph/relationships/",
        "/api/graph/relationships/{uid}/",
        "/api/graph/search/",
        "/api/graph/stats/",
        "/api/graph/schema/",
    ):
        assert path in paths


def test_the_api_is_browsable(g, writer):
    uid = node(writer, code="cc").json()["uid"]
    for path in (NODES, f"{NODES}{uid}/", f"{NODES}{uid}/neighbourhood/", "/api/graph/schema/"):
        response = writer.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200 and b"<html" in response.content


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_graph_server_is_a_503_with_retry_after(g, writer, settings):
    settings.NEO4J_URL = f"bolt://root:none@127.0.0.1:{closed_port()}"
    try:
        for response in (writer.get("/api/graph/stats/"), node(writer, code="cc")):
            assert response.status_code == 503
            assert response.json()["code"] == "graph_unavailable"
            assert int(response["Retry-After"]) > 0
    finally:
        connection.close()


def test_a_graph_server_refusing_our_credentials_is_a_503_too(g, writer, settings):
    """ArcadeDB shutting down answers a live connection with an AuthError: a 503, never a 500
    (and the sync holds its events rather than failing them)."""
    parts = urllib.parse.urlsplit(settings.NEO4J_URL)
    wrong = parts._replace(netloc=f"{parts.username}:wrong-password@{parts.hostname}:{parts.port}")
    settings.NEO4J_URL = urllib.parse.urlunsplit(wrong)
    try:
        response = writer.get("/api/graph/stats/")
        assert response.status_code == 503, response.content
        assert response.json()["code"] == "graph_unavailable"
    finally:
        connection.close()
