"""The canon's API (/api/canon/): archive with the module's write permission, read with its
view permission; 404 for what does not exist, 409 twice, 400 for bad input, never a 500."""

import json

import pytest
from rest_framework.test import APIClient

from apps.canon import services

from .conftest import snapshot, unique

API = "/api/canon/"


def archive_prd(api, key, **fields):
    return api.post(f"{API}prds/", {"prd_key": key, "title": "Onboarding", **fields}, format="json")


def test_strangers_and_readers_may_not_archive(db, highway, stranger, reader):
    assert APIClient().get(f"{API}prds/").status_code == 401
    assert stranger.get(f"{API}prds/").status_code == 403
    assert reader.get(f"{API}prds/").status_code == 200
    refused = archive_prd(reader, unique())
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_archiving_a_prd_twice_is_a_409_and_a_change_a_new_version(writer):
    key = unique()
    created = archive_prd(writer, key, summary="Draft", origin_module="cc", agent="bot")
    assert created.status_code == 201
    body = created.json()
    assert (body["version"], body["supersedes"], body["archived_by"]) == (1, None, "writer")
    assert (body["origin_module"], body["agent"]) == ("cc", "bot")
    assert len(body["row_hash"]) == 64 and body["seq"] >= 1
    again = archive_prd(writer, key, summary="Draft", origin_module="cc", agent="bot")
    assert again.status_code == 409 and again.json()["code"] == "already_archived"
    changed = archive_prd(writer, key, summary="Final")
    assert changed.status_code == 201 and changed.json()["supersedes"] == body["id"]
    versions = writer.get(f"{API}prds/{key}/").json()
    assert versions["prd_key"] == key
    assert [(v["version"], v["summary"]) for v in versions["versions"]] == [
        (1, "Draft"), (2, "Final"),
    ]  # fmt: skip
    assert writer.get(f"{API}prds/{unique()}/").status_code == 404


def test_traces_links_and_notes_through_the_api(writer, notes):
    key = unique()
    archive_prd(writer, key)
    trace = writer.post(
        f"{API}traces/", {"prd_key": key, "trigger": "review", "context": {"a": 1}}, format="json"
    )
    assert trace.status_code == 201 and trace.json()["version"] == 1
    missing = writer.post(f"{API}traces/", {"prd_key": unique(), "trigger": "x"}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    link = {
        "source_node": f"canon:prd:{key}",
        "target_node": "zk:note:n1",
        "link_type": "REFERENCES",
    }
    assert writer.post(f"{API}links/", link, format="json").status_code == 201
    assert writer.post(f"{API}links/", link, format="json").status_code == 409
    notes["n1"] = snapshot("n1")
    assert writer.post(f"{API}notes/", {"note_id": "n1"}, format="json").status_code == 201
    assert writer.post(f"{API}notes/", {"note_id": "n1"}, format="json").status_code == 409
    assert writer.post(f"{API}notes/", {"note_id": "nope"}, format="json").status_code == 404
    one = writer.get(f"{API}traces/{trace.json()['id']}/")
    assert one.status_code == 200 and one.json()["trigger"] == "review"


def test_without_a_notes_module_the_api_says_so(writer, monkeypatch):
    monkeypatch.setattr(services, "contract", lambda name: None)
    refused = writer.post(f"{API}notes/", {"note_id": "n1"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "no_note_provider"


def test_lists_filter_by_module_category_time_and_text(writer):
    tag = unique("q")
    archive_prd(writer, unique(), summary=f"about {tag}", category="ux", origin_module="cc")
    archive_prd(writer, unique(), title=f"{tag.upper()} plan", category="ops", origin_module="zk")
    archive_prd(writer, unique(), category="ux")

    def keys(**query):
        response = writer.get(f"{API}prds/", query)
        assert response.status_code == 200, response.json()
        return [(r["category"], r["origin_module"]) for r in response.json()["results"]]

    assert keys(q=tag) == [("ops", "zk"), ("ux", "cc")]  # newest first, any case
    assert keys(q=tag, category="ux") == [("ux", "cc")]
    assert keys(q=tag, origin_module="zk") == [("ops", "zk")]
    assert keys(q=tag, since="2999-01-01T00:00:00Z") == []
    assert keys(q=tag, until="2000-01-01T00:00:00+02:00") == []


def test_lineage_follows_versions_traces_links_notes_and_citations(writer, notes):
    key = unique()
    archive_prd(writer, key, summary="v1")
    archive_prd(writer, key, summary="v2")
    trace = writer.post(
        f"{API}traces/", {"prd_key": key, "trigger": "review"}, format="json"
    ).json()
    notes["n7"] = snapshot("n7", title="Why")
    writer.post(f"{API}notes/", {"note_id": "n7"}, format="json")
    links = [
        (f"canon:prd:{key}", "zk:note:n7", "REFERENCES"),
        (f"canon:trace:{trace['id']}", "cc:log:abc", "TRIGGERED_BY"),
        ("zk:note:elsewhere", "cc:log:unrelated", "RELATES_TO"),  # not this PRD's
    ]
    for source, target, kind in links:
        body = {"source_node": source, "target_node": target, "link_type": kind}
        assert writer.post(f"{API}links/", body, format="json").status_code == 201

    lineage = writer.get(f"{API}prds/{key}/lineage/").json()
    assert [v["version"] for v in lineage["versions"]] == [1, 2]
    assert lineage["versions"][0]["traces"] == []
    assert [t["trigger"] for t in lineage["versions"][1]["traces"]] == ["review"]
    assert [(link["source_node"], link["link_type"]) for link in lineage["links"]] == [
        (f"canon:prd:{key}", "REFERENCES"), (f"canon:trace:{trace['id']}", "TRIGGERED_BY"),
    ]  # fmt: skip
    assert [(n["note_id"], n["title"]) for n in lineage["notes"]] == [("n7", "Why")]
    assert lineage["notes"][0]["citations"] == snapshot("n7")["citations"]
    assert writer.get(f"{API}prds/{unique()}/lineage/").status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("prds/", {"prd_key": "has space", "title": "T"}, "prd_key"),
        ("prds/", {"prd_key": "k", "title": ""}, "title"),
        ("prds/", {"prd_key": "k", "title": "T", "created_at": "yesterday"}, "created_at"),
        ("prds/", {"prd_key": "k", "title": "T", "origin_module": "Not A Code"}, "origin_module"),
        ("prds/", {"prd_key": "k", "title": "T\u0000"}, "title"),
        ("traces/", {"prd_key": "k", "trigger": "t", "context": [1, 2]}, "context"),
        ("traces/", {"prd_key": "k", "trigger": "t", "context": {"n": 2**70}}, "context"),
        ("traces/", {"prd_key": "k", "trigger": "t", "version": 0}, "version"),
        (
            "links/",
            {"source_node": "no colons", "target_node": "cc:log:1", "link_type": "REFERENCES"},
            "source_node",
        ),
        (
            "links/",
            {"source_node": "cc:log:1", "target_node": "cc:log:1", "link_type": "REFERENCES"},
            "target_node",
        ),
        (
            "links/",
            {"source_node": "cc:log:1", "target_node": "cc:log:2", "link_type": "LIKES"},
            "link_type",
        ),
        ("notes/", {}, "note_id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(writer, path, body, field):
    response = writer.post(f"{API}{path}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "query",
    [
        {"since": "not a date"},
        {"until": "99999-01-01T00:00:00Z"},
        {"q": "x" * 201},
        {"limit": "-1"},
    ],
)
def test_bad_queries_are_refused_not_crashed(reader, query):
    response = reader.get(f"{API}prds/", query)
    assert response.status_code in (200, 400)  # a bad limit falls back to the default page
    if "limit" not in query:
        assert response.status_code == 400


def test_a_forged_cursor_is_a_404(reader):
    import base64

    cursor = base64.b64encode(b"p=abc").decode()
    assert reader.get(f"{API}links/", {"cursor": cursor}).status_code == 404
    assert reader.get(f"{API}traces/not-a-number/").status_code == 404
    assert reader.get(f"{API}traces/99999999999999999999/").status_code == 404


@pytest.mark.parametrize("trace_id", ["²", "٣", "007", "0"])
def test_a_trace_reference_is_ascii_digits_without_leading_zeros(writer, trace_id):
    key = unique()
    archive_prd(writer, key)
    writer.post(f"{API}traces/", {"prd_key": key, "trigger": "review"}, format="json")
    link = {"source_node": f"canon:prd:{key}", "target_node": f"canon:trace:{trace_id}",
            "link_type": "REFERENCES"}  # fmt: skip
    answer = writer.post(f"{API}links/", link, format="json")
    assert answer.status_code == 404, answer.content


@pytest.mark.parametrize("context", [{"k": "\udc00"}, {"\ud800": 1}, {"list": ["ok", "\udfff"]}])
def test_a_lone_surrogate_in_a_context_is_a_400(writer, context):
    key = unique()
    archive_prd(writer, key)
    body = json.dumps({"prd_key": key, "trigger": "x", "context": context})  # "\udc00" escaped
    answer = writer.post(f"{API}traces/", body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert "surrogate" in str(answer.json()["errors"])
