"""Project-level probes: /alive, /ping, /health, /status. Public: load balancers call them."""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime

import django
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from apps.core import health, registry
from apps.core.highway import relay
from apps.core.highway.breaker import redis_breaker

STARTED_AT = datetime.now(UTC)
STARTED_MONOTONIC = time.monotonic()


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


@require_safe
def alive(request: HttpRequest) -> JsonResponse:
    """The process answers; touches no engine."""
    return JsonResponse({"status": "ok", "ts": utc_now()})


@require_safe
def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "pong", "ts": utc_now()})


@require_safe
def health_view(request: HttpRequest) -> JsonResponse:
    parts = health.check_parts()
    status = health.overall_status(parts)
    body = {
        "status": status,
        "ts": utc_now(),
        "parts": {part.name: part.as_dict() for part in parts},
        "failing": [part.name for part in parts if not part.up],
    }
    return JsonResponse(body, status=200 if status == "ok" else 503)


@require_safe
def status_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "status": "ok",
            "ts": utc_now(),
            "started_at": STARTED_AT.isoformat(),
            "uptime_s": round(time.monotonic() - STARTED_MONOTONIC, 3),
            "versions": {"python": platform.python_version(), "django": django.get_version()},
            "modules": [
                {"code": m.code, "name": m.name, "version": m.version, "kind": m.kind}
                for m in registry.modules()
            ],
            "events": {"breaker": redis_breaker().snapshot(), "outbox": relay.status()},
        }
    )
