"""The probe module's subscribers."""

from apps.core.highway.envelope import Event
from apps.core.highway.subscribers import Subscriber, register
from tests.modules.probe.models import Item


@register
class ItemChecker(Subscriber):
    """A plain (sync) handler that writes to the database: proves such handlers survive a
    PostgreSQL restart."""

    name = "probe.item-checker"
    channels = ("probe.items",)
    batch_wait_ms = 100

    def handle(self, event: Event) -> None:
        Item.objects.filter(pk=event.data["id"]).update(checked=True)
