"""ASGI entry point: HTTP through Django, websockets through Channels (each module's routes)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")

from apps.core.runtime import engines

# Held for the life of the process: dropping it would stop embedded engines this process started.
ENGINES = engines.provide()

from apps.core.http.request_threads import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from apps.core.http.overload import InFlightLimit  # noqa: E402
from apps.core.http.websocket_auth import (  # noqa: E402
    TokenAuthMiddleware,
    session_auth_stack,
    session_origin_validator,
)
from apps.core.modules.mounting import module_websocket_routes  # noqa: E402
from apps.core.telemetry.tracing import websocket_app  # noqa: E402

websocket_routes = URLRouter([path("ws/", URLRouter(module_websocket_routes()))])
application = ProtocolTypeRouter(
    {
        "http": InFlightLimit(django_asgi_app, settings.COS_MAX_IN_FLIGHT),
        # Session users (Channels' auth, the session read only) or agents with a DRF token
        # (TokenAuthMiddleware). The Origin must be ours when a cookie would authenticate.
        "websocket": websocket_app(
            session_origin_validator(session_auth_stack(TokenAuthMiddleware(websocket_routes)))
        ),
    }
)
