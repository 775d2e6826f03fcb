"""The event envelope: versioned, compact, validated on parse, extra fields kept."""

import uuid

import orjson
import pytest

from apps.core.highway.envelope import SCHEMA_VERSION, Event, InvalidEvent


def make(**overrides):
    body = Event(
        type="probe.test.event", source="probe", channel="probe.x", data={"n": 1}
    ).as_dict()
    body.update(overrides)
    return body


def test_a_new_event_has_id_utc_timestamp_and_schema_version():
    event = Event(type="t.x", source="probe", channel="probe.x", data={})
    uuid.UUID(event.id)
    assert event.timestamp.endswith("Z") and "T" in event.timestamp
    assert event.schema_version == SCHEMA_VERSION == 1


def test_serialization_round_trips_and_is_compact_json():
    event = Event(
        type="t.x", source="probe", channel="probe.x", data={"title": "Été"}, request_id="r1"
    )
    raw = event.to_bytes()
    assert isinstance(raw, bytes) and b" " not in raw
    assert Event.parse(raw) == event


def test_extra_fields_are_kept():
    parsed = Event.parse(orjson.dumps(make(base_log_id="42", lineage={"from": "agent"})))
    assert parsed.extra == {"base_log_id": "42", "lineage": {"from": "agent"}}
    assert orjson.loads(parsed.to_bytes())["lineage"] == {"from": "agent"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": ""}, "'type' must be a non-empty string"),
        ({"source": None}, "'source' must be a non-empty string"),
        ({"id": "not-a-uuid"}, "'id' must be a UUID"),
        ({"timestamp": "yesterday"}, "is not RFC 3339"),
        ({"timestamp": "2026-11-23T10:00:00"}, "must carry a UTC offset"),
        ({"schema_version": 2}, "'schema_version' must be 1"),
        ({"data": [1, 2]}, "'data' must be an object"),
        ({"channel": "Bad Channel"}, "channel 'Bad Channel' must be"),
        ({"request_id": 7}, "'request_id' must be a non-empty string"),
    ],
)
def test_parse_rejects_each_bad_field_with_its_name(change, message):
    with pytest.raises(InvalidEvent, match=message):
        Event.parse(make(**change))


@pytest.mark.parametrize("raw", [b"{nope", b"[1, 2]", b'"text"'])
def test_parse_rejects_what_is_not_a_json_object(raw):
    with pytest.raises(InvalidEvent):
        Event.parse(raw)
