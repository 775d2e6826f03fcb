"""Core's own tables, in schema `core`. Governance's are in apps/core/governance/models.py,
imported here so that Django finds them."""

from django.db import models

from apps.core.db.postgres.functions import CurrentTransactionId
from apps.core.db.schemas import schema_table
from apps.core.governance.models import (  # noqa: F401
    Module,
    ModuleSettingChange,
    ModuleStateChange,
)


class OutboxEntry(models.Model):
    """An event written in the publisher's transaction, delivered to Redis after commit.

    `delivered_at` stays empty until Redis has the event, so a Redis outage or a crash loses
    nothing: the relay delivers what is left, in (`txid`, `id`) order. `txid` is the writing
    transaction's id: unlike `id` or `created_at`, it lets the relay tell which rows can still
    appear (their transaction is open) and so never pass them (apps.core.highway.relay).
    """

    event_id = models.UUIDField(unique=True)
    txid = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)
    channel = models.CharField(max_length=100)
    payload = models.BinaryField()  # the envelope, exactly as it goes on the stream
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    stream_id = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = schema_table("core", "outbox")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["txid", "id"],
                name="outbox_pending_idx",
                condition=models.Q(delivered_at__isnull=True),
            ),
            # Pruning delivered rows (apps.core.highway.retention).
            models.Index(
                fields=["delivered_at"],
                name="outbox_delivered_idx",
                condition=models.Q(delivered_at__isnull=False),
            ),
        ]
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox"

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "pending"
        return f"{self.channel} {self.event_id} ({state})"


class ModuleAccess(models.Model):
    """No table: the anchor of the per-module permissions `core.view_module_<code>` and
    `core.write_module_<code>`, created for each installed module after migrate
    (apps.core.modules.access). Django permissions need a content type; modules may have no model.
    Also the anchor of `core.view_operations` (apps.core.http.operations)."""

    class Meta:
        managed = False
        db_table = schema_table("core", "module_access")
        default_permissions = ()
        permissions = [
            ("view_operations", "Can view operations: health detail, status, metrics, probes")
        ]
        verbose_name = "module access"
        verbose_name_plural = "module access"

    def __str__(self) -> str:
        return "module access"
