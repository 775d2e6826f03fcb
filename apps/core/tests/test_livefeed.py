"""The websocket live feed at /ws/events/."""

import uuid

import pytest
from channels.db import database_sync_to_async  # closes the thread's connection
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.core.highway.envelope import Event
from apps.core.highway.livefeed_bridge import LiveFeedBridge
from apps.core.highway.livefeed_hub import hub
from apps.core.highway.streams import decode
from apps.core.testing import grant
from cos_project.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def make_user(name, superuser=False, probe_view=False):
    user = User.objects.create_user(name, password="pw-" + name, is_superuser=superuser)
    if probe_view:
        grant(user, "probe")
    return user


@database_sync_to_async
def token_for(user):
    return Token.objects.create(user=user).key


async def open_feed(headers=(), path="/ws/events/"):
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def agent_feed(**user_options):
    user = await make_user(f"agent_{uuid.uuid4().hex[:6]}", **user_options)
    feed = await open_feed([(b"authorization", f"Token {await token_for(user)}".encode())])
    assert (await feed.receive_json_from())["type"] == "welcome"
    return feed


async def closed_with(feed):
    output = await feed.receive_output(timeout=2)
    while output["type"] == "websocket.send":
        output = await feed.receive_output(timeout=2)
    assert output["type"] == "websocket.close"
    return output["code"]


async def subscribe(feed, channels, **extra):
    await feed.send_json_to({"action": "subscribe", "channels": channels, **extra})
    reply = await feed.receive_json_from()
    assert reply["type"] == "subscribed", reply
    return reply


async def put(channel, n):
    import redis.asyncio
    from django.conf import settings

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
    cursor = await client.xadd(channel, {b"event": event.to_bytes()})
    await client.sadd("cos:channels", channel)
    await client.aclose()
    return event, decode(cursor)


async def stalled_feed(monkeypatch):
    """A superuser's open feed whose event frames are never sent: what uvicorn's send does
    while the client's socket is full because the client stopped reading."""
    import asyncio

    from apps.core.highway.livefeed_socket import LiveFeedConsumer

    slow_user = await make_user(f"slow_{uuid.uuid4().hex[:6]}", superuser=True)
    never = asyncio.Event()
    real_send = LiveFeedConsumer.send

    async def send(self, text_data=None, bytes_data=None, close=False):
        if self.user_pk == slow_user.pk and text_data and text_data.startswith('{"type":"event"'):
            await never.wait()
        await real_send(self, text_data=text_data, bytes_data=bytes_data, close=close)

    monkeypatch.setattr(LiveFeedConsumer, "send", send)
    slow = await open_feed([(b"authorization", f"Token {await token_for(slow_user)}".encode())])
    assert (await slow.receive_json_from())["type"] == "welcome"
    return slow


async def test_anonymous_connections_are_closed_with_4401(highway):
    feed = await open_feed()
    assert await closed_with(feed) == 4401


async def test_a_bad_token_is_anonymous(highway):
    feed = await open_feed([(b"authorization", b"Token not-a-token")])
    assert await closed_with(feed) == 4401


async def test_agents_authenticate_with_a_token_in_the_query_string(highway):
    user = await make_user("querier", superuser=True)
    feed = await open_feed(path=f"/ws/events/?token={await token_for(user)}")
    assert (await feed.receive_json_from())["type"] == "welcome"
    await feed.disconnect()


async def test_people_authenticate_with_their_session(highway):
    user = await make_user("person", superuser=True)
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    feed = await open_feed([(b"cookie", cookie)])
    assert (await feed.receive_json_from())["type"] == "welcome"
    await feed.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        b"{not json",
        b"[1, 2]",
        b'{"action": "dance"}',
        b'{"action": "subscribe", "channels": "probe.x"}',
        b'{"action": "subscribe", "channels": []}',
        b'{"action": "subscribe", "channels": ["Bad Name"]}',
        b'{"action": "subscribe", "channels": ["probe.x"], "since": "yesterday"}',
    ],
)
async def test_malformed_messages_close_with_4400(highway, message):
    feed = await agent_feed(superuser=True)
    await feed.send_to(text_data=message.decode())
    assert await closed_with(feed) == 4400


async def test_a_module_the_user_may_not_view_closes_with_4403(highway, channel):
    feed = await agent_feed()
    await feed.send_json_to({"action": "subscribe", "channels": [channel]})
    assert await closed_with(feed) == 4403


async def test_module_permission_allows_the_subscription(highway, channel):
    feed = await agent_feed(probe_view=True)
    assert (await subscribe(feed, [channel]))["channels"] == [channel]
    await feed.disconnect()


async def test_a_published_event_reaches_the_subscriber(highway, channel):
    feed = await agent_feed(superuser=True)
    await subscribe(feed, [channel])
    event, cursor = await put(channel, 1)  # a channel new to the hub: found by its discovery
    message = await feed.receive_json_from(timeout=2)
    assert message == {
        "type": "event",
        "channel": channel,
        "cursor": cursor,
        "event": event.as_dict(),
    }
    await feed.disconnect()


async def test_an_event_published_as_soon_as_the_subscription_is_confirmed_arrives(
    highway, channel
):
    import time

    import redis
    from django.conf import settings

    await put(channel, 0)  # the channel exists: the hub's first discovery finds it
    feed = await agent_feed(superuser=True)  # the first socket: the hub starts with it
    await subscribe(feed, [channel])
    # Published at once, the event loop held (no await) for a few ms after: a hub that had not
    # yet read where it starts would start after this event and never send it.
    event = Event(type="probe.test.event", source="probe", channel=channel, data={"n": 1})
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        client.xadd(channel, {b"event": event.to_bytes()})
        time.sleep(0.005)
    assert (await feed.receive_json_from(timeout=2))["event"]["id"] == event.id
    await feed.disconnect()


async def test_each_event_is_framed_once_per_process_whatever_the_number_of_sockets(
    highway, channel
):
    await put(channel, 0)
    feeds = [await agent_feed(superuser=True) for _ in range(3)]
    for feed in feeds:
        await subscribe(feed, [channel])
    built = hub().frames_built
    event, _ = await put(channel, 1)
    for feed in feeds:
        assert (await feed.receive_json_from(timeout=2))["event"]["id"] == event.id
    assert hub().frames_built - built == 1
    for feed in feeds:
        await feed.disconnect()
    assert hub().task is None  # nobody listens: the process reads nothing


async def test_a_client_that_stops_reading_is_cut_off_and_slows_no_one(
    highway, channel, monkeypatch
):
    highway["LIVEFEED_QUEUE"] = 5
    await put(channel, 0)
    slow = await stalled_feed(monkeypatch)
    await subscribe(slow, [channel])
    fast = await agent_feed(superuser=True)
    await subscribe(fast, [channel])
    sent = [(await put(channel, n))[0].id for n in range(10)]
    received = [(await fast.receive_json_from(timeout=2))["event"]["id"] for _ in sent]
    assert received == sent  # the reading client got everything, in order
    assert await closed_with(slow) == 4408
    await fast.disconnect()


async def test_patterns_receive_matching_channels_only_and_only_of_visible_modules(highway):
    prefix = f"t_{uuid.uuid4().hex[:8]}"
    feed = await agent_feed(probe_view=True)
    await subscribe(feed, [f"*.{prefix}.*"])  # the module is left open: filtered per event
    await put(f"core.{prefix}.hidden", 1)  # a module this user may not view
    await put(f"probe.{prefix}x.nomatch", 3)
    await put(f"probe.{prefix}.other", 2)
    message = await feed.receive_json_from(timeout=2)
    assert message["channel"] == f"probe.{prefix}.other"
    assert await feed.receive_nothing(timeout=0.5)
    await feed.disconnect()


async def test_since_replays_what_was_missed_then_goes_live(highway, channel):
    _, first = await put(channel, 1)
    second, _ = await put(channel, 2)
    third, _ = await put(channel, 3)
    feed = await agent_feed(superuser=True)
    await subscribe(feed, [channel], since=first)
    replayed = [await feed.receive_json_from(), await feed.receive_json_from()]
    assert [m["event"]["id"] for m in replayed] == [second.id, third.id]
    assert await feed.receive_json_from() == {"type": "replayed", "count": 2}
    fourth, _ = await put(channel, 4)
    live = await feed.receive_json_from(timeout=2)
    assert live["event"]["id"] == fourth.id
    await feed.disconnect()


def test_live_frames_during_a_replay_wait_and_those_it_sent_are_not_sent_twice():
    from apps.core.highway.livefeed_socket import ReplayOverlap

    overlap = ReplayOverlap()
    assert not overlap.hold("a", "frame a")  # no replay: live frames go straight out
    overlap.begin()
    assert overlap.hold("b", "frame b") and overlap.hold("c", "frame c")
    assert overlap.end(replayed={"b"}) == ["frame c"]  # b was replayed; c comes after it
    assert overlap.hold("b", "frame b")  # b again, live and late: dropped
    assert not overlap.hold("d", "frame d")


async def test_heartbeats_and_pings(highway, settings):
    settings.COS_EVENTS = {**highway, "LIVEFEED_HEARTBEAT": 0.05}
    feed = await agent_feed(superuser=True)
    assert (await feed.receive_json_from(timeout=1))["type"] == "heartbeat"
    await feed.send_json_to({"action": "ping"})
    while (reply := await feed.receive_json_from(timeout=1))["type"] == "heartbeat":
        pass
    assert reply == {"type": "pong"}
    await feed.disconnect()


async def test_a_permission_taken_away_stops_an_open_feed(highway, monkeypatch):
    from apps.core.highway import livefeed_hub

    monkeypatch.setattr(livefeed_hub, "PERMISSION_RECHECK_S", 0)  # re-read at every event
    prefix = f"t_{uuid.uuid4().hex[:8]}"
    user = await make_user(f"agent_{uuid.uuid4().hex[:6]}", probe_view=True)
    feed = await open_feed([(b"authorization", f"Token {await token_for(user)}".encode())])
    assert (await feed.receive_json_from())["type"] == "welcome"
    await subscribe(feed, [f"*.{prefix}.*"])
    channel = f"probe.{prefix}.notes"
    await put(channel, 1)
    assert (await feed.receive_json_from(timeout=2))["event"]["data"] == {"n": 1}
    await database_sync_to_async(user.user_permissions.clear)()
    await put(channel, 2)
    assert await feed.receive_nothing(timeout=0.6)
    await feed.disconnect()


async def test_the_channel_layer_bridge_hands_each_event_to_the_group_once(
    highway, channel, monkeypatch
):
    from channels.layers import get_channel_layer

    sent = []
    layer = get_channel_layer()

    async def record(group, message):
        sent.append((group, message["event"]["id"]))

    monkeypatch.setattr(layer, "group_send", record)
    events = [
        Event(type="probe.test.event", source="probe", channel=channel, data={"n": n})
        for n in range(3)
    ]
    await LiveFeedBridge().handle_batch(events)
    assert [event_id for _, event_id in sent] == [event.id for event in events]
    assert {group for group, _ in sent} == {"livefeed-all"}


# --- hostile and careless clients ---------------------------------------------------------------
async def test_an_agent_with_a_token_needs_no_origin(highway):
    user = await make_user(f"agent_{uuid.uuid4().hex[:6]}", superuser=True)
    headers = [(b"authorization", f"Token {await token_for(user)}".encode())]
    feed = WebsocketCommunicator(application, "/ws/events/", headers=headers)  # no Origin
    connected, _ = await feed.connect()
    assert connected
    assert (await feed.receive_json_from())["type"] == "welcome"
    await feed.disconnect()


async def session_cookie_of(user):
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_a_session_cookie_from_a_foreign_origin_is_refused(highway):
    cookie = await session_cookie_of(await make_user("hijacked", superuser=True))
    foreign = [(b"origin", b"https://evil.example"), (b"cookie", cookie)]
    feed = WebsocketCommunicator(application, "/ws/events/", headers=foreign)
    connected, _ = await feed.connect()
    assert not connected
    no_origin = WebsocketCommunicator(application, "/ws/events/", headers=[(b"cookie", cookie)])
    connected, _ = await no_origin.connect()
    assert not connected  # a cookie needs an Origin of ours
    ours = await open_feed([(b"cookie", cookie)])  # the positive control: our own origin
    assert (await ours.receive_json_from())["type"] == "welcome"
    await ours.disconnect()


@pytest.mark.parametrize(
    "since",
    [
        "99999999999999999999-99999999999999999999",
        "18446744073709551616-0",
        "18446744073709551615-18446744073709551615",  # nothing can follow it: Redis refuses it
    ],
)
async def test_a_since_beyond_the_streams_range_closes_with_4400(highway, channel, since):
    feed = await agent_feed(superuser=True)
    await feed.send_json_to({"action": "subscribe", "channels": [channel], "since": since})
    assert await closed_with(feed) == 4400


async def test_one_subscribe_message_names_at_most_100_channels(highway):
    feed = await agent_feed(superuser=True)
    await subscribe(feed, [f"probe.c{n}" for n in range(100)])
    await feed.send_json_to(
        {"action": "subscribe", "channels": [f"probe.c{n}" for n in range(101)]}
    )
    assert await closed_with(feed) == 4400


async def test_a_replay_sends_at_most_the_total_cap_across_channels(highway, monkeypatch):
    from apps.core.highway import livefeed_socket as consumers

    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 5)
    prefix = f"probe.t_{uuid.uuid4().hex[:8]}"
    for name in ("a", "b", "c"):
        for n in range(3):
            await put(f"{prefix}.{name}", n)
    feed = await agent_feed(superuser=True)
    await subscribe(feed, [f"{prefix}.*"], since="0-0")
    messages = [await feed.receive_json_from() for _ in range(6)]
    assert messages[-1] == {"type": "replayed", "count": 5}
    await feed.disconnect()


async def test_a_replay_reads_no_channel_the_user_may_not_see(highway, monkeypatch):
    from apps.core.highway import livefeed_socket as consumers

    prefix = f"t_{uuid.uuid4().hex[:8]}"
    await put(f"core.{prefix}.hidden", 1)  # core: this user may not view it
    await put(f"probe.{prefix}.shown", 2)
    read = []
    real_async_redis = consumers.async_redis

    def spying_client():
        client = real_async_redis()
        real_xrange = client.xrange

        async def xrange(name, *args, **kwargs):
            read.append(name)
            return await real_xrange(name, *args, **kwargs)

        client.xrange = xrange  # type: ignore[method-assign]
        return client

    monkeypatch.setattr(consumers, "async_redis", spying_client)
    feed = await agent_feed(probe_view=True)
    await subscribe(feed, [f"*.{prefix}.*"], since="0-0")
    shown = await feed.receive_json_from()
    assert shown["channel"] == f"probe.{prefix}.shown"
    assert await feed.receive_json_from() == {"type": "replayed", "count": 1}
    assert read == [f"probe.{prefix}.shown"]  # the hidden stream was never read
    await feed.disconnect()


async def test_a_stream_entry_that_is_not_an_event_is_skipped_not_blamed_on_the_client(
    highway, channel, caplog
):
    import redis.asyncio
    from django.conf import settings

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    await client.xadd(channel, {b"event": b"{not json"})
    await client.xadd(channel, {b"other": b"field"})
    await client.sadd("cos:channels", channel)
    await client.aclose()
    good, _ = await put(channel, 1)
    feed = await agent_feed(superuser=True)
    await subscribe(feed, [channel], since="0-0")
    assert (await feed.receive_json_from())["event"]["id"] == good.id
    assert await feed.receive_json_from() == {"type": "replayed", "count": 1}
    await feed.send_json_to({"action": "ping"})
    assert await feed.receive_json_from() == {"type": "pong"}  # still open
    assert "is not an event" in caplog.text
    await feed.disconnect()


async def test_the_hub_outlives_a_failed_permission_check_and_loses_nothing(
    highway, channel, monkeypatch
):
    from django.db import OperationalError

    from apps.core.highway import livefeed_hub

    monkeypatch.setattr(livefeed_hub, "PERMISSION_RECHECK_S", 0)
    monkeypatch.setattr(livefeed_hub, "RETRY_WAIT_S", (0.05, 0.1))
    real = livefeed_hub.may_view_all
    failures = [OperationalError("the database restarted")]

    def flaky(user_pks, module):
        if failures:
            raise failures.pop()
        return real(user_pks, module)

    await put(channel, 0)
    feed = await agent_feed(superuser=True)
    await subscribe(feed, [channel])
    monkeypatch.setattr(livefeed_hub, "may_view_all", flaky)  # the hub's next check fails once
    first, _ = await put(channel, 1)  # its hand-out fails once, then is read again
    second, _ = await put(channel, 2)
    received = [(await feed.receive_json_from(timeout=3))["event"]["id"] for _ in range(2)]
    assert received == [first.id, second.id] and not failures
    await feed.disconnect()


async def test_a_hub_started_again_reads_from_then_not_from_where_it_stopped(highway, channel):
    await put(channel, 0)
    early = await agent_feed(superuser=True)
    await subscribe(early, [channel])
    await put(channel, 1)
    assert (await early.receive_json_from(timeout=2))["event"]["data"] == {"n": 1}
    await early.disconnect()  # the last socket: the hub stops
    await put(channel, 2)  # while nobody listens
    late = await agent_feed(superuser=True)
    await subscribe(late, [channel])
    third, _ = await put(channel, 3)
    assert (await late.receive_json_from(timeout=2))["event"]["id"] == third.id
    await late.disconnect()


async def test_a_client_that_reads_no_replay_is_cut_off_too(highway, channel, monkeypatch):
    highway["LIVEFEED_QUEUE"] = 5
    for n in range(20):
        await put(channel, n)
    slow = await stalled_feed(monkeypatch)
    await slow.send_json_to({"action": "subscribe", "channels": [channel], "since": "0-0"})
    for n in range(20, 30):  # live events arrive while the replay waits for room
        await put(channel, n)
    assert await closed_with(slow) == 4408
    assert not hub().sockets
