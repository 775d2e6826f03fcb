"""Event types core emits and the subscribers it runs."""

from __future__ import annotations

from channels.layers import get_channel_layer

from apps.core.highway.envelope import Event
from apps.core.highway.livefeed import ALL_GROUP, group_for_channel
from apps.core.highway.subscribers import Subscriber, register


@register
class LiveFeedBridge(Subscriber):
    """Carries every event from the streams to the websocket live feeds (Channels groups)."""

    name = "core.livefeed"
    group = "cos-livefeed"
    channels = ("*",)
    batch_wait_ms = 1000

    async def handle_batch(self, events: list[Event]) -> None:
        layer = get_channel_layer()
        assert layer is not None
        for event in events:
            message = {
                "type": "livefeed.event",
                "channel": event.channel,
                "cursor": event.cursor,
                "event": event.as_dict(),
            }
            await layer.group_send(group_for_channel(event.channel), message)
            await layer.group_send(ALL_GROUP, message)
