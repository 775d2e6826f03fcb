"""API authentication: DRF's tokens, each key's lookup kept in the process for a few seconds.

Profiled, the token lookup (a query joining the user) was about a seventh of an API write's CPU.
`cached_token_user` keeps each key's answer for COS_TOKEN_CACHE_S seconds (5 by default; 0 turns
the cache off): a token deleted, or a user deactivated, in another process stops working within
that time; in this process at once (the signals below empty the cache).

Bad tokens are counted per client address (apps.core.http.token_failures): past the limit, 429.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from apps.core.http import token_failures

# key -> (monotonic time read, user, token). A plain dict rather than a caching library: one
# expiry per entry and a size bound is all it needs.
_cache: dict[str, tuple[float, Any, Token]] = {}
_lock = threading.Lock()
MAX_CACHED_TOKENS = 10_000
_DRF_TOKENS = authentication.TokenAuthentication()


def cached_token_user(key: str) -> tuple[Any, Token]:
    """The active user behind `key` and its token; refuses (AuthenticationFailed) as DRF does."""
    ttl = settings.COS_TOKEN_CACHE_S
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or now - hit[0] >= ttl:
        user, token = _lookup(key)
        if ttl > 0:
            with _lock:
                if len(_cache) >= MAX_CACHED_TOKENS:
                    _cache.clear()
                _cache[key] = (now, user, token)
    else:
        _, user, token = hit
    # Each request gets its own copy: what a request caches on its user (`has_perm`'s permission
    # sets) must not outlive it, so a withdrawn permission still counts at once.
    return copy.copy(user), token


def _lookup(key: str) -> tuple[Any, Token]:
    """DRF's own lookup: the same query, the same refusals and messages."""
    user, token = _DRF_TOKENS.authenticate_credentials(key)
    return user, token


def forget_tokens(**kwargs: Any) -> None:
    with _lock:
        _cache.clear()


post_delete.connect(forget_tokens, sender=Token, dispatch_uid="cos-token-cache-token")
post_save.connect(forget_tokens, sender=get_user_model(), dispatch_uid="cos-token-cache-user")
post_delete.connect(forget_tokens, sender=get_user_model(), dispatch_uid="cos-token-cache-del")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            wait = token_failures.record(request.META.get("REMOTE_ADDR"))
            if wait is not None:
                raise Throttled(wait) from None
            raise

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        return cached_token_user(key)
