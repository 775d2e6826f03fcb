"""Operations access: who may read the running system's detail.

The detail of `/health`, `/status`, `/metrics` and the Control Center's probes
(`/api/cc/redis-health/`, `/api/cc/system-health/`, `POST /api/cc/ping/`) names engines, hosts,
errors and versions, so it is for operators only: active staff users with `core.view_operations`
(superusers have it). Anonymous visitors get at most `/health`'s up or down. `/metrics` and
`/health` also accept `Authorization: Bearer <COS_METRICS_TOKEN>`, for a scraper or monitor
without a user: it is checked without the database, so `/health` can still say which part is
down while PostgreSQL is.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed, Throttled

from apps.core.http.overload import is_database_unavailable
from apps.core.rest.errors import json_error

PERMISSION = "core.view_operations"


def may_operate(user: Any) -> bool:
    """The rule, in one place."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(PERMISSION)
    )


def request_user(request: HttpRequest) -> Any:
    """The session's user, else the user of an `Authorization: Token <key>` header (the probes
    are plain Django views: DRF's authentication does not run on its own). Raises DRF's
    Throttled for an address past its bad-token limit."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    from apps.core.rest.authentication import TokenAuthentication

    try:
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def scrape_token_matches(request: HttpRequest) -> bool:
    expected = settings.COS_METRICS_TOKEN
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(given.strip().encode(), expected.encode())
    )


def refusal(request: HttpRequest, *, scrape_token: bool = False) -> JsonResponse | None:
    """None when the request may read the detail, else the answer: 401 (with
    WWW-Authenticate) when nobody is signed in, 403 when the user lacks the permission, 429
    for an address past its bad-token limit. Sync: it may read the database."""
    if scrape_token and scrape_token_matches(request):
        return None
    try:
        user = request_user(request)
    except Throttled as throttled:
        response = json_error(429, "throttled", str(throttled.detail))
        response["Retry-After"] = str(getattr(throttled, "wait", None) or 1)
        return response
    if user is None:
        response = json_error(401, "not_authenticated", _("Sign in, or send a token."))
        response["WWW-Authenticate"] = "Token, Bearer" if scrape_token else "Token"
        return response
    if not may_operate(user):
        return json_error(403, "permission_denied", _("Operations access is needed."))
    return None


def may_see_health_detail(request: HttpRequest) -> bool:
    """/health's detail: operations access or the scrape token. While the database is down
    a user cannot be checked: then only the scrape token shows the detail."""
    try:
        return refusal(request, scrape_token=True) is None
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        return False
