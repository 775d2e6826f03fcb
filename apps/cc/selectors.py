"""cc's reads."""

from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from apps.cc.models import BaseLog, ScratchNote


def logs() -> QuerySet[BaseLog]:
    return BaseLog.objects.select_related("event", "prompt").order_by("-timestamp", "-id")


def notes(*, key_prefix: str = "", include_expired: bool = False) -> QuerySet[ScratchNote]:
    found = ScratchNote.objects.order_by("-created_at", "id")
    if key_prefix:
        found = found.filter(key__startswith=key_prefix)
    if not include_expired:
        found = found.filter(expires_at__gt=timezone.now())
    return found


def note_by_key(key: str) -> ScratchNote | None:
    """The newest unexpired note with this key."""
    return notes().filter(key=key).first()


def note_stats() -> dict[str, Any]:
    now = timezone.now()
    return ScratchNote.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(expires_at__gt=now)),
        expired=Count("id", filter=Q(expires_at__lte=now)),
        oldest=Min("created_at"),
        newest=Max("created_at"),
    )
