"""Bad API tokens, counted per client address: past COS_TOKEN_FAILURE_LIMIT failures within
COS_TOKEN_COOLOFF seconds an address is answered 429 (websockets: close 4429).

DRF's throttles count requests, not failed authentications, and django-axes guards login forms,
not tokens: this is the few lines in between. Counts live in Django's default cache (Redis), so
every worker process sees the same ones. Only failures touch the cache, so a valid token costs
nothing here; while Redis is out of reach nothing is counted (fail open, logged) rather than
refusing every agent.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

UNKNOWN_ADDRESS = "unknown"


def _key(address: str | None) -> str:
    return f"cos:token-failures:{address or UNKNOWN_ADDRESS}"


def record(address: str | None) -> int | None:
    """Count one bad token from `address`; the seconds it must wait when it is past the
    limit, else None. The window starts at the first failure (Redis INCR keeps the expiry)."""
    limit = settings.COS_TOKEN_FAILURES["LIMIT"]
    cooloff = settings.COS_TOKEN_FAILURES["COOLOFF"]
    key = _key(address)
    try:
        cache.add(key, 0, timeout=cooloff)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            cache.add(key, 1, timeout=cooloff)
            failures = 1
    except Exception:
        logger.warning("Bad-token count unavailable (cache unreachable)", exc_info=True)
        return None
    return int(cooloff) if failures > limit else None


def reset(*addresses: str | None) -> None:
    """Forget the counts of `addresses` (tests: each starts with none)."""
    try:
        cache.delete_many([_key(address) for address in addresses])
    except Exception:
        logger.warning("Bad-token counts not reset (cache unreachable)", exc_info=True)
