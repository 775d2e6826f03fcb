"""Each module's API is mounted at /api/<code>/ with its namespace; its websockets under /ws/."""

import pytest
from channels.db import database_sync_to_async  # closes the thread's connection
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.testing import user_with_access
from cos_project.asgi import application

ORIGIN = [(b"origin", b"http://localhost")]


def test_module_urls_have_the_module_namespace():
    assert reverse("probe:item-list") == "/api/probe/items/"
    assert reverse("core:module-list") == "/api/core/modules/"


@pytest.mark.django_db
def test_core_api_lists_the_registry():
    api = APIClient()
    api.force_authenticate(user_with_access("agent", "core"))
    modules = api.get("/api/core/modules/").json()
    probe = next(m for m in modules if m["code"] == "probe")
    assert probe["schemas"] == ["probe", "mem0_probe"] and probe["requires"] == ["core"]
    assert api.get("/api/core/modules/probe/").json()["emits"] == [
        "probe.item.created",
        "probe.test.event",
    ]
    assert api.get("/api/core/modules/ghost/").status_code == 404


@pytest.mark.django_db
def test_openapi_document_covers_module_endpoints(client):
    client.force_login(user_with_access("reader", "core"))
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/probe/items/" in paths and "/api/core/modules/" in paths


@database_sync_to_async
def probe_viewer_token(name="viewer"):
    return Token.objects.create(user=user_with_access(name, "probe")).key


@pytest.mark.django_db(transaction=True)
async def test_module_websocket_routes_are_mounted_under_ws():
    token = await probe_viewer_token()
    path = f"/ws/probe/echo/?token={token}"
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"hello": "cos"})
    assert await communicator.receive_json_from() == {"echo": {"hello": "cos"}}
    await communicator.disconnect()


async def closed_with(path):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected  # accepted, so that the close code reaches the client
    message = await communicator.receive_output()
    assert message["type"] == "websocket.close"
    return message["code"]


@pytest.mark.django_db(transaction=True)
async def test_module_websockets_need_a_user_with_the_modules_view_permission():
    assert await closed_with("/ws/probe/echo/") == 4401
    stranger = await database_sync_to_async(
        lambda: Token.objects.create(user=User.objects.create_user("stranger")).key
    )()
    assert await closed_with(f"/ws/probe/echo/?token={stranger}") == 4403


async def test_unknown_websocket_paths_are_refused():
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=ORIGIN)
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()
