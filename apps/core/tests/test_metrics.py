"""/metrics: Prometheus text whose values follow the real state."""

import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.core.highway.breaker import redis_breaker
from apps.core.highway.envelope import Event
from apps.core.models import OutboxEntry

pytestmark = pytest.mark.django_db


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_it_is_public_and_reports_uptime_and_redis(client, highway):
    samples = scrape(client)
    assert samples[("cos_redis_up", ())] == 1
    assert samples[("cos_uptime_seconds", ())] > 0
    assert samples[("cos_redis_breaker_state", ())] == 0


def test_the_breaker_state_follows_the_breaker(client, highway):
    redis_breaker().breaker.open()
    assert scrape(client)[("cos_redis_breaker_state", ())] == 2


def test_the_outbox_backlog_follows_pending_rows(client, highway):
    before = scrape(client)[("cos_outbox_pending", ())]
    event = Event(type="probe.test.event", source="probe", channel="probe.m", data={})
    OutboxEntry.objects.create(event_id=event.id, channel=event.channel, payload=event.to_bytes())
    assert scrape(client)[("cos_outbox_pending", ())] == before + 1


def test_dead_letters_and_pending_deliveries_are_counted_per_channel(client, highway, redis_client):
    channel = f"probe.m_{uuid.uuid4().hex[:8]}"
    redis_client.xadd(f"dlq:{channel}", {b"event": b"{}"})
    redis_client.xadd(channel, {b"event": b"{}"})
    redis_client.sadd("cos:channels", channel)
    redis_client.xgroup_create(channel, "metrics-group", id="0")
    redis_client.xreadgroup("metrics-group", "c1", {channel: ">"}, count=1)
    samples = scrape(client)
    assert samples[("cos_dlq_size", (("channel", channel),))] == 1
    key = (("channel", channel), ("group", "metrics-group"))
    assert samples[("cos_subscriber_pending", key)] == 1


def test_requests_are_counted(client, highway):
    before = scrape(client).get(
        ("cos_http_requests_total", (("method", "GET"), ("status", "200"))), 0
    )
    client.get("/alive")
    after = scrape(client)[("cos_http_requests_total", (("method", "GET"), ("status", "200")))]
    assert after >= before + 2  # /alive and the previous scrape
