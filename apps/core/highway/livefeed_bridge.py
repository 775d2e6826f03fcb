"""The live-feed bridge of the "channel_layer" delivery: every event, from the streams to the
websocket live feeds through one Channels group. Registered only with COS_LIVEFEED_DELIVERY=
channel_layer; the default delivery ("hub") reads the streams in each server process instead
(livefeed_hub.py) and needs no subscriber."""

from __future__ import annotations

import redis
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.highway.envelope import Event
from apps.core.highway.livefeed import LIVEFEED_GROUP
from apps.core.highway.subscribers import Subscriber, register


class LiveFeedBridge(Subscriber):
    """Carries every event from the streams to the websocket live feeds (Channels groups)."""

    name = "core.livefeed"
    group = "cos-livefeed"
    channels = ("*",)
    batch_wait_ms = 1000
    # A live feed is a view, not a record: an event shown twice after a crash is harmless, and
    # one "done" key per event in Redis is not.
    idempotent = False

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
            try:
                await layer.group_send(LIVEFEED_GROUP, message)
            except redis.ConnectionError:
                # The layer's connection went stale while Redis restarted; redis-py reconnects
                # on the next command, so one retry spares the batch its ack-timeout wait.
                await layer.group_send(LIVEFEED_GROUP, message)


if settings.COS_EVENTS["LIVEFEED_DELIVERY"] == "channel_layer":
    register(LiveFeedBridge)
