"""Durable subscribers on Redis Streams consumer groups: at-least-once, retries, dead letters."""

import asyncio
import uuid

import orjson
import pytest
import redis.asyncio

from apps.core.graphdb.errors import GraphUnavailable
from apps.core.highway.consuming import SubscriberRunner
from apps.core.highway.envelope import Event
from apps.core.highway.streams import dead_letter_key
from apps.core.highway.subscribers import (
    DependencyUnavailable,
    Subscriber,
    register,
    registered,
    unregister,
)


class Crash(BaseException):
    """Not an Exception: it kills the runner, as a process crash would."""


def make_events(channel, count):
    return [
        Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
        for n in range(count)
    ]


@pytest.fixture
async def aredis(highway):
    from django.conf import settings

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    yield client
    await client.aclose()


async def put(client, events):
    for event in events:
        await client.xadd(event.channel, {b"event": event.to_bytes()})


def subscriber_for(channel, **attributes):
    base = {"channels": (channel,), "group": f"g_{uuid.uuid4().hex[:8]}", "start_from": "0"}
    return type("TestSubscriber", (Subscriber,), {**base, **attributes})


async def run_until(runner, condition, seconds=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await runner.run_once()


async def test_each_event_is_handled_and_acknowledged(aredis, channel):
    seen = []
    cls = subscriber_for(channel, handle=lambda self, e: seen.append(e.data["n"]), batch_wait_ms=50)
    runner = SubscriberRunner(cls(), client=aredis)
    await put(aredis, make_events(channel, 5))
    await runner.refresh_streams()
    await run_until(runner, lambda: len(seen) == 5)
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert (await aredis.xpending(channel, cls.group))["pending"] == 0


async def test_a_redelivered_event_id_is_not_handled_twice(aredis, channel):
    seen = []
    cls = subscriber_for(channel, handle=lambda self, e: seen.append(e.id), batch_wait_ms=50)
    runner = SubscriberRunner(cls(), client=aredis)
    event = make_events(channel, 1)[0]
    await put(aredis, [event, event])  # the relay re-sent it after a crash
    await runner.refresh_streams()
    for _ in range(3):
        await runner.run_once()
    assert seen == [event.id]
    assert (await aredis.xpending(channel, cls.group))["pending"] == 0


async def test_a_crash_mid_batch_loses_nothing(aredis, channel):
    """At-least-once: what the crashed consumer held is taken over after the ack timeout."""
    handled = []

    def crashing(self, event):
        if event.data["n"] == 2:
            raise Crash
        handled.append(event.data["n"])

    group = f"g_{uuid.uuid4().hex[:8]}"
    first = subscriber_for(channel, group=group, handle=crashing, concurrency=1, batch_wait_ms=50)
    await put(aredis, make_events(channel, 6))
    crashed = SubscriberRunner(first(), consumer="worker-1", client=aredis)
    await crashed.refresh_streams()
    with pytest.raises(Crash):
        await crashed.run_once()
    assert (await aredis.xpending(channel, group))["pending"] == 6  # nothing was acknowledged

    survivor = subscriber_for(
        channel, group=group, ack_timeout_ms=100, batch_wait_ms=50,
        handle=lambda self, e: handled.append(e.data["n"]),
    )  # fmt: skip
    runner = SubscriberRunner(survivor(), consumer="worker-2", client=aredis)
    await runner.refresh_streams()
    await asyncio.sleep(0.15)
    await run_until(runner, lambda: set(handled) == set(range(6)))
    await run_until(runner, lambda: runner.handled >= 6)
    assert (await aredis.xpending(channel, group))["pending"] == 0


async def test_an_event_that_keeps_failing_goes_to_the_dead_letter_stream(aredis, channel):
    attempts = []

    def always_fails(self, event):
        attempts.append(event.id)
        raise ValueError("cannot index this chapter")

    cls = subscriber_for(
        channel, handle=always_fails, max_attempts=3, ack_timeout_ms=40, batch_wait_ms=20
    )
    runner = SubscriberRunner(cls(), client=aredis)
    event = make_events(channel, 1)[0]
    await put(aredis, [event])
    await runner.refresh_streams()

    async def dead_letters():
        return await aredis.xrange(dead_letter_key(channel))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not await dead_letters():
        assert loop.time() < deadline
        await runner.run_once()
        await asyncio.sleep(0.03)
    [(_, fields)] = await dead_letters()
    assert fields[b"channel"] == channel.encode()
    assert fields[b"attempts"] == b"3"
    assert fields[b"last_error"] == b"ValueError: cannot index this chapter"
    assert orjson.loads(fields[b"event"])["id"] == event.id
    assert len(attempts) == 3
    assert (await aredis.xpending(channel, cls.group))["pending"] == 0


async def test_an_invalid_envelope_is_dead_lettered_at_once(aredis, channel):
    cls = subscriber_for(channel, handle=lambda self, e: None, batch_wait_ms=20)
    runner = SubscriberRunner(cls(), client=aredis)
    await aredis.xadd(channel, {b"event": b'{"type": "no envelope"}'})
    await runner.refresh_streams()
    await runner.run_once()
    [(_, fields)] = await aredis.xrange(dead_letter_key(channel))
    assert fields[b"last_error"].startswith(b"invalid envelope")


async def test_a_batch_handler_gets_whole_batches_and_is_retried_as_a_whole(aredis, channel):
    batches = []
    failures: list[int] = []

    def handle_batch(self, events):
        if not failures:
            failures.append(1)
            raise RuntimeError("index unavailable")
        batches.append([e.data["n"] for e in events])

    cls = subscriber_for(
        channel, handle_batch=handle_batch, batch_size=10, ack_timeout_ms=40, batch_wait_ms=20
    )
    runner = SubscriberRunner(cls(), client=aredis)
    await put(aredis, make_events(channel, 4))
    await runner.refresh_streams()
    await run_until(runner, lambda: batches != [], seconds=5)
    assert batches == [[0, 1, 2, 3]]


async def test_concurrency_is_limited(aredis, channel):
    running, peak = 0, 0

    async def handle(self, event):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    cls = subscriber_for(channel, handle=handle, concurrency=2, batch_size=20, batch_wait_ms=20)
    runner = SubscriberRunner(cls(), client=aredis)
    await put(aredis, make_events(channel, 10))
    await runner.refresh_streams()
    await run_until(runner, lambda: runner.handled == 10)
    assert peak == 2


async def test_patterns_follow_channels_that_appear_later(aredis, highway):
    prefix = f"probe.p_{uuid.uuid4().hex[:8]}"
    seen = []
    cls = subscriber_for(
        f"{prefix}.*",
        handle=lambda self, e: seen.append(e.channel),
        start_from="$",
        batch_wait_ms=20,
    )
    runner = SubscriberRunner(cls(), client=aredis)
    await runner.refresh_streams()
    assert runner.streams == []
    event = make_events(f"{prefix}.late", 1)[0]
    await put(aredis, [event])
    await aredis.sadd("cos:channels", event.channel)
    await runner.refresh_streams()
    await run_until(runner, lambda: seen == [event.channel])  # its first event is not skipped


async def test_stop_lets_the_runner_finish_and_return(aredis, channel):
    cls = subscriber_for(channel, handle=lambda self, e: None, batch_wait_ms=50)
    runner = SubscriberRunner(cls(), client=aredis)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.1)
    runner.stop()
    await asyncio.wait_for(task, timeout=2)


def test_registration_names_and_validates_subscribers():
    @register
    class Indexer(Subscriber):
        channels = ("probe.chapter.*",)

    try:
        assert Indexer.name.endswith("Indexer") and Indexer.group == Indexer.name
        assert registered()[Indexer.name] is Indexer
    finally:
        unregister(Indexer.name)
    with pytest.raises(ValueError, match="invalid channels"):
        register(type("Bad", (Subscriber,), {"channels": ("Not Valid",)}))
    assert "graph.sync" in registered()  # a module's subscriber, registered at start-up
    assert "core.livefeed" not in registered()  # the channel-layer bridge: only when chosen


async def test_stopping_finishes_and_acknowledges_the_events_in_hand(aredis, channel):
    started, finished = asyncio.Event(), []

    async def slow(self, event):
        started.set()
        await asyncio.sleep(0.3)
        finished.append(event.id)

    cls = subscriber_for(channel, handle=slow, batch_wait_ms=50)
    runner = SubscriberRunner(cls(), client=aredis)
    [event] = make_events(channel, 1)
    await put(aredis, [event])
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(started.wait(), timeout=5)
    runner.stop()  # while the handler is still working
    await asyncio.wait_for(task, timeout=5)
    assert finished == [event.id]
    assert (await aredis.xpending(channel, cls.group))["pending"] == 0


async def test_handled_event_ids_are_remembered_for_about_an_hour(aredis, channel):
    cls = subscriber_for(channel, handle=lambda self, e: None, batch_wait_ms=50)
    runner = SubscriberRunner(cls(), client=aredis)
    [event] = make_events(channel, 1)
    await put(aredis, [event])
    await runner.refresh_streams()
    await run_until(runner, lambda: runner.handled == 1)
    ttl = await aredis.ttl(f"cos:done:{cls.group}:{event.id}")
    assert 3000 < ttl <= 3600


async def test_a_subscriber_that_needs_no_deduplication_keeps_no_done_keys(aredis, channel):
    seen = []
    cls = subscriber_for(
        channel, handle=lambda self, e: seen.append(e.id), batch_wait_ms=50, idempotent=False
    )
    runner = SubscriberRunner(cls(), client=aredis)
    events = make_events(channel, 3)
    await put(aredis, events)
    await runner.refresh_streams()
    await run_until(runner, lambda: len(seen) == 3)
    assert [key async for key in aredis.scan_iter(f"cos:done:{cls.group}:*")] == []


def test_the_live_feed_bridge_keeps_no_done_keys():
    from apps.core.highway.livefeed_bridge import LiveFeedBridge

    assert LiveFeedBridge.idempotent is False


async def test_a_group_lost_with_redis_data_is_created_again_and_reading_resumes(aredis, channel):
    """Redis restarted without its data: XREADGROUP answers NOGROUP until the group exists."""
    seen = []
    cls = subscriber_for(channel, handle=lambda self, e: seen.append(e.data["n"]), batch_wait_ms=50)
    runner = SubscriberRunner(cls(), client=aredis)
    first, second = make_events(channel, 2)
    await put(aredis, [first])
    await runner.refresh_streams()
    await run_until(runner, lambda: seen == [0])
    await aredis.delete(channel)  # stream and group gone, as after an empty restart
    await put(aredis, [second])  # a new stream, without the group
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(100):
            if seen == [0, 1]:
                break
            await asyncio.sleep(0.05)
    finally:
        runner.stop()
        await task
    assert seen == [0, 1]


async def test_a_dependency_that_is_down_holds_events_in_order_and_dead_letters_none(
    aredis, channel
):
    """DependencyUnavailable is no attempt: however long the outage, the events wait in their
    stream (none newer is read past them) and are handled in order once it is back."""
    down, tries, seen = True, [], []

    def handle(self, event):
        tries.append(event.data["n"])
        if down:
            raise DependencyUnavailable("the index server is down")
        seen.append(event.data["n"])

    cls = subscriber_for(
        channel, handle=handle, concurrency=1, max_attempts=2, ack_timeout_ms=40,
        batch_wait_ms=20, unavailable_wait_s=(0.01, 0.05),
    )  # fmt: skip
    runner = SubscriberRunner(cls(), client=aredis)
    await put(aredis, make_events(channel, 3))
    task = asyncio.create_task(runner.run())
    try:
        await poll(lambda: tries.count(0) >= 6)  # three times max_attempts
        assert seen == [] and set(tries) == {0}  # the first waits; the others wait behind it
        assert (await aredis.xpending(channel, cls.group))["pending"] == 3
        down = False
        await poll(lambda: seen == [0, 1, 2])
    finally:
        runner.stop()
        await task
    assert await aredis.xrange(dead_letter_key(channel)) == []
    assert (await aredis.xpending(channel, cls.group))["pending"] == 0


async def test_events_left_waiting_by_a_stopped_consumer_are_retried_not_dead_lettered(
    aredis, channel
):
    group = f"g_{uuid.uuid4().hex[:8]}"

    def unavailable(self, event):
        raise DependencyUnavailable("the index server is down")

    first = subscriber_for(channel, group=group, handle=unavailable, batch_wait_ms=20)
    await put(aredis, make_events(channel, 1))
    stopped = SubscriberRunner(first(), consumer="worker-1", client=aredis)
    stopped.stop()  # it returns at once with the event held, as a stopping process does
    await stopped.refresh_streams()
    await stopped.run_once()
    [entry] = await aredis.xpending_range(channel, group, min="-", max="+", count=10)
    assert entry["times_delivered"] == 1  # already max_attempts for the next consumer

    seen = []
    survivor = subscriber_for(
        channel, group=group, handle=lambda self, e: seen.append(e.data["n"]), max_attempts=1,
        ack_timeout_ms=40, batch_wait_ms=20,
    )  # fmt: skip
    runner = SubscriberRunner(survivor(), consumer="worker-2", client=aredis)
    await runner.refresh_streams()
    await asyncio.sleep(0.05)  # past the ack timeout
    await run_until(runner, lambda: seen == [0])
    assert await aredis.xrange(dead_letter_key(channel)) == []


def test_an_unreachable_graph_server_is_a_dependency_unavailable():
    assert issubclass(GraphUnavailable, DependencyUnavailable)


async def poll(condition, seconds=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)
