"""log_l1 / log_event: one statement, then the event on mem0.recorded.<module>."""

import uuid

import orjson
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core.http.request_context import request_id_var
from apps.core.memory.recording import log_event, log_l1
from apps.core.models import OutboxEntry

pytestmark = pytest.mark.django_db


def stream(redis_client, recorded, module):
    entries = redis_client.xrange(f"mem0.recorded.{module}")
    return [
        orjson.loads(f[b"event"])
        for _, f in entries
        if orjson.loads(f[b"event"])["id"] == recorded.event_id
    ]


def test_it_writes_log_event_and_prompt_and_publishes_after_commit(
    highway, redis_client, django_capture_on_commit_callbacks, memory_module, memory
):
    with django_capture_on_commit_callbacks(execute=True):
        prompt = {"prompt_text": "Write chapter 3", "response_text": "It was", "token_count": 812}
        recorded = log_l1(
            memory_module,
            "chapter.drafted",
            "Drafted chapter 3",
            payload={"chapter": 3},
            prompt=prompt,
        )
    base = memory.base_log.objects.get(pk=recorded.base_log_id)
    assert base.message == "Drafted chapter 3" and base.payload == {"chapter": 3}
    assert memory.event_log.objects.get(base_log=base).event_type == "chapter.drafted"
    assert memory.prompt_trace.objects.get(base_log=base).token_count == 812
    [event] = stream(redis_client, recorded, memory_module)
    assert event["type"] == "mem0.recorded" and event["source"] == memory_module
    assert event["channel"] == f"mem0.recorded.{memory_module}"
    assert event["base_log_id"] == recorded.base_log_id  # the original's envelope field
    assert event["request_id"] == recorded.request_id


def test_a_failure_inside_writes_nothing_and_publishes_nothing(highway, memory_module, memory):
    def counts():
        return (
            memory.base_log.objects.count(),
            memory.event_log.objects.count(),
            OutboxEntry.objects.count(),
        )

    before = counts()
    with pytest.raises(TypeError):
        log_l1(memory_module, "x", "m", prompt={"prompt_text": "p", "token_count": object()})
    assert counts() == before


def test_an_enclosing_rollback_takes_everything_back(
    highway, django_capture_on_commit_callbacks, memory_module, memory
):
    def work():
        with transaction.atomic():
            log_l1(memory_module, "x", "will vanish")
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        work()
    assert callbacks == []
    assert not memory.base_log.objects.filter(message="will vanish").exists()


def test_the_request_id_comes_from_the_request_in_progress(highway, memory_module, memory):
    token = request_id_var.set("req-42")
    try:
        recorded = log_l1(memory_module, "x", "m")
    finally:
        request_id_var.reset(token)
    assert recorded.request_id == "req-42"
    event_log = memory.event_log.objects.get(base_log_id=uuid.UUID(recorded.base_log_id))
    assert event_log.request_id == "req-42"
    assert recorded.trace_id is None  # no OpenTelemetry span here


def test_without_an_event_type_only_the_base_log_is_written(highway, memory_module, memory):
    recorded = log_l1(memory_module, None, "a plain note")
    assert recorded.event_log_id is None
    base_log_id = uuid.UUID(recorded.base_log_id)
    assert not memory.event_log.objects.filter(base_log_id=base_log_id).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": "loud"}, "level must be one of"),
        ({"prompt": {"response_text": "no prompt"}}, "prompt needs prompt_text"),
        ({"prompt": {"prompt_text": "p", "colour": "red"}}, "prompt needs prompt_text"),
    ],
)
def test_bad_arguments_are_refused(highway, kwargs, message, memory_module):
    with pytest.raises(ValueError, match=message):
        log_l1(memory_module, "x", "m", **kwargs)


def test_log_event_records_any_source(highway, memory_module, memory):
    recorded = log_event(
        memory_module, {"event_type": "agent.step", "step": 4}, "Agent finished step 4"
    )
    event = memory.event_log.objects.get(base_log_id=uuid.UUID(recorded.base_log_id))
    assert event.event_type == "agent.step" and event.event_data == {
        "event_type": "agent.step",
        "step": 4,
    }


def test_a_module_without_memory_is_refused(highway):
    from apps.core.memory import NoMemory

    with pytest.raises(NoMemory, match="has no L1 memory"):
        log_l1("probe", "x", "m")


def test_the_rows_are_written_in_one_statement(
    highway, django_capture_on_commit_callbacks, memory_module, memory
):
    prompt = {"prompt_text": "p", "response_text": "r", "execution_time_ms": 1.5}
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as delivered,
    ):
        recorded = log_l1(memory_module, "x", "m", payload={"a": 1}, prompt=prompt)
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 1 and len(delivered) == 1
    base = memory.base_log.objects.select_related("event", "prompt").get(pk=recorded.base_log_id)
    assert (base.event.pk, base.prompt.pk) == (recorded.event_log_id, recorded.prompt_trace_id)
    assert base.prompt.execution_time_ms == 1.5 and base.payload == {"a": 1}
    entry = OutboxEntry.objects.get(event_id=recorded.event_id)
    assert entry.txid > 0 and entry.created_at is not None and entry.delivered_at is None
