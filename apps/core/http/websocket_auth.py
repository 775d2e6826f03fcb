"""Websocket authentication for agents: `Authorization: Token <key>` or `?token=<key>`.

People use their session (Channels' AuthMiddlewareStack); agents use the same DRF tokens as the
API. A few lines of glue rather than a dependency: it reuses DRF's token model directly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from channels.sessions import CookieMiddleware, InstanceSessionWrapper
from django.conf import settings


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    try:
        token = Token.objects.select_related("user").get(key=key)
    except Token.DoesNotExist:
        return None
    return token.user if token.user.is_active else None


def _token_from(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key:
                return key.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("token", [None])[0]


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = _token_from(scope)
        if key:
            user = await _user_for_token(key)
            if user is not None:
                scope = {**scope, "user": user}
            elif await _past_failure_limit(scope):
                return await refuse(receive, send, CLOSE_THROTTLED)
        return await super().__call__(scope, receive, send)


async def _past_failure_limit(scope: dict[str, Any]) -> bool:
    """Counts the bad token (apps.core.http.token_failures) against the client's address."""
    from apps.core.http import token_failures

    client = scope.get("client") or (None,)
    return await sync_to_async(token_failures.record)(client[0]) is not None


# Websocket close codes COS uses (4000 + the HTTP status they mirror).
CLOSE_MALFORMED = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 4408  # a live-feed client left too many frames unread
CLOSE_MODULE_DISABLED = 4423  # 423 Locked: the module is switched off
CLOSE_THROTTLED = 4429  # too many bad tokens from this address


async def refuse(receive: Any, send: Any, code: int) -> None:
    """Accept then close with `code`: a close code only reaches the client on an open socket."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code})


class ModuleGate:
    """Guards a module's websocket routes: signed in, the module's view permission, the module
    enabled; a socket already open is closed (4423) at its next message once the module is
    disabled."""

    def __init__(self, app: Any, code: str) -> None:
        self.app = app
        self.code = code
        # Channels' URLRouter reads this to route nested routers by prefix.
        self._path_routing = getattr(app, "_path_routing", False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        refusal = await self._refusal(scope.get("user"))
        if refusal is not None:
            return await refuse(receive, send, refusal)
        return await self.app(scope, self._guarded(receive, send), send)

    def _guarded(self, receive: Any, send: Any) -> Any:
        from apps.core import governance

        async def guarded_receive() -> dict[str, Any]:
            message: dict[str, Any] = await receive()
            if message["type"] == "websocket.receive" and not await governance.ais_enabled(
                self.code
            ):
                await send({"type": "websocket.close", "code": CLOSE_MODULE_DISABLED})
                return {"type": "websocket.disconnect", "code": CLOSE_MODULE_DISABLED}
            return message

        return guarded_receive

    async def _refusal(self, user: Any) -> int | None:
        from apps.core import governance
        from apps.core.modules import access

        if user is None or not user.is_authenticated:
            return CLOSE_UNAUTHENTICATED
        if not await database_sync_to_async(access.may_view)(user, self.code):
            return CLOSE_FORBIDDEN
        if not await governance.ais_enabled(self.code):
            return CLOSE_MODULE_DISABLED
        return None


class SessionOriginValidator(OriginValidator):
    """The Origin check where it protects something: a browser's cookie session.

    A foreign page could open a socket that the browser authenticates with the user's cookie
    (cross-site websocket hijacking), so a socket carrying a cookie needs an Origin among
    ALLOWED_HOSTS. A token is not sent by the browser on its own, and agents send no Origin:
    without a cookie the socket passes, and the token (or nothing: 4401) decides."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if not any(name == b"cookie" for name, _ in scope.get("headers", [])):
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)


def session_origin_validator(application: Any) -> SessionOriginValidator:
    """Allowed origins as Channels' AllowedHostsOriginValidator has them."""
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    return SessionOriginValidator(application, allowed)


class SessionReader:
    """Channels' SessionMiddleware without its send wrapper: the session is read (people sign
    in with it), never written from a websocket, so frames go straight to the server. The
    wrapper checks the session for changes on every frame sent: 12 % of the event loop's time
    when one event fans out to 1,000 sockets (docs/benchmarks.md, issue 15)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        reader = InstanceSessionWrapper(scope, send)
        await reader.resolve_session()
        return await self.inner(reader.scope, receive, send)


def session_auth_stack(inner: Any) -> Any:
    """Channels' AuthMiddlewareStack, reading the session only (SessionReader)."""
    return CookieMiddleware(SessionReader(AuthMiddleware(inner)))
