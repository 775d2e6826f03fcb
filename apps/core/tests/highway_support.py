"""Helpers of core's highway tests: publish numbered events, read them back from a stream."""

from typing import Any

import orjson
import redis
from django.db import transaction

from apps.core.highway.publisher import publish


def publish_n(channel, numbers):
    for n in numbers:
        with transaction.atomic():
            publish("probe.test.event", {"n": n}, source="probe", channel=channel)


def stream_numbers(server, channel):
    client = redis.Redis.from_url(server.url)
    try:
        entries: Any = client.xrange(channel)
        return [orjson.loads(fields[b"event"])["data"]["n"] for _, fields in entries]
    finally:
        client.close()
