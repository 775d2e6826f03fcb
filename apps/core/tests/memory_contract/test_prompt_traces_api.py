"""prompt-traces/: prompts and answers, written through log_l1, read with filters."""

import pytest
from rest_framework.test import APIClient

from apps.core.memory.recording import log_l1

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(api_root):
    return f"{api_root}/prompt-traces/"


def test_anonymous_requests_get_401(highway, url):
    assert APIClient().get(url).status_code == 401


def test_post_records_a_trace_through_log_l1(api, url, memory):
    response = api.post(
        url,
        {
            "prompt_text": "Outline book 12",
            "response_text": "1. Arrival",
            "execution_time_ms": 812.5,
            "token_count": 340,
            "event_type": "outline.drafted",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["prompt_text"] == "Outline book 12" and body["token_count"] == 340
    assert body["event_type"] == "outline.drafted" and body["request_id"]
    trace = memory.prompt_trace.objects.get()
    assert trace.base_log.message == "Prompt trace"
    assert memory.event_log.objects.get().base_log_id == trace.base_log_id


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"prompt_text"}),
        ({"prompt_text": "x", "token_count": -1}, {"token_count"}),
        ({"prompt_text": "x", "execution_time_ms": "slow"}, {"execution_time_ms"}),
        ({"prompt_text": "x", "level": "loud"}, {"level"}),
        ({"prompt_text": "x", "payload": [1]}, {"payload"}),
    ],
)
def test_post_validation_names_each_field(api, url, memory, data, fields):
    response = api.post(url, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    assert not memory.prompt_trace.objects.exists()


def test_get_filters_by_event_type_tokens_and_text(api, url, memory_module):
    log_l1(
        memory_module,
        "outline.drafted",
        "a",
        prompt={"prompt_text": "Outline book 1", "token_count": 10},
    )
    log_l1(
        memory_module,
        "chapter.drafted",
        "b",
        prompt={"prompt_text": "Draft chapter", "token_count": 900},
    )
    log_l1(memory_module, "chapter.drafted", "c")  # no prompt: not a trace

    def prompts(**query):
        return [t["prompt_text"] for t in api.get(url, query).json()["results"]]

    assert prompts() == ["Draft chapter", "Outline book 1"]
    assert prompts(event_type="outline.drafted") == ["Outline book 1"]
    assert prompts(min_tokens=100) == ["Draft chapter"]
    assert prompts(q="outline") == ["Outline book 1"]
    assert api.get(url, {"min_tokens": "lots"}).status_code == 400


def test_get_pages_with_a_cursor(api, url, memory_module):
    for n in range(5):
        log_l1(memory_module, None, f"log {n}", prompt={"prompt_text": f"prompt {n}"})
    first = api.get(url, {"limit": 2}).json()
    second = api.get(first["next"]).json()
    seen = [t["prompt_text"] for t in first["results"] + second["results"]]
    assert seen == ["prompt 4", "prompt 3", "prompt 2", "prompt 1"]
    one = first["results"][0]
    assert api.get(f"{url}{one['id']}/").json()["prompt_text"] == "prompt 4"
