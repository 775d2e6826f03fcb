"""logs/: POST writes through log_l1; GET filters and pages newest first."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.cc.api.serializers import LogSerializer
from apps.cc.models import BaseLog
from apps.core.services import log_l1
from apps.core.testing import user_with_access

pytestmark = pytest.mark.django_db
URL = "/api/cc/logs/"


@pytest.fixture
def api(highway):
    client = APIClient()
    client.force_authenticate(user_with_access("author", "cc", write=True))
    return client


def test_anonymous_requests_get_401(highway):
    assert APIClient().get(URL).status_code == 401


def test_post_writes_a_log(api):
    response = api.post(
        URL,
        {"message": "Outline ready", "event_type": "outline.ready", "payload": {"book": 1},
         "prompt": {"prompt_text": "Outline book 1", "token_count": 90}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["event_type"] == "outline.ready" and body["prompt"]["token_count"] == 90
    assert body["request_id"] == response["X-Request-ID"]
    assert BaseLog.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"message"}),
        ({"message": "m", "level": "loud"}, {"level"}),
        ({"message": "m", "payload": [1]}, {"payload"}),
        ({"message": "m", "prompt": {"token_count": -1}}, {"prompt"}),
    ],
)
def test_post_validation_names_each_field(api, data, fields):
    response = api.post(URL, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields


def test_get_filters_by_level_event_type_request_id_time_and_text(api):
    log_l1("cc", "chapter.drafted", "Chapter one drafted", level="info")
    log_l1("cc", "chapter.failed", "Chapter two failed", level="error")
    old = log_l1("cc", "chapter.drafted", "Ancient entry")
    BaseLog.objects.filter(pk=old.base_log_id).update(timestamp=timezone.now() - timedelta(days=30))

    def messages(**params):
        return [row["message"] for row in api.get(URL, params).json()["results"]]

    assert messages(level="error") == ["Chapter two failed"]
    assert messages(event_type="chapter.drafted") == ["Chapter one drafted", "Ancient entry"]
    assert messages(request_id=old.request_id) == ["Ancient entry"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert "Ancient entry" not in messages(since=since)
    assert messages(q="two") == ["Chapter two failed"]
    assert api.get(URL, {"level": "loud"}).status_code == 400


def test_get_pages_with_a_cursor(api):
    for n in range(5):
        log_l1("cc", "n", f"entry {n}")
    first = api.get(URL, {"limit": 2}).json()
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
def test_post_answers_the_log_as_get_reads_it(api, data):
    written = api.post(URL, data, format="json").json()
    assert written == api.get(f"{URL}{written['id']}/").json()


def test_post_does_not_build_the_log_serializers_fields_per_request(api, monkeypatch):
    built = []
    real = LogSerializer.get_fields

    def counted(self):
        built.append(self)
        return real(self)

    monkeypatch.setattr(LogSerializer, "get_fields", counted)
    for _ in range(3):
        assert api.post(URL, {"message": "m"}, format="json").status_code == 201
    assert len(built) <= 1  # once per process at most
