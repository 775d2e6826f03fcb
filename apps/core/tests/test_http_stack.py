"""The HTTP stack under load and faults: async end to end, bounded work, 503 instead of 500."""

import asyncio

import pytest
from asgiref import sync
from channels.testing import HttpCommunicator
from django.db import OperationalError, connections
from django.test import override_settings

from apps.core.http.overload import InFlightLimit
from cos_project.asgi import application, django_asgi_app


async def get(app, path, headers=()):
    communicator = HttpCommunicator(app, "GET", path, headers=[(b"host", b"localhost"), *headers])
    return await communicator.get_response(timeout=5)


class CountingHandOffs:
    """Counts sync_to_async hand-offs (each one a trip to a thread and back)."""

    def __init__(self, monkeypatch):
        self.count = 0
        original = sync.SyncToAsync.__init__

        def counting(this, *args, **kwargs):
            self.count += 1
            original(this, *args, **kwargs)

        monkeypatch.setattr(sync.SyncToAsync, "__init__", counting)


async def test_a_probe_crosses_into_a_thread_only_where_djangos_handler_itself_does(
    monkeypatch,
):
    """Django's ASGI handler sends request_started / request_finished and closes the response
    through sync_to_async (3 hand-offs); the middleware and the view add none. With Django's
    stock middleware classes the same request takes about twenty."""
    await get(application, "/alive")  # warm: the middleware chain is built on first use
    hand_offs = CountingHandOffs(monkeypatch)
    response = await get(application, "/alive")
    assert response["status"] == 200
    print("HANDOFFS", hand_offs.count)
    assert hand_offs.count <= 3


def test_every_configured_middleware_can_run_async():
    from django.conf import settings
    from django.utils.module_loading import import_string

    for path in settings.MIDDLEWARE:
        middleware = import_string(path)
        assert getattr(middleware, "async_capable", False), path


async def test_past_the_limit_requests_are_refused_at_once_with_503_and_retry_after():
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = InFlightLimit(slow_app, limit=2)
    held = [asyncio.create_task(get(limited, "/slow")) for _ in range(2)]
    while limited.in_flight < 2:
        await asyncio.sleep(0.01)
    refused = await get(limited, "/slow", headers=[(b"x-request-id", b"req-9")])
    assert refused["status"] == 503
    headers = dict(refused["headers"])
    assert headers[b"retry-after"] == b"1"
    assert headers[b"content-type"] == b"application/json"
    assert b'"code":"overloaded"' in refused["body"] and b'"request_id":"req-9"' in refused["body"]
    release.set()
    assert [r["status"] for r in await asyncio.gather(*held)] == [200, 200]
    assert limited.in_flight == 0
    assert (await get(limited, "/slow"))["status"] == 200  # the slots came back


def test_the_served_application_is_bounded_by_cos_max_in_flight(settings):
    limit = application.application_mapping["http"]
    assert isinstance(limit, InFlightLimit)
    assert limit.limit == settings.COS_MAX_IN_FLIGHT


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/status", "/metrics", "/api/cc/logs/"])
def test_a_view_that_cannot_reach_the_database_answers_json_503_with_retry_after(
    admin_client, monkeypatch, path
):
    from apps.core.highway.relay import Relay

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Relay, "pending_count", unreachable)
    monkeypatch.setattr("django.db.models.query.QuerySet._fetch_all", unreachable)
    response = admin_client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.django_db
def test_other_database_errors_stay_errors(admin_client, monkeypatch):
    """Only "cannot reach the database" is a 503; a bug is still a 500 (logged)."""
    from django.db import ProgrammingError

    from apps.core.highway.relay import Relay

    def broken(*args, **kwargs):
        raise ProgrammingError("relation does not exist")

    monkeypatch.setattr(Relay, "pending_count", broken)
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False):
        admin_client.raise_request_exception = False
        assert admin_client.get("/status").status_code == 500


async def test_requests_reuse_their_threads_instead_of_starting_one_each():
    """Django starts and joins a thread per request; COS hands the next request an idle one."""
    import threading

    from django.core.signals import request_started

    threads = []

    def record(**kwargs):  # a sync receiver: it runs on the request's own thread
        threads.append(threading.current_thread())  # kept alive: no ident reuse

    request_started.connect(record)
    try:
        for _ in range(5):
            assert (await get(application, "/alive"))["status"] == 200
    finally:
        request_started.disconnect(record)
    assert len(threads) == 5
    assert all(thread is threads[0] for thread in threads)


@pytest.mark.django_db
def test_in_sync_mode_the_csrf_check_stays_a_plain_call():
    """The test client and WSGI run the chain in sync mode: no async_to_sync per request."""
    from django.test import Client

    from apps.core.http.django_middleware import CsrfViewMiddleware

    sync_instance = CsrfViewMiddleware(lambda request: None)
    assert not asyncio.iscoroutinefunction(sync_instance.process_view)

    async def app(request):
        return None

    assert asyncio.iscoroutinefunction(CsrfViewMiddleware(app).process_view)
    assert Client(enforce_csrf_checks=True).post("/admin/login/").status_code == 403


async def test_liveness_probes_answer_even_past_the_limit():
    release = asyncio.Event()

    async def app(scope, receive, send):
        if scope["path"] != "/alive":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = InFlightLimit(app, limit=1)
    held = asyncio.create_task(get(limited, "/slow"))
    while limited.in_flight < 1:
        await asyncio.sleep(0.01)
    assert (await get(limited, "/slow"))["status"] == 503  # positive control: the limit bites
    assert (await get(limited, "/alive"))["status"] == 200
    release.set()
    await held


async def hand_offs_of(monkeypatch, communicator):
    hand_offs = CountingHandOffs(monkeypatch)
    try:
        response = await communicator.get_response(timeout=5)
        await communicator.wait(timeout=5)  # the handler has finished (its thread is idle)
    finally:  # the request threads' connections, so the test database can be dropped
        for executor in django_asgi_app._idle:
            executor.submit(connections.close_all).result()
    monkeypatch.undo()
    return response, hand_offs.count


@pytest.mark.django_db(transaction=True)
async def test_a_sync_api_write_adds_one_hand_off_to_djangos_own(monkeypatch, highway):
    """Django's handler hands off for its request signals whatever the view; a sync view adds
    one, for the view and the rendering of its response (Django renders in a second)."""
    from channels.db import database_sync_to_async
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    def make_token():
        return Token.objects.create(user=User.objects.create_superuser("writer")).key

    key = await database_sync_to_async(make_token)()
    body = b'{"message": "m"}'
    headers = [(b"host", b"localhost"), (b"authorization", f"Token {key}".encode()),
               (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    await get(application, "/alive")  # warm
    _, djangos_own = await hand_offs_of(
        monkeypatch, HttpCommunicator(application, "GET", "/alive", headers=headers[:1])
    )
    response, write = await hand_offs_of(
        monkeypatch, HttpCommunicator(application, "POST", "/api/cc/logs/", body, headers)
    )
    assert response["status"] == 201, response["body"]
    assert b'"message":"m"' in response["body"]
    assert write == djangos_own + 1
