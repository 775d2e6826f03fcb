"""Core's websockets, mounted under /ws/ like any module's: the live feed."""

from django.urls import path

from apps.core.highway.livefeed_socket import LiveFeedConsumer

websocket_urlpatterns = [path("events/", LiveFeedConsumer.as_asgi())]
