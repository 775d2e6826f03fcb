"""Event types core emits and the subscribers it runs (discovered like any module's events.py)."""

from apps.core.highway import (
    livefeed_bridge,  # noqa: F401  registers the live-feed bridge
    retention,  # noqa: F401  registers the outbox pruning job
)
