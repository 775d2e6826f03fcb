"""API authentication: DRF's tokens, with bad tokens counted per client address
(apps.core.token_failures: past the limit, 429)."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from apps.core import token_failures


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            wait = token_failures.record(request.META.get("REMOTE_ADDR"))
            if wait is not None:
                raise Throttled(wait) from None
            raise
