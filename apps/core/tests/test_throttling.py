"""Guessing is throttled: failed admin sign-ins (django-axes) and bad API or websocket tokens
(apps.core.http.token_failures) from one address answer 429 (websockets: close 4429) past a
limit."""

import json
import os
import subprocess
import sys

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.http import token_failures
from apps.core.http.websocket_auth import CLOSE_THROTTLED, CLOSE_UNAUTHENTICATED
from apps.core.testing import operator
from cos_project.asgi import application
from tests.faults_support import poll

BASE_DIR = settings.BASE_DIR
LOGIN = "/admin/login/"
OTHER_ADDRESS = "198.51.100.7"  # TEST-NET-2: never a real client


@pytest.fixture
def limits(settings, highway):
    settings.AXES_FAILURE_LIMIT = 3
    settings.COS_TOKEN_FAILURES = {"LIMIT": 3, "COOLOFF": 60}
    yield settings
    token_failures.reset(OTHER_ADDRESS)


def sign_in(password, username="editor"):
    return Client().post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


@pytest.mark.django_db
def test_repeated_failed_sign_ins_get_429_until_the_cool_off(limits):
    User.objects.create_user("editor", password="the-right-password-1", is_staff=True)
    for _ in range(2):  # below the limit: the form again, with its error
        assert sign_in("wrong").status_code == 200
    locked = sign_in("wrong")  # the limit-th failure locks the address out
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    # Locked out, even the right password is not tried.
    assert sign_in("the-right-password-1").status_code == 429


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_failures(limits):
    User.objects.create_user("editor", password="the-right-password-1", is_staff=True)
    for _ in range(2):
        sign_in("wrong")
    assert sign_in("the-right-password-1").status_code == 302  # signed in
    for _ in range(2):
        assert sign_in("wrong").status_code == 200  # counting starts again


def api_with_token(key, address="127.0.0.1"):
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.mark.django_db
def test_repeated_bad_api_tokens_get_429_from_that_address_only(limits):
    for _ in range(3):
        assert api_with_token("not-a-token").get("/api/cc/logs/").status_code == 401
    throttled = api_with_token("not-a-token").get("/api/cc/logs/")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) == 60
    assert api_with_token("not-a-token", OTHER_ADDRESS).get("/api/cc/logs/").status_code == 401
    # The probes authenticate tokens through the same count.
    assert api_with_token("not-a-token").get("/status").status_code == 429


@pytest.mark.django_db
def test_a_valid_token_is_never_throttled(limits):
    """Only failures are counted (a valid token costs no cache round trip)."""
    key = Token.objects.create(user=operator()).key
    for _ in range(4):
        api_with_token("not-a-token").get("/status")
    assert api_with_token("not-a-token").get("/status").status_code == 429
    assert api_with_token(key).get("/status").status_code == 200


@pytest.mark.django_db
def test_failures_past_the_cool_off_start_a_new_count(limits):
    limits.COS_TOKEN_FAILURES = {"LIMIT": 1, "COOLOFF": 1}
    assert api_with_token("bad").get("/api/cc/logs/").status_code == 401
    assert api_with_token("bad").get("/api/cc/logs/").status_code == 429

    def expired():
        return api_with_token("bad").get("/api/cc/logs/").status_code == 401

    poll(expired, 5, "the count to expire")


@pytest.mark.slow
def last_line_of(script: str, env: dict[str, str]) -> str:
    """What a separate Python process running `script`, with `env` added, printed last."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.django_db
def test_counts_are_shared_between_processes(limits):
    """Another process (another worker) sees this one's count: it lives in Redis."""
    for _ in range(3):
        assert token_failures.record(OTHER_ADDRESS) is None
    script = (
        "import django; django.setup(); from apps.core.http import token_failures; "
        f"print(token_failures.record({OTHER_ADDRESS!r}))"
    )
    env = {"COS_TOKEN_FAILURE_LIMIT": "3", "COS_TOKEN_COOLOFF": "60"}
    assert last_line_of(script, env) == "60"  # past the limit over there too


@pytest.mark.slow
def test_the_limits_come_from_the_environment():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), "
        "s.COS_TOKEN_FAILURES, s.CACHES['default']['BACKEND']]))"
    )
    env = {
        "COS_LOGIN_FAILURE_LIMIT": "7",
        "COS_LOGIN_COOLOFF": "120",
        "COS_TOKEN_FAILURE_LIMIT": "9",
        "COS_TOKEN_COOLOFF": "30",
    }
    assert json.loads(last_line_of(script, env)) == [
        7,
        120.0,
        {"LIMIT": 9, "COOLOFF": 30},
        "django.core.cache.backends.redis.RedisCache",
    ]


async def close_code(path, headers=()):
    feed = WebsocketCommunicator(application, path, headers=list(headers))
    connected, _ = await feed.connect()
    assert connected
    output = await feed.receive_output(timeout=2)
    while output["type"] == "websocket.send":
        output = await feed.receive_output(timeout=2)
    assert output["type"] == "websocket.close"
    await feed.wait()
    return output["code"]


@pytest.mark.django_db(transaction=True)
async def test_repeated_bad_websocket_tokens_close_4429(limits):
    for _ in range(3):
        assert await close_code("/ws/events/?token=not-a-token") == CLOSE_UNAUTHENTICATED
    assert await close_code("/ws/events/?token=not-a-token") == CLOSE_THROTTLED
    header = [(b"authorization", b"Token not-a-token")]
    assert await close_code("/ws/events/", header) == CLOSE_THROTTLED
    # Without a token nothing is counted: still "sign in first".
    assert await close_code("/ws/events/") == CLOSE_UNAUTHENTICATED


@pytest.mark.django_db(transaction=True)
async def test_a_valid_websocket_token_still_connects_when_throttled(limits):
    user = await database_sync_to_async(User.objects.create_superuser)("agent")
    key = (await database_sync_to_async(Token.objects.create)(user=user)).key
    for _ in range(4):
        await close_code("/ws/events/?token=not-a-token")
    feed = WebsocketCommunicator(application, f"/ws/events/?token={key}")
    connected, _ = await feed.connect()
    assert connected and (await feed.receive_json_from())["type"] == "welcome"
    await feed.disconnect()
