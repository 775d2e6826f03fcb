"""No event is lost when Redis goes away: a real redis-server, stopped and started again."""

import time

import orjson
import pytest

from apps.core.highway.breaker import redis_breaker
from apps.core.highway.relay import relay
from apps.core.models import OutboxEntry
from apps.core.tests.highway_support import publish_n, stream_numbers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_outbox_drains_in_order_after_redis_comes_back(own_redis, channel):
    publish_n(channel, [1, 2])
    assert stream_numbers(own_redis, channel) == [1, 2]

    own_redis.stop()
    publish_n(channel, [3, 4, 5, 6, 7])  # the callers' transactions all succeed
    pending = OutboxEntry.objects.filter(channel=channel, delivered_at__isnull=True)
    assert pending.count() == 5
    assert relay().backlog.is_set()  # after the first failure, new events just queue
    assert redis_breaker().state == "closed"
    relay().drain()
    relay().drain()  # the relay's retries are failures two and three
    assert redis_breaker().state == "open"
    oldest = pending.order_by("id").first()
    assert oldest is not None and oldest.attempts == 3
    assert relay().drain() == 0  # open: Redis is not even tried

    own_redis.start()  # same port, empty: the first two events were in the old process
    time.sleep(0.35)  # the breaker's recovery time
    assert relay().drain() == 5
    assert stream_numbers(own_redis, channel) == [3, 4, 5, 6, 7]
    assert not pending.exists()
    assert not relay().backlog.is_set()

    publish_n(channel, [8])  # the fast path is back; its success closes the breaker
    assert stream_numbers(own_redis, channel) == [3, 4, 5, 6, 7, 8]
    assert redis_breaker().state == "closed"


def test_events_published_after_an_outage_go_out_behind_the_backlog(own_redis, channel):
    """While a backlog exists, a new event queues behind it: this process (it runs no relay
    thread) drains the backlog first, so order is kept."""
    own_redis.stop()
    publish_n(channel, [1])
    relay().drain()
    relay().drain()
    own_redis.start()
    time.sleep(0.35)
    publish_n(channel, [2])  # not sent ahead of 1: the process is in backlog mode
    assert stream_numbers(own_redis, channel) == [1, 2]
    assert not relay().backlog.is_set()


def test_the_relay_thread_delivers_rows_a_crashed_process_left_behind(own_redis, channel, settings):
    """Rows committed by a process that died before sending them (no on-commit ever ran)."""
    from apps.core.highway.envelope import Event
    from apps.core.highway.relay import RelayThread

    settings.COS_EVENTS = {**settings.COS_EVENTS, "RELAY_INTERVAL": 0.05}
    events = [
        Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
        for n in range(5)
    ]
    OutboxEntry.objects.bulk_create(
        [OutboxEntry(event_id=e.id, channel=channel, payload=e.to_bytes()) for e in events]
    )
    thread = RelayThread(relay())
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while OutboxEntry.objects.filter(channel=channel, delivered_at__isnull=True).exists():
            assert time.monotonic() < deadline, "the relay thread did not deliver"
            time.sleep(0.05)
    finally:
        thread.stop()
    assert stream_numbers(own_redis, channel) == [0, 1, 2, 3, 4]


def test_an_api_request_that_publishes_succeeds_while_redis_is_down(own_redis):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(User.objects.create_superuser("editor"))
    own_redis.stop()
    response = api.post("/api/probe/items/", {"title": "Written offline"}, format="json")
    assert response.status_code == 201, response.content
    entry = OutboxEntry.objects.get(channel="probe.items")
    assert entry.delivered_at is None and entry.attempts == 1
    assert orjson.loads(bytes(entry.payload))["data"]["title"] == "Written offline"
