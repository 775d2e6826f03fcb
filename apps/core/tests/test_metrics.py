"""/metrics: Prometheus text whose values follow the real state (scraped with operations access;
who may scrape: test_access_closed)."""

import uuid

import pytest
import redis as redis_lib
from prometheus_client.parser import text_string_to_metric_families

from apps.core.highway.breaker import redis_breaker
from apps.core.highway.connection import reset_clients
from apps.core.highway.envelope import Event
from apps.core.models import OutboxEntry
from tests.redis_process import RedisProcess

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


def test_it_reports_uptime_and_redis(operator_client, highway):
    samples = scrape(operator_client)
    assert samples[("cos_redis_up", ())] == 1
    assert samples[("cos_uptime_seconds", ())] > 0
    assert samples[("cos_redis_breaker_state", ())] == 0


def test_the_breaker_state_follows_the_breaker(operator_client, highway):
    redis_breaker().breaker.open()
    assert scrape(operator_client)[("cos_redis_breaker_state", ())] == 2


def test_the_outbox_backlog_follows_pending_rows(operator_client, highway):
    before = scrape(operator_client)[("cos_outbox_pending", ())]
    event = Event(type="probe.test.event", source="probe", channel="probe.m", data={})
    OutboxEntry.objects.create(event_id=event.id, channel=event.channel, payload=event.to_bytes())
    assert scrape(operator_client)[("cos_outbox_pending", ())] == before + 1


def test_dead_letters_and_pending_deliveries_are_counted_per_channel(
    operator_client, highway, redis_client
):
    channel = f"probe.m_{uuid.uuid4().hex[:8]}"
    redis_client.xadd(f"dlq:{channel}", {b"event": b"{}"})
    redis_client.xadd(channel, {b"event": b"{}"})
    redis_client.sadd("cos:channels", channel)
    redis_client.xgroup_create(channel, "metrics-group", id="0")
    redis_client.xreadgroup("metrics-group", "c1", {channel: ">"}, count=1)
    samples = scrape(operator_client)
    assert samples[("cos_dlq_size", (("channel", channel),))] == 1
    key = (("channel", channel), ("group", "metrics-group"))
    assert samples[("cos_subscriber_pending", key)] == 1


def test_requests_are_counted(operator_client, highway):
    before = scrape(operator_client).get(
        ("cos_http_requests_total", (("method", "GET"), ("status", "200"))), 0
    )
    operator_client.get("/alive")
    after = scrape(operator_client)[
        ("cos_http_requests_total", (("method", "GET"), ("status", "200")))
    ]
    assert after >= before + 2  # /alive and the previous scrape


@pytest.fixture
def own_redis(tmp_path, settings, highway):
    """A redis-server only this test talks to: its INFO counts nothing but the scrapes."""
    server = RedisProcess(tmp_path).start()
    settings.REDIS_URL = server.url
    reset_clients()
    client = redis_lib.Redis.from_url(server.url)
    yield client
    client.close()
    server.stop()


def server_stats(client) -> tuple[int, int]:
    """(SCAN calls so far, socket reads so far): one INFO, itself one read."""
    info = client.info("all")
    return info.get("cmdstat_scan", {}).get("calls", 0), info["total_reads_processed"]


def add_channels(client, names, dead_letters=0):
    for name in names:
        client.sadd("cos:channels", name)
        client.xadd(name, {b"event": b"{}"})
        client.xgroup_create(name, "metrics-group", id="0")
        for _ in range(dead_letters):
            client.xadd(f"dlq:{name}", {b"event": b"{}"})


@pytest.mark.slow
def test_a_scrape_reads_the_channel_registry_not_the_keyspace(operator_client, own_redis):
    add_channels(own_redis, ["probe.one", "probe.two"], dead_letters=2)
    own_redis.sadd("cos:channels", "probe.never_streamed")  # registered, its stream gone
    scrape(operator_client)  # the connection is set up once; what follows counts scrapes alone

    scans, reads = server_stats(own_redis)
    samples = scrape(operator_client)
    scans_after, reads_after = server_stats(own_redis)
    add_channels(own_redis, [f"probe.more_{n}" for n in range(20)], dead_letters=1)
    scans_before_more, reads_before_more = server_stats(own_redis)
    more = scrape(operator_client)
    scans_after_more, reads_after_more = server_stats(own_redis)

    assert scans_after == scans and scans_after_more == scans_before_more  # no SCAN at all
    # Two round trips (socket reads, less the INFO's own), however many channels there are.
    assert reads_after - reads - 1 == reads_after_more - reads_before_more - 1 == 2
    assert samples[("cos_dlq_size", (("channel", "probe.one"),))] == 2
    assert more[("cos_dlq_size", (("channel", "probe.more_7"),))] == 1
    assert ("cos_dlq_size", (("channel", "probe.never_streamed"),)) not in more
    group = (("channel", "probe.more_19"), ("group", "metrics-group"))
    assert more[("cos_subscriber_pending", group)] == 0
