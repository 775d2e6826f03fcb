"""Module governance: enable and disable at run time, with rules, an audit trail, and a
disabled module switched off everywhere (API, websockets, admin, subscribers, periodic jobs)."""

import asyncio
import uuid

import pytest
import redis.asyncio
from channels.db import database_sync_to_async  # closes the thread's connection
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.cc.models import Module, ModuleStateChange
from apps.core import governance
from apps.core.governance import services
from apps.core.highway.consuming import SubscriberRunner
from apps.core.highway.envelope import Event
from apps.core.highway.subscribers import Subscriber
from apps.core.runtime.schedule import PeriodicJob, run_periodic
from apps.core.testing import user_with_access
from cos_project.asgi import application

pytestmark = pytest.mark.django_db
ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("root", password="pw-root-1")


@pytest.fixture
def api(admin_user, highway):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def module_id(name):
    return Module.objects.get(name=name).pk


def disable(api, name, reason=""):
    return api.post(f"/api/cc/modules/{module_id(name)}/disable/", {"reason": reason})


def enable(api, name, reason=""):
    return api.post(f"/api/cc/modules/{module_id(name)}/enable/", {"reason": reason})


# --- the rules ------------------------------------------------------------------------------
def test_installed_modules_are_registered_and_enabled_after_migrate():
    assert {"core", "cc", "probe", "sidecar"} <= set(Module.objects.values_list("name", flat=True))
    assert all(
        Module.objects.filter(name__in=["core", "cc", "probe"]).values_list("active", flat=True)
    )


@pytest.mark.parametrize("name", ["core", "cc"])
def test_core_modules_cannot_be_disabled(api, name):
    response = disable(api, name)
    assert response.status_code == 409
    assert response.json()["detail"] == f"Module '{name}' is a core module and cannot be disabled."
    assert Module.objects.get(name=name).active
    assert not ModuleStateChange.objects.exists()


def test_a_module_another_enabled_module_requires_cannot_be_disabled(api):
    response = disable(api, "probe")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Module 'probe' is required by the enabled module(s) 'sidecar': disable them first."
    )
    assert disable(api, "sidecar").status_code == 200
    assert disable(api, "probe").status_code == 200  # nothing enabled requires it now


def test_every_change_is_audited_with_who_when_from_to_and_why(api, admin_user):
    response = disable(api, "sidecar", reason="Replaced by the new importer")
    assert response.status_code == 200
    assert response.json()["changed"] == ["sidecar"]
    assert response.json()["module"]["active"] is False
    change = ModuleStateChange.objects.get()
    assert (change.module_name, change.from_active, change.to_active) == ("sidecar", True, False)
    assert (change.actor, change.actor_name, change.via) == (admin_user, "root", "api")
    assert change.reason == "Replaced by the new importer" and change.at is not None
    history = api.get(f"/api/cc/modules/{module_id('sidecar')}/history/").json()
    assert [(h["from_active"], h["to_active"], h["actor_name"]) for h in history] == [
        (True, False, "root")
    ]


def test_switching_to_the_current_state_changes_nothing(api):
    response = enable(api, "probe")
    assert response.status_code == 200 and response.json()["changed"] == []
    assert not ModuleStateChange.objects.exists()


def test_enabling_a_module_first_enables_what_it_requires(api):
    disable(api, "sidecar")
    disable(api, "probe")
    response = enable(api, "sidecar", reason="Back in use")
    assert response.json()["changed"] == ["probe", "sidecar"]
    assert Module.objects.get(name="probe").active and Module.objects.get(name="sidecar").active
    probe_change = ModuleStateChange.objects.filter(module_name="probe", to_active=True).get()
    assert probe_change.reason == "Required by 'sidecar'."


def test_a_state_change_is_published_on_the_highway(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        disable(api, "sidecar", reason="maintenance")
    assert callbacks  # delivery to Redis waits for the commit
    from apps.core.models import OutboxEntry

    entry = OutboxEntry.objects.get(channel="cc.modules")
    assert b'"type":"cc.module.disabled"' in bytes(entry.payload)
    assert b'"reason":"maintenance"' in bytes(entry.payload)


def test_governance_needs_the_cc_write_permission(highway):
    viewer = APIClient()
    viewer.force_authenticate(user_with_access("viewer", "cc"))
    assert viewer.get("/api/cc/modules/").status_code == 200
    response = viewer.post(f"/api/cc/modules/{module_id('sidecar')}/disable/")
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not write to module 'cc'."
    assert Module.objects.get(name="sidecar").active


# --- a disabled module is switched off ------------------------------------------------------
def test_a_disabled_modules_api_answers_with_the_reason(api, highway):
    disable(api, "sidecar")
    disable(api, "probe", reason="Moving to a new server")
    response = api.get("/api/probe/items/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "module_disabled"
    assert body["detail"] == "Module 'probe' is disabled: Moving to a new server"
    assert APIClient().get("/api/probe/items/").status_code == 401  # anonymous: still 401
    enable(api, "probe")
    assert api.get("/api/probe/items/").status_code == 200


def test_even_a_public_endpoint_of_a_disabled_module_refuses(api):
    assert APIClient().get("/api/probe/items/public/").status_code == 200
    disable(api, "sidecar")
    disable(api, "probe", reason="Paused")
    response = APIClient().get("/api/probe/items/public/")
    assert response.status_code == 403
    assert response.json()["code"] == "module_disabled"
    assert response.json()["detail"] == "Module 'probe' is disabled: Paused"


def test_the_reason_is_only_for_those_who_may_view_the_module(api, highway):
    disable(api, "sidecar")
    disable(api, "probe", reason="Secret plans")
    stranger = APIClient()
    stranger.force_authenticate(User.objects.create_user("stranger"))
    response = stranger.get("/api/probe/items/")
    assert response.status_code == 403 and "Secret plans" not in response.json()["detail"]


def test_a_disabled_modules_admin_entries_are_hidden(client, admin_user, highway):
    services.disable_module("sidecar")
    services.disable_module("probe", reason="Paused")
    client.force_login(admin_user)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/probe/" not in index.content.decode()
    assert "/admin/cc/" in index.content.decode()
    response = client.get("/admin/probe/item/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "Module &#x27;probe&#x27; is disabled: Paused" in response.content.decode()
    # The page the module added to the admin goes too, with its link in the header.
    assert 'href="/admin/cos/probe/"' not in index.content.decode()
    assert client.get("/admin/cos/probe/").status_code == 302
    services.enable_module("probe")
    assert client.get("/admin/cos/probe/").content == b"probe overview"


@pytest.mark.django_db(transaction=True)
async def test_the_admin_refuses_a_disabled_modules_pages_under_asgi_too(async_client, settings):
    settings.COS_MODULE_STATE_CACHE_S = 0  # every request reads the states
    user = await database_sync_to_async(User.objects.create_superuser)("root", password="pw-root-1")
    await async_client.aforce_login(user)
    await database_sync_to_async(services.disable_module)("sidecar")
    await database_sync_to_async(services.disable_module)("probe", reason="Paused")
    response = await async_client.get("/admin/probe/item/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


@database_sync_to_async
def probe_viewer_token():
    user = user_with_access(f"agent_{uuid.uuid4().hex[:6]}", "probe")
    return Token.objects.create(user=user).key


async def close_code(path):
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_output()
    if message["type"] == "websocket.close":
        return message["code"]
    await communicator.send_json_to({"action": "subscribe", "channels": ["probe.items"]})
    answer = await communicator.receive_output()
    await communicator.disconnect()
    return answer.get("code")


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_of_a_module_closes_once_the_module_is_disabled(highway):
    token = await probe_viewer_token()
    path = f"/ws/probe/echo/?token={token}"
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
    assert (await communicator.connect())[0]
    await communicator.send_json_to({"n": 1})
    assert await communicator.receive_json_from() == {"echo": {"n": 1}}
    await database_sync_to_async(services.disable_module)("sidecar")
    await database_sync_to_async(services.disable_module)("probe")
    await communicator.send_json_to({"n": 2})
    closed = await communicator.receive_output()
    assert closed == {"type": "websocket.close", "code": 4423}


@pytest.mark.django_db(transaction=True)
async def test_strangers_learn_nothing_about_a_disabled_modules_sockets(highway):
    await database_sync_to_async(services.disable_module)("sidecar")
    await database_sync_to_async(services.disable_module)("probe")
    assert await close_code("/ws/probe/echo/") == 4401


@pytest.mark.django_db(transaction=True)
async def test_a_disabled_modules_channels_refuse_websocket_subscriptions(highway):
    token = await probe_viewer_token()
    assert await close_code(f"/ws/events/?token={token}") is None  # subscribed
    await database_sync_to_async(services.disable_module)("sidecar")
    await database_sync_to_async(services.disable_module)("probe")
    assert await close_code(f"/ws/events/?token={token}") == 4423
    assert await close_code(f"/ws/probe/echo/?token={token}") == 4423


@pytest.fixture
async def aredis(highway):
    from django.conf import settings

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    yield client
    await client.aclose()


@pytest.mark.django_db(transaction=True)
async def test_a_disabled_modules_subscribers_pause_and_lose_nothing(aredis, channel):
    seen = []
    subscriber = type(
        "ProbeCounter",
        (Subscriber,),
        {
            "__module__": "tests.modules.probe.events",  # a subscriber of the probe module
            "channels": (channel,),
            "group": f"g_{uuid.uuid4().hex[:8]}",
            "start_from": "0",
            "batch_wait_ms": 50,
            "handle": lambda self, event: seen.append(event.data["n"]),
        },
    )
    runner = SubscriberRunner(subscriber(), client=aredis)
    await database_sync_to_async(services.disable_module)("sidecar")
    await database_sync_to_async(services.disable_module)("probe")
    event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": 1})
    await aredis.xadd(channel, {b"event": event.to_bytes()})
    for _ in range(3):
        await runner.run_once()
    assert runner.paused and seen == []
    await database_sync_to_async(services.enable_module)("probe")
    for _ in range(10):
        await runner.run_once()
        if seen:
            break
    assert not runner.paused and seen == [1]


@pytest.mark.django_db(transaction=True)
async def test_a_disabled_modules_periodic_jobs_are_skipped():
    runs = []

    def count() -> None:
        runs.append(1)

    count.__module__ = "tests.modules.probe.events"
    job = PeriodicJob("probe.count", every=0.05, func=count)
    await database_sync_to_async(services.disable_module)("sidecar")
    await database_sync_to_async(services.disable_module)("probe")
    stopping = asyncio.Event()
    task = asyncio.create_task(run_periodic(stopping, [job]))
    await asyncio.sleep(0.3)
    assert runs == []
    await database_sync_to_async(services.enable_module)("probe")
    await asyncio.sleep(0.3)
    stopping.set()
    await task
    assert runs


def test_other_processes_see_a_change_within_the_cache_time(settings):
    settings.COS_MODULE_STATE_CACHE_S = 60
    assert governance.is_enabled("sidecar")
    Module.objects.filter(name="sidecar").update(active=False)  # as another process would
    assert governance.is_enabled("sidecar")  # still cached
    settings.COS_MODULE_STATE_CACHE_S = 0
    assert not governance.is_enabled("sidecar")
