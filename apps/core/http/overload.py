"""Answers that say "not now" instead of failing: too much work in flight, or no database.

Both are 503 in COS's JSON error shape with `Retry-After`, so a client (or a load balancer)
backs off and tries again; neither is a 500, and neither makes the caller wait 30 s.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, JsonResponse

from apps.core.http.request_context import REQUEST_ID_HEADER, accept_or_create
from apps.core.rest.errors import error_body

logger = logging.getLogger(__name__)

OVERLOADED = "overloaded"
DATABASE_UNAVAILABLE = "database_unavailable"

ASGIApp = Any
# Answered on the event loop, touching nothing: a busy process is alive, and an orchestrator
# must not restart it for being busy.
LIVENESS_PROBES = frozenset({"/alive", "/ping"})


class InFlightLimit:
    """ASGI middleware: at most `limit` HTTP requests of this process are in progress at once.

    Past the limit a request is refused at once with 503 and `Retry-After`, before Django sees
    it: under a burst, work waits in clients rather than as threads and queued connections in
    the server (each sync request holds a thread, and a database connection while it queries).
    Websockets are not counted: they are long-lived and hold no thread.
    """

    def __init__(self, app: ASGIApp, limit: int, retry_after_s: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.in_flight = 0  # one event loop per process: no lock needed
        self.refused = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").rstrip("/") in LIVENESS_PROBES:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.refused += 1
            await self._refuse(scope, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, scope: dict[str, Any], send: Any) -> None:
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(REQUEST_ID_HEADER.lower().encode())
        request_id = accept_or_create(incoming.decode("latin-1") if incoming else None)
        body = orjson.dumps(
            {
                "status": 503,
                "code": OVERLOADED,
                "detail": "The server is busy; try again shortly.",
                "request_id": request_id,
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(self.retry_after_s).encode()),
                    (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def database_unavailable(retry_after_s: int = 5) -> JsonResponse:
    response = JsonResponse(
        error_body(503, DATABASE_UNAVAILABLE, "The database is unavailable; try again shortly."),
        status=503,
    )
    response["Retry-After"] = str(retry_after_s)
    return response


def database_reachable() -> bool:
    """Whether the database answers right now: a connection is had and a round trip proves it.

    The round trip is needed: the pool checks a connection only after it idled over a second
    (apps/core/postgres/base.py), so one returned a moment before PostgreSQL went away comes
    back looking healthy, and a page that then queries nothing (the login form without a
    session) would render as if the database were up. A dead connection is closed, so the pool
    discards it rather than lend it to the next request.
    """
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        if not is_database_unavailable(exc):
            raise
        return False
    if connection.is_usable():
        return True
    connection.close()
    return False


def is_database_unavailable(exc: BaseException) -> bool:
    """PostgreSQL down, restarting, refusing connections, or no pooled connection free in
    time: the request can succeed later. (Data errors are the request's own: not these.)"""
    return isinstance(exc, OperationalError | InterfaceError)


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is out of reach answers 503 + Retry-After."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> JsonResponse | None:
        if not is_database_unavailable(exc):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exc)
        return database_unavailable()
