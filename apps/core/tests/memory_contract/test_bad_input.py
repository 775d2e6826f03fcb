"""Hostile or careless input to the kit's API gets a clear 4xx with field messages, never a
500."""

import json

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def nested(depth):
    value: dict = {}
    inner = value
    for _ in range(depth - 1):
        inner["a"] = {}
        inner = inner["a"]
    return value


@pytest.fixture
def api(highway):
    client = APIClient(raise_request_exception=False)  # a 500 must show as a 500
    client.force_authenticate(User.objects.create_superuser("root"))
    return client


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("prompt-traces/", {"prompt_text": "p", "token_count": 2**31}, "token_count"),
        ("logs/", {"message": "m", "prompt": {"prompt_text": "p", "token_count": 2**31}},
         "prompt"),
        ("logs/", {"message": "m", "payload": nested(33)}, "payload"),
        ("logs/", {"message": "m", "payload": nested(300)}, "payload"),
        ("logs/", {"message": "m", "payload": {"n": 2**64}}, "payload"),
        ("logs/", {"message": "m", "payload": {"k\u0000": "v"}}, "payload"),
        ("logs/", {"message": "m", "payload": {"k": ["v\u0000"]}}, "payload"),
    ],
)  # fmt: skip
def test_values_postgresql_or_the_highway_cannot_store_are_field_errors(
    api, api_root, path, body, field
):
    response = api.generic(
        "POST", f"{api_root}/{path}", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_the_deepest_payload_allowed_is_stored(api, api_root):
    response = api.post(f"{api_root}/logs/", {"message": "m", "payload": nested(32)}, format="json")
    assert response.status_code == 201, response.content


def test_a_body_nested_beyond_the_decoders_reach_is_a_parse_error(api, api_root):
    body = "[" * 10_000 + "]" * 10_000
    response = api.generic("POST", f"{api_root}/logs/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_over_the_upload_limit_is_413(api, api_root):
    body = json.dumps({"message": "x" * 3_000_000})
    response = api.generic("POST", f"{api_root}/logs/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.parametrize(
    "query",
    [
        "logs/?since=2020-01-01T00:00:00%2B20:00",
        "logs/?until=2020-01-01T00:00:00-23:59",
        "prompt-traces/?since=2020-01-01T00:00:00%2B20:00",
    ],
)
def test_offsets_postgresql_refuses_are_read_in_utc(api, api_root, query):
    assert api.get(f"{api_root}/{query}").status_code == 200


def test_a_date_time_that_leaves_the_calendar_in_utc_is_a_field_error(api, api_root):
    response = api.get(f"{api_root}/logs/?until=9999-12-31T23:00:00-05:00")
    assert response.status_code == 400
    assert "until" in response.json()["errors"]


@pytest.mark.parametrize("offset", ["9223372036854775808", "1" + "0" * 30])
def test_an_offset_beyond_bigint_is_a_field_error(api, api_root, offset):
    response = api.get(f"{api_root}/notes/?offset={offset}")
    assert response.status_code == 400
    assert "offset" in response.json()["errors"]


def test_a_cursor_whose_position_is_not_a_time_is_an_invalid_cursor(api, api_root):
    response = api.get(f"{api_root}/logs/?cursor=cD1ub3RhZGF0ZQ%3D%3D")  # "p=notadate"
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


def test_a_note_key_with_a_nul_character_is_not_found(api, api_root):
    assert api.get(f"{api_root}/notes/key/a%00b/").status_code == 404
