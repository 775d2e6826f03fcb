"""Project-level probes: /alive, /ping, /health, /status.

/alive and /ping are public (load balancers call them), and so is /health's up or down; its
detail and /status need operations access (apps.core.http.operations). Async views: under ASGI they
run on the event loop, and only the checks that touch an engine or the database go to a thread."""

from __future__ import annotations

import logging
import platform
import time
from datetime import UTC, datetime

import django
from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.core.highway import relay
from apps.core.highway.breaker import redis_breaker
from apps.core.http import health, operations
from apps.core.modules import registry

logger = logging.getLogger(__name__)

STARTED_AT = datetime.now(UTC)
STARTED_MONOTONIC = time.monotonic()


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


@require_safe
async def alive(request: HttpRequest) -> JsonResponse:
    """The process answers; touches no engine."""
    return JsonResponse({"status": "ok", "ts": utc_now()})


@require_safe
async def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "pong", "ts": utc_now()})


@require_safe
async def health_view(request: HttpRequest) -> JsonResponse:
    parts = await sync_to_async(health.check_parts)()
    status = health.overall_status(parts)
    body: dict[str, object] = {"status": status}
    # Anonymous: up or down only (the parts' errors name hosts and ports).
    if await sync_to_async(operations.may_see_health_detail)(request):
        body |= {
            "ts": utc_now(),
            "parts": {part.name: part.as_dict() for part in parts},
            "failing": [part.name for part in parts if not part.up],
        }
    response = JsonResponse(body, status=200 if status == "ok" else 503)
    if status != "ok":
        response["Retry-After"] = "5"
    return response


@require_safe
async def status_view(request: HttpRequest) -> JsonResponse:
    refusal = await sync_to_async(operations.refusal)(request)
    if refusal is not None:
        return refusal
    outbox = await sync_to_async(relay.status)()
    reports = await sync_to_async(module_reports)()
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
            "events": {"breaker": redis_breaker().snapshot(), "outbox": outbox},
            "reports": reports,
        }
    )


def module_reports() -> dict[str, object]:
    """Each module's own figures (ModuleConfig.status_report), by code. A failing report is
    logged and shown as an error: one module's bug must not take /status down."""
    reports: dict[str, object] = {}
    for config in registry.module_configs():
        try:
            report = config.status_report()
        except Exception:
            logger.exception("The status report of module %s failed", config.definition.code)
            report = {"status": "error"}
        if report is not None:
            reports[config.definition.code] = report
    return reports


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """/ : what COS is, and where to go (the admin's "View site" lands here too)."""
    return render(request, "home.html", {"modules": registry.modules()})
