"""Promoting L1 records of another module (cc's real L1 memory) into a note."""

import uuid

import pytest

from apps.core.memory.recording import log_l1
from apps.core.modules import access
from apps.core.testing import grant, user_with_access
from apps.zk.models import Citation, Note
from apps.zk.tests.conftest import api_as, published

PROMOTE = "/api/zk/notes/promote/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(highway):
    """May write zk and view cc."""
    user = user_with_access("curator", "zk", write=True)
    return api_as(grant(user, "cc", access.VIEW))


@pytest.fixture
def cc_logs(highway):
    first = log_l1("cc", "chapter.drafted", "Drafted chapter 3\nwith the river scene")
    second = log_l1(
        "cc",
        "chapter.asked",
        "Asked for a title",
        prompt={"prompt_text": "Title?", "response_text": "Flood"},
    )
    return first, second


def promote(api, **body):
    return api.post(PROMOTE, {"title": "What chapter 3 taught", **body}, format="json")


def test_logs_are_quoted_and_cited_in_the_order_given(curator, cc_logs):
    first, second = cc_logs
    ids = [second.base_log_id, first.base_log_id]
    response = promote(curator, module="cc", kind="log", ids=ids, tags=["lessons"])
    assert response.status_code == 201
    note = Note.objects.get(pk=response.json()["id"])
    assert note.source == "L1 cc log" and note.tags == ["lessons"]
    assert note.body.index("> Asked for a title") < note.body.index("> Drafted chapter 3")
    assert "> with the river scene" in note.body  # every line of a message is quoted
    citations = list(note.citations.values_list("module", "kind", "record_id", "text"))
    assert citations == [
        ("cc", "log", second.base_log_id, "Asked for a title"),
        ("cc", "log", first.base_log_id, "Drafted chapter 3\nwith the river scene"),
    ]
    assert note.citations.all()[0].recorded_at == second.base_log.timestamp
    promoted = published("zk.note.promoted")
    assert promoted == [
        {"id": str(note.pk), "title": note.title, "tags": ["lessons"], "module": "cc",
         "kind": "log", "records": ids}
    ]  # fmt: skip
    assert len(published("zk.note.created")) == 1


def test_prompt_traces_are_quoted_with_their_answers(curator, cc_logs):
    trace_id = str(cc_logs[1].prompt_trace_id)
    response = promote(curator, module="cc", kind="prompt_trace", ids=[trace_id], intro="Why.")
    assert response.status_code == 201
    note = Note.objects.get(pk=response.json()["id"])
    assert note.body.startswith("Why.\n\n> Title?\n\n> Flood")
    assert list(note.citations.values_list("kind", "record_id", "text")) == [
        ("prompt_trace", trace_id, "Title?")
    ]


def test_the_source_modules_view_permission_is_needed(cc_logs, highway):
    zk_only = api_as(user_with_access("zk-only", "zk", write=True))
    response = promote(zk_only, module="cc", kind="log", ids=[cc_logs[0].base_log_id])
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not view module 'cc'."
    cc_viewer = api_as(grant(user_with_access("cc-viewer", "cc"), "zk", access.VIEW))
    response = promote(cc_viewer, module="cc", kind="log", ids=[cc_logs[0].base_log_id])
    assert response.status_code == 403  # zk's write permission too
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"module": "nope", "kind": "log", "ids": ["x"]}, 404, None),
        ({"module": "probe", "kind": "log", "ids": ["x"]}, 400, "module"),
        ({"module": "cc", "kind": "scratch", "ids": ["x"]}, 400, "kind"),
        ({"module": "cc", "kind": "log", "ids": []}, 400, "ids"),
        ({"module": "cc", "kind": "log", "ids": [str(uuid.uuid4())]}, 404, None),
        ({"module": "cc", "kind": "log", "ids": ["not-a-uuid"]}, 404, None),
        ({"module": "cc", "kind": "prompt_trace", "ids": ["99999999"]}, 404, None),
        ({"module": "cc", "kind": "prompt_trace", "ids": ["-1", "1e3"]}, 404, None),
        ({"module": "cc", "kind": "log", "ids": [str(i) for i in range(51)]}, 400, "ids"),
    ],
)
def test_bad_promotions_are_refused_and_write_nothing(highway, body, status, field):
    from django.contrib.auth.models import User

    superuser = api_as(User.objects.create_superuser("root"))  # may view every module
    response = promote(superuser, **body)
    assert response.status_code == status, response.json()
    if field:
        assert field in response.json()["errors"]
    assert not Note.objects.exists() and not Citation.objects.exists()


def test_unknown_ids_are_named(curator, cc_logs):
    missing = str(uuid.uuid4())
    response = promote(curator, module="cc", kind="log", ids=[cc_logs[0].base_log_id, missing])
    assert response.status_code == 404 and missing in response.json()["detail"]
