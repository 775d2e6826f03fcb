"""LOG_FORMAT=json: one JSON object per line, with what finds the rest of its request."""

import io
import logging
import logging.config
import uuid
from datetime import datetime, timedelta

import orjson
import pytest
from django.contrib.auth.models import User
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from rest_framework.authtoken.models import Token

from apps.core.telemetry import tracing
from apps.core.telemetry.log_config import JSON, TEXT, logging_config, uvicorn_log_config
from apps.core.telemetry.logs import JsonLineFormatter

FIELDS = [
    "time", "level", "logger", "message", "request_id", "trace_id", "span_id", "module", "user_id",
]  # fmt: skip


@pytest.fixture
def json_lines():
    """Lines the JSON formatter writes for the loggers named, as dicts."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    attached = []

    def attach(name):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        attached.append(logger)

    def read():
        return [orjson.loads(line) for line in stream.getvalue().splitlines()]

    yield attach, read
    for logger in attached:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_line_names_the_request_its_user_and_module(client, json_lines):
    attach, read = json_lines
    attach("django.request")  # Django logs every 4xx answer there
    user = User.objects.create_user("logged", is_superuser=True)
    token = Token.objects.create(user=user).key
    response = client.get(
        f"/api/cc/logs/{uuid.uuid4()}/", headers={"authorization": f"Token {token}"}
    )
    assert response.status_code == 404
    (line,) = read()
    assert list(line)[: len(FIELDS)] == FIELDS
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert line["module"] == "cc"
    assert line["status_code"] == 404  # the record's extra fields follow
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)


def test_a_line_written_in_a_span_carries_its_trace_and_span_ids(json_lines):
    attach, read = json_lines
    attach("apps.cc.telemetry_test")
    tracing.install(SimpleSpanProcessor(InMemorySpanExporter()))
    try:
        tracer = tracing.tracer()
        assert tracer is not None
        with tracer.start_as_current_span("work") as span:
            logging.getLogger("apps.cc.telemetry_test").warning("inside %s", "work")
    finally:
        tracing.uninstall()
    logging.getLogger("apps.cc.telemetry_test").warning("outside")
    inside, outside = read()
    assert inside["message"] == "inside work"
    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert inside["span_id"] == format(span.get_span_context().span_id, "016x")
    assert inside["module"] == "cc"  # the logger lives in apps.cc
    assert outside["trace_id"] is None and outside["span_id"] is None


def test_uvicorns_access_log_is_json_too_without_query_string_tokens():
    config = uvicorn_log_config(JSON)
    stream = io.StringIO()
    config["handlers"]["access"] = {
        "class": "logging.StreamHandler",
        "stream": stream,
        "formatter": "access",
        "filters": ["redact_tokens"],
    }
    logging.config.dictConfig(config)
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", "/api/cc/logs/", "1.1", 201
        )
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000", "GET", "/ws/events/?token=abc123secret&since=1-0", "1.1", 101,
        )  # fmt: skip
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
    text = stream.getvalue()
    assert "abc123secret" not in text
    api_line, line = (orjson.loads(entry) for entry in text.splitlines())
    assert api_line["module"] == "cc"  # the module whose API was called
    assert line["logger"] == "uvicorn.access"
    assert line["path"] == "/ws/events/?token=[redacted]&since=1-0"
    assert (line["client"], line["method"], line["status"]) == ("127.0.0.1:5000", "GET", 101)
    assert (
        line["message"]
        == '127.0.0.1:5000 - "GET /ws/events/?token=[redacted]&since=1-0 HTTP/1.1" 101'
    )


def test_lines_are_human_readable_unless_json_is_asked_for():
    assert logging_config(TEXT, "INFO")["formatters"]["standard"] == {
        "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
    }
    assert logging_config(JSON, "INFO")["formatters"]["standard"]["()"].endswith(
        "JsonLineFormatter"
    )
    text_uvicorn = uvicorn_log_config(TEXT)
    assert "JsonLineFormatter" not in str(text_uvicorn["formatters"])
