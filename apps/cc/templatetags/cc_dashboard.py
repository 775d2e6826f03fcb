"""The admin dashboard's data, for cc/admin/index.html."""

import time
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from apps.cc import selectors
from apps.core.highway.livefeed import cursor_order, recent_events
from apps.core.memory import Level
from apps.core.modules import registry

register = template.Library()
BACKFILL = 50  # feed lines shown on load, before the live ones


@register.simple_tag(takes_context=True)
def module_tiles(context: dict[str, Any]) -> dict[str, Any]:
    return selectors.module_tiles(context["request"].user)


def count_labels() -> dict[str, str]:
    return {
        "logs_today": _("Logs today"),
        "errors_today": _("Errors today"),
        "prompt_traces": _("Prompt traces"),
        "notes": _("Notes"),
    }


@register.filter
def count_label(count: dict[str, Any]) -> str:
    """A count's words: cc's for the names it knows, else the module's own label, else its name."""
    return count_labels().get(count["name"]) or str(count.get("label") or count["name"])


@register.simple_tag(takes_context=True)
def live_feed_setup(context: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard's script needs: its words in the page's language, where records and
    data are, and the last events (the feed's backfill; `since` resumes after the newest)."""
    user = context["request"].user
    viewable = set(selectors.viewable_modules(user))
    try:
        found = recent_events(BACKFILL)
    except RedisError:
        found = {}
    backfill = sorted(
        (event for module, events in found.items() if module in viewable for event in events),
        key=lambda event: cursor_order(event["cursor"]),
    )[-BACKFILL:]
    since = backfill[-1]["cursor"] if backfill else f"{int(time.time() * 1000) - 1000}-0"
    return {
        "dataUrl": reverse("admin:cc_dashboard_data"),
        "today": selectors.start_of_today().isoformat(),
        "recordUrls": selectors.record_urls(user),
        "modules": {
            c.definition.code: str(c.verbose_name)
            for c in registry.module_configs()
            if c.definition.code in viewable
        },
        "levels": {value: str(label) for value, label in Level.choices},
        "backfill": backfill,
        # The charts' first data comes with the page: no request of its own on load.
        "activity": selectors.activity(user),
        "since": since,
        "labels": {
            "connecting": _("Connecting…"),
            "live": _("Live"),
            "retrying": _("Disconnected, retrying in %(seconds)s s"),
            "retryNow": _("Retry now"),
            "stopped": _("Disconnected: you may not see this feed."),
            "pause": _("Pause"),
            "resume": _("Resume"),
            "held": _("New events held: %(count)s"),
            "unknown": _("Unknown"),
            "enabled": _("Enabled"),
            "disabled": _("Disabled"),
            "healthy": _("Healthy"),
            "unhealthy": _("Unhealthy"),
            "perMinute": _("Events per minute, last hour"),
            "levels": _("Log levels, last 24 hours"),
            "openRecord": _("Open the record"),
            "counts": count_labels(),
        },
    }
