"""API tokens: each key is looked up once per COS_TOKEN_CACHE_S per process; revoked tokens stop
working at once in this process, and within COS_TOKEN_CACHE_S when revoked elsewhere."""

import time

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.rest.authentication import forget_tokens


@pytest.fixture
def token_client(db):
    forget_tokens()
    token = Token.objects.create(user=User.objects.create_superuser("agent"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    yield api, token
    forget_tokens()


def token_queries(api: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/cc/logs/").status_code == 200
    return sum("authtoken_token" in q["sql"] for q in queries.captured_queries)


def test_a_token_is_looked_up_once_within_the_cache_time(token_client, settings):
    settings.COS_TOKEN_CACHE_S = 60
    api, _ = token_client
    assert token_queries(api) == 1
    assert token_queries(api) == 0


def test_no_cache_when_the_cache_time_is_zero(token_client, settings):
    settings.COS_TOKEN_CACHE_S = 0
    api, _ = token_client
    assert token_queries(api) == 1
    assert token_queries(api) == 1


def test_a_token_deleted_in_this_process_stops_working_at_once(token_client, settings):
    settings.COS_TOKEN_CACHE_S = 60
    api, token = token_client
    assert api.get("/api/cc/logs/").status_code == 200
    token.delete()
    assert api.get("/api/cc/logs/").status_code == 401


def test_a_user_deactivated_in_this_process_is_refused_at_once(token_client, settings):
    settings.COS_TOKEN_CACHE_S = 60
    api, token = token_client
    assert api.get("/api/cc/logs/").status_code == 200
    token.user.is_active = False
    token.user.save()
    assert api.get("/api/cc/logs/").status_code == 401


def test_a_token_revoked_elsewhere_stops_working_within_the_cache_time(token_client, settings):
    settings.COS_TOKEN_CACHE_S = 0.5
    api, token = token_client
    assert api.get("/api/cc/logs/").status_code == 200
    # Another process deletes it: no signal reaches this one.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token WHERE key = %s", [token.key])
    revoked_at = time.monotonic()
    assert api.get("/api/cc/logs/").status_code == 200  # still trusted from the cache
    while api.get("/api/cc/logs/").status_code == 200:
        assert time.monotonic() - revoked_at < 0.5 + 1.0, "still accepted past the cache time"
        time.sleep(0.05)
    assert api.get("/api/cc/logs/").status_code == 401
