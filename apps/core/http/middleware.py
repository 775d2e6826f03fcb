"""Project middleware: request ids, JSON errors under /api/, disabled modules' admin pages.
Each works sync and async."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction
from channels.db import database_sync_to_async
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import sync_and_async_middleware

from apps.core.http.overload import database_reachable, database_unavailable
from apps.core.http.request_context import (
    REQUEST_ID_HEADER,
    accept_or_create,
    request_id_var,
    request_var,
)
from apps.core.rest.errors import is_api_request, json_error

Handler = Callable[[HttpRequest], Any]


@sync_and_async_middleware
def request_id_middleware(get_response: Handler) -> Handler:
    """Reads X-Request-ID (or creates one), exposes it to logging and events, echoes it back."""

    def begin(request: HttpRequest) -> Any:
        request.request_id = accept_or_create(request.headers.get(REQUEST_ID_HEADER))  # type: ignore[attr-defined]
        return request_id_var.set(request.request_id), request_var.set(request)  # type: ignore[attr-defined]

    def end(tokens: Any) -> None:
        request_id_var.reset(tokens[0])
        request_var.reset(tokens[1])

    def finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
        return response

    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            tokens = begin(request)
            try:
                response: Awaitable[HttpResponseBase] = get_response(request)
                return finish(request, await response)
            finally:
                end(tokens)

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        tokens = begin(request)
        try:
            return finish(request, get_response(request))
        finally:
            end(tokens)

    return middleware


def _as_json_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Django renders 404/500 (and CSRF 403) as HTML pages; under /api/ answer JSON instead."""
    if (
        response.status_code >= 400
        and is_api_request(request)
        and not response.get("Content-Type", "").startswith("application/json")
    ):
        converted = json_error(response.status_code)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                converted[header] = response[header]
        return converted
    return response


@sync_and_async_middleware
def api_json_errors_middleware(get_response: Handler) -> Handler:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            return _as_json_error(request, await get_response(request))

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        return _as_json_error(request, get_response(request))

    return middleware


def _admin_refusal(request: HttpRequest, states: Mapping[str, Any]) -> str | None:
    """Why the admin page asked for is refused: it belongs to a disabled module, either its
    models (/admin/<code>/...) or a page it added (/admin/cos/<code>/, or another slug
    registered with module=<code>)."""
    from apps.core import governance
    from apps.core.admin.site import page_owner

    parts = request.path[len(reverse("admin:index")) :].split("/")
    code = page_owner(parts[1]) if parts[0] == "cos" and len(parts) > 1 else parts[0]
    return governance.refusal(code, states) if code else None


def _refuse_admin_page(request: HttpRequest, reason: str) -> HttpResponseBase:
    messages.warning(request, reason)
    return HttpResponseRedirect(reverse("admin:index"))


@sync_and_async_middleware
def disabled_module_admin_middleware(get_response: Handler) -> Handler:
    """A disabled module's admin pages redirect to the index, which says why (the index, the
    sidebar and the header links already leave the module out: COSAdminSite). Every admin page
    answers 503 while the database is out of reach (some, like the login form, would otherwise
    render from cached module states and fail only on submit)."""
    from apps.core import governance

    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            if request.path.startswith(reverse("admin:index")):
                if not await database_sync_to_async(database_reachable)():
                    return database_unavailable()
                reason = _admin_refusal(request, await governance.amodule_states())
                if reason is not None:
                    return _refuse_admin_page(request, reason)
            return await get_response(request)

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(reverse("admin:index")):
            if not database_reachable():
                return database_unavailable()
            reason = _admin_refusal(request, governance.module_states())
            if reason is not None:
                return _refuse_admin_page(request, reason)
        return get_response(request)

    return middleware
