"""logs/: POST writes through log_l1; GET filters and pages newest first."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.memory.recording import log_l1
from apps.core.memory.serializers import LogSerializer

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(api_root):
    return f"{api_root}/logs/"


def test_anonymous_requests_get_401(highway, url):
    assert APIClient().get(url).status_code == 401


def test_post_writes_a_log(api, url, memory):
    response = api.post(
        url,
        {"message": "Outline ready", "event_type": "outline.ready", "payload": {"book": 1},
         "prompt": {"prompt_text": "Outline book 1", "token_count": 90}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["event_type"] == "outline.ready" and body["prompt"]["token_count"] == 90
    assert body["request_id"] == response["X-Request-ID"]
    assert memory.base_log.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"message"}),
        ({"message": "m", "level": "loud"}, {"level"}),
        ({"message": "m", "payload": [1]}, {"payload"}),
        ({"message": "m", "prompt": {"token_count": -1}}, {"prompt"}),
    ],
)
def test_post_validation_names_each_field(api, url, data, fields):
    response = api.post(url, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields


def test_get_filters_by_level_event_type_request_id_time_and_text(api, url, memory_module, memory):
    log_l1(memory_module, "chapter.drafted", "Chapter one drafted", level="info")
    log_l1(memory_module, "chapter.failed", "Chapter two failed", level="error")
    old = log_l1(memory_module, "chapter.drafted", "Ancient entry")
    memory.base_log.objects.filter(pk=old.base_log_id).update(
        timestamp=timezone.now() - timedelta(days=30)
    )

    def messages(**params):
        return [row["message"] for row in api.get(url, params).json()["results"]]

    assert messages(level="error") == ["Chapter two failed"]
    assert messages(event_type="chapter.drafted") == ["Chapter one drafted", "Ancient entry"]
    assert messages(request_id=old.request_id) == ["Ancient entry"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert "Ancient entry" not in messages(since=since)
    assert messages(q="two") == ["Chapter two failed"]
    assert api.get(url, {"level": "loud"}).status_code == 400


def test_get_pages_with_a_cursor(api, url, memory_module):
    for n in range(5):
        log_l1(memory_module, "n", f"entry {n}")
    first = api.get(url, {"limit": 2}).json()
    assert [r["message"] for r in first["results"]] == ["entry 4", "entry 3"]
    second = api.get(first["next"]).json()
    assert [r["message"] for r in second["results"]] == ["entry 2", "entry 1"]


@pytest.mark.parametrize(
    "data",
    [
        {"message": "with everything", "event_type": "e.x", "payload": {"a": [1, 2]},
         "prompt": {"prompt_text": "p", "response_text": "r", "execution_time_ms": 2.5}},
        {"message": "bare", "level": "error"},
    ],
)  # fmt: skip
def test_post_answers_the_log_as_get_reads_it(api, url, data):
    written = api.post(url, data, format="json").json()
    assert written == api.get(f"{url}{written['id']}/").json()


def test_post_does_not_build_the_log_serializers_fields_per_request(api, url, monkeypatch):
    built = []
    real = LogSerializer.get_fields

    def counted(self):
        built.append(self)
        return real(self)

    monkeypatch.setattr(LogSerializer, "get_fields", counted)
    for _ in range(3):
        assert api.post(url, {"message": "m"}, format="json").status_code == 201
    assert len(built) <= 1  # once per process at most
