"""Django's and WhiteNoise's middleware, run on the event loop under ASGI.

Django's `MiddlewareMixin` is async-capable, but in async mode it sends `process_request` and
`process_response` through `sync_to_async` (two thread hand-offs per middleware per request), and
WhiteNoise's middleware is sync-only, which makes Django wrap everything below it in
`async_to_sync`. Profiled under load, those hand-offs were most of the cost of a request
(docs/benchmarks.md). The hooks of the classes below only read and write headers, cookies and
in-memory state, so in async mode they run inline; the two that can touch the database (saving
a session, storing messages in it) still hand off, and only when they have something to save.
Sync mode (the test client, WSGI) is Django's own code path, unchanged. CSRF_USE_SESSIONS
(the CSRF token kept in the session, read from the database) is not supported: leave it off.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase
from django.middleware import clickjacking, common, csrf, locale, security
from whitenoise import middleware as whitenoise

from apps.core.http.overload import database_unavailable, is_database_unavailable


class InlineHooks:
    """In async mode, call the middleware's hooks on the event loop instead of in a thread."""

    get_response: Any

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    pass


class LocaleMiddleware(InlineHooks, locale.LocaleMiddleware):
    pass


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(InlineHooks, auth.AuthenticationMiddleware):
    pass


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass


class CsrfViewMiddleware(InlineHooks, csrf.CsrfViewMiddleware):
    """`process_view` is called by Django's handler, not by `__acall__`: in async mode the
    instance carries a coroutine version, so it runs on the loop too. A multipart body (an
    upload, parsed when the token is read from the form) is still parsed in a thread."""

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        if self.async_mode:
            self.process_view = self._process_view_on_loop  # type: ignore[method-assign,assignment]

    async def _process_view_on_loop(
        self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any
    ) -> HttpResponseBase | None:
        check = csrf.CsrfViewMiddleware.process_view
        if request.content_type == "multipart/form-data":
            return await sync_to_async(check)(
                self, request, callback, callback_args, callback_kwargs
            )
        return check(self, request, callback, callback_args, callback_kwargs)


class SessionMiddleware(InlineHooks, sessions.SessionMiddleware):
    """Saving a session needs the database: while it is out of reach, 503 (not 500)."""

    def process_response(self, request: HttpRequest, response: Any) -> Any:
        try:
            return super().process_response(request, response)
        except DatabaseError as exc:
            if not is_database_unavailable(exc):
                raise
            return database_unavailable()

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = await self.get_response(request)
        session = request.session
        if session.modified or settings.SESSION_SAVE_EVERY_REQUEST:  # saving queries
            return await sync_to_async(self.process_response)(request, response)
        return self.process_response(request, response)


class MessageMiddleware(InlineHooks, messages.MessageMiddleware):
    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = await self.get_response(request)
        storage = request._messages  # type: ignore[attr-defined]
        if storage.used or storage.added_new:  # storing may reach the session
            return await sync_to_async(self.process_response)(request, response)
        return self.process_response(request, response)


class WhiteNoiseMiddleware(whitenoise.WhiteNoiseMiddleware):
    """Static files from memory; every other request passes straight through, in either mode."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, settings: Any = settings) -> None:
        super().__init__(get_response, settings)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if self.autorefresh:
            static_file = self.find_file(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return self.serve(static_file, request)
        return await self.get_response(request)
