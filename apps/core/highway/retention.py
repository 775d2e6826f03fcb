"""Outbox retention: a delivered row is kept COS_OUTBOX_RETENTION seconds (for inspection and
replays), then pruned. Undelivered rows are never pruned: they are events still on their way."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.models import OutboxEntry
from apps.core.runtime.schedule import periodic

PRUNE_EVERY = 600  # seconds
# Rows per DELETE: each batch is its own short statement, so pruning a large backlog never holds
# many row locks or one long transaction.
PRUNE_BATCH = 1000


@periodic(every=PRUNE_EVERY, name="core.prune_delivered_outbox", exclusive=True)
def prune_delivered_outbox(retention: float | None = None, batch: int = PRUNE_BATCH) -> int:
    """Delete rows delivered more than `retention` seconds ago (default: the setting), oldest
    first, `batch` rows per statement; returns how many were deleted."""
    if retention is None:
        retention = settings.COS_EVENTS["OUTBOX_RETENTION"]
    cutoff = timezone.now() - timedelta(seconds=retention)
    deleted = 0
    while True:
        # delivered_at < cutoff is what the partial index on delivered_at serves.
        oldest = OutboxEntry.objects.filter(delivered_at__lt=cutoff).order_by("delivered_at")
        count, _ = OutboxEntry.objects.filter(pk__in=oldest.values("pk")[:batch]).delete()
        deleted += count
        if count < batch:
            return deleted
