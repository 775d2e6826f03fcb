from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path


class EchoConsumer(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"echo": content})


websocket_urlpatterns = [path("probe/echo/", EchoConsumer.as_asgi())]
