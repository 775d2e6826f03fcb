"""One trace from an API write to the websocket frame: the HTTP request, publish(), the relay's
XADD, each subscriber's handling and the live feed's hand-out to the sockets share its trace
id."""

import asyncio
import http.server
import threading
import time
import uuid

import pytest
from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections, transaction
from django.test import Client
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from rest_framework.authtoken.models import Token

from apps.core.highway.consuming import SubscriberRunner
from apps.core.highway.publisher import publish
from apps.core.highway.relay import relay
from apps.core.highway.subscribers import Subscriber
from apps.core.http.request_context import current_trace_id
from apps.core.telemetry import tracing
from apps.core.telemetry.highway_spans import TRACEPARENT
from cos_project.asgi import application

CHANNEL = "mem0.recorded.cc"


def reopen_connections():
    """psycopg is instrumented per connection, when it opens (as in `serve`, where tracing
    starts before any): empty the pool so that the next queries open new ones."""
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
    connections.close_all()
    connections["default"].close_pool()  # type: ignore[attr-defined]


@pytest.fixture
def spans():
    """Tracing on, into memory, for one test."""
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter))
    yield exporter
    tracing.uninstall()


@pytest.fixture
def spans_with_sql(spans):
    """Tracing on, and the database's connections opened anew: traced too."""
    reopen_connections()
    yield spans
    reopen_connections()


def hex_trace(span):
    return format(span.context.trace_id, "032x")


def named(exporter, prefix, group=None):
    return [
        span
        for span in exporter.get_finished_spans()
        if span.name.startswith(prefix)
        and (group is None or span.attributes.get("messaging.consumer.group.name") == group)
    ]


async def wait_for(exporter, prefix, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not named(exporter, prefix):
        assert time.monotonic() < deadline, f"no span {prefix!r} ended"
        await asyncio.sleep(0.01)
    return named(exporter, prefix)


def runner_of(base, **attributes):
    """A subscriber of CHANNEL with a group of its own, starting at new events."""
    group = f"trace_{uuid.uuid4().hex[:8]}"
    options = {"group": group, "name": group, "channels": (CHANNEL,), "batch_wait_ms": 20}
    cls = type("Traced", (base,), {**options, **attributes})
    return SubscriberRunner(cls())


@database_sync_to_async
def agent_token():
    user = User.objects.create_user(f"tracer_{uuid.uuid4().hex[:6]}", is_superuser=True)
    return Token.objects.create(user=user).key


@database_sync_to_async
def post_log(token):
    client = Client(headers={"authorization": f"Token {token}"})  # loads the traced middleware
    return client.post("/api/cc/logs/", {"message": "traced"}, content_type="application/json")


@pytest.mark.django_db(transaction=True)  # the relay sends on commit
async def test_a_posts_trace_reaches_every_subscriber_and_the_websocket_frame(
    highway, spans_with_sql
):
    spans = spans_with_sql
    token = await agent_token()
    feed = WebsocketCommunicator(
        tracing.websocket_app(application),
        "/ws/events/",
        headers=[(b"authorization", f"Token {token}".encode())],
    )
    assert (await feed.connect())[0]
    assert (await feed.receive_json_from())["type"] == "welcome"
    await feed.send_json_to({"action": "subscribe", "channels": [CHANNEL]})
    assert (await feed.receive_json_from())["type"] == "subscribed"
    handlers_saw = []

    class Recorder(Subscriber):
        def handle(self, event):  # sync: runs in a thread, the trace must follow it there
            handlers_saw.append(current_trace_id())

    recorder = runner_of(Recorder)
    await recorder.refresh_streams()

    response = await post_log(token)
    assert response.status_code == 201
    await recorder.run_once()
    frame = await feed.receive_json_from(timeout=5)  # from this process' live-feed hub
    await wait_for(spans, "websocket send")

    (request,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    trace_id = hex_trace(request)
    (published,) = named(spans, f"publish {CHANNEL}")
    (relayed,) = named(spans, f"send {CHANNEL}")
    (recorded,) = named(spans, f"process {CHANNEL}", recorder.group)
    (sent,) = named(spans, f"websocket send {CHANNEL}")
    path = [published, relayed, recorded, sent]
    assert {hex_trace(span) for span in path} == {trace_id}
    # publish() runs inside the request; everything after it continues the publish span.
    assert published.parent.span_id == request.context.span_id
    assert {span.parent.span_id for span in path[1:]} == {published.context.span_id}
    assert sent.attributes["cos.livefeed.sockets"] == 1
    # The hub's polling reads belong to no trace (not to the socket that started the hub).
    assert not [s.name for s in spans.get_finished_spans() if s.name.startswith("XREAD")]
    # What the client and the handler see carry the same trace.
    event = frame["event"]
    assert event["trace_id"] == trace_id
    publish_span_id = format(published.context.span_id, "016x")
    assert event[TRACEPARENT].split("-")[1:3] == [trace_id, publish_span_id]
    assert handlers_saw == [trace_id]
    # The instrumented libraries' spans join it: the SQL of the write, the XADD.
    traced = [s for s in spans.get_finished_spans() if hex_trace(s) == trace_id]
    assert any(s.attributes.get("db.system") == "postgresql" for s in traced)
    (xadd,) = [s for s in traced if s.parent and s.parent.span_id == relayed.context.span_id]
    assert xadd.attributes.get("db.system") == "redis"
    assert "XADD" in xadd.name or "XADD" in str(xadd.attributes.get("db.statement"))
    await recorder.client.aclose()
    await feed.disconnect()
    relay().stop_marker()  # the delivered mark's thread: its connection ends with the test


@pytest.mark.django_db
def test_without_tracing_an_envelope_carries_no_traceparent(highway):
    assert tracing.provider() is None
    with transaction.atomic():
        event = publish("probe.test.event", {"n": 1}, source="probe", channel="probe.trace_off")
    assert TRACEPARENT not in event.as_dict()
    assert event.trace_id is None


@pytest.mark.django_db
def test_a_caller_may_carry_its_own_traceparent(highway, spans):
    theirs = "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"
    with transaction.atomic():
        event = publish("probe.test.event", {}, source="probe", traceparent=theirs)
    assert event.extra[TRACEPARENT] == theirs


@pytest.mark.django_db
def test_probes_are_not_traced_pages_are(client, spans):
    assert client.get("/alive").status_code == 200
    assert client.get("/ping").status_code == 200
    assert spans.get_finished_spans() == ()
    assert client.get("/api/cc/logs/").status_code == 401
    (request,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert request.attributes["http.route"] == "api/cc/logs/$"
    assert request.attributes["http.status_code"] == 401


def test_background_calls_outside_any_span_are_not_traced(highway, spans):
    """A subscriber polling its streams, the relay sweeping: no trace each second for those."""
    from apps.core.highway.connection import sync_redis

    sync_redis().ping()
    assert spans.get_finished_spans() == ()
    tracer = tracing.tracer()
    assert tracer is not None
    with tracer.start_as_current_span("work"):
        sync_redis().ping()
    assert [s.name for s in spans.get_finished_spans()] == ["PING", "work"]


class OtlpSink(http.server.ThreadingHTTPServer):
    """A collector's OTLP/HTTP endpoint, in the test: the spans it was sent, by name."""

    def __init__(self):
        self.spans = []
        super().__init__(("127.0.0.1", 0), OtlpHandler)


class OtlpHandler(http.server.BaseHTTPRequestHandler):
    server: OtlpSink

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                self.server.spans += [(service["service.name"], s.name) for s in scope.spans]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def otlp_sink():
    sink = OtlpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    yield sink
    sink.shutdown()
    sink.server_close()


@pytest.mark.django_db
def test_an_otlp_endpoint_in_the_environment_turns_tracing_on(monkeypatch, otlp_sink):
    tracing.configure_from_environment()
    assert tracing.provider() is None  # no endpoint, no tracing
    port = otlp_sink.server_address[1]
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    tracing.configure_from_environment()
    try:
        provider = tracing.provider()
        assert provider is not None
        with transaction.atomic():
            publish("probe.test.event", {}, source="probe", channel="probe.exported")
        assert provider.force_flush(timeout_millis=5000)
        assert ("cos", "publish probe.exported") in otlp_sink.spans
    finally:
        tracing.uninstall()
