"""publish(): outbox row in the caller's transaction, Redis after commit, nothing on rollback."""

import orjson
import pytest
from django.db import transaction

from apps.core.highway.envelope import InvalidEvent
from apps.core.highway.publisher import UndeclaredEvent, publish
from apps.core.highway.relay import relay
from apps.core.http.request_context import request_id_var
from apps.core.models import OutboxEntry

pytestmark = pytest.mark.django_db


def stream_events(redis_client, channel):
    return [orjson.loads(fields[b"event"]) for _, fields in redis_client.xrange(channel)]


def test_a_committed_event_reaches_its_stream_and_its_mark_is_left_to_the_relay(
    highway, channel, redis_client, django_capture_on_commit_callbacks, monkeypatch
):
    relay().stop_marker()  # one left by an earlier test would take the mark in its own connection
    monkeypatch.setattr(relay(), "thread_running", True)  # the relay thread marks; here, the test
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = publish("probe.test.event", {"n": 1}, source="probe", channel=channel)
        assert stream_events(redis_client, channel) == []  # not before commit
    assert [e["id"] for e in stream_events(redis_client, channel)] == [event.id]
    entry = OutboxEntry.objects.get(event_id=event.id)
    assert entry.delivered_at is None  # nothing but the XADD followed the commit
    relay().flush_marks()
    entry.refresh_from_db()
    assert entry.delivered_at is not None and entry.attempts == 0
    assert redis_client.sismember("cos:channels", channel)


def test_a_rolled_back_transaction_emits_nothing(
    highway, channel, redis_client, django_capture_on_commit_callbacks
):
    def failing_work():
        with transaction.atomic():
            publish("probe.test.event", {"n": 1}, source="probe", channel=channel)
            raise RuntimeError("the caller's work failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_work()
    assert callbacks == []
    assert not OutboxEntry.objects.filter(channel=channel).exists()
    assert stream_events(redis_client, channel) == []


def test_events_carry_the_request_id_of_the_work_in_progress(
    highway, channel, redis_client, django_capture_on_commit_callbacks
):
    token = request_id_var.set("req-abc")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            publish("probe.test.event", {}, source="probe", channel=channel)
    finally:
        request_id_var.reset(token)
    assert stream_events(redis_client, channel)[0]["request_id"] == "req-abc"


def test_the_channel_defaults_to_the_event_type(highway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = publish("probe.test.event", {}, source="probe")
    assert event.channel == "probe.test.event"


def test_a_module_must_declare_what_it_publishes(highway, channel):
    with pytest.raises(UndeclaredEvent, match=r"Module 'probe' publishes 'probe\.secret'"):
        publish("probe.secret", {}, source="probe", channel=channel)
    assert not OutboxEntry.objects.filter(channel=channel).exists()


def test_data_that_is_not_json_is_refused_before_anything_is_written(highway, channel):
    with pytest.raises(InvalidEvent, match="not JSON-serializable"):
        publish("probe.test.event", {"when": object()}, source="probe", channel=channel)
    assert not OutboxEntry.objects.filter(channel=channel).exists()


def test_a_bad_channel_is_refused(highway):
    with pytest.raises(InvalidEvent, match="channel"):
        publish("probe.test.event", {}, source="probe", channel="Not A Channel")


def test_a_failed_publish_rolls_back_the_block_and_its_earlier_events(
    highway, channel, redis_client, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import DatabaseError

    from apps.core.highway import publisher

    def failing_insert(*args, **kwargs):
        raise DatabaseError("the insert failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        publish("probe.test.event", {"n": 1}, source="probe", channel=channel)
        monkeypatch.setattr(publisher, "insert_rows", failing_insert)
        with pytest.raises(DatabaseError):
            publish("probe.test.event", {"n": 2}, source="probe", channel=channel)
    assert callbacks == [] and stream_events(redis_client, channel) == []
