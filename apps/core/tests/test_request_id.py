"""X-Request-ID: read or created, echoed, visible to logging and error bodies."""

import logging
import re

import pytest

from apps.core.http.request_context import RequestIdLogFilter, current_request_id


def test_a_request_without_an_id_gets_a_new_one(client):
    response = client.get("/alive")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/alive")["X-Request-ID"] != response["X-Request-ID"]


def test_an_incoming_id_is_echoed(client):
    response = client.get("/alive", headers={"X-Request-ID": "agent-7.run:42"})
    assert response["X-Request-ID"] == "agent-7.run:42"


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "<script>", "a\tb"])
def test_an_unsafe_incoming_id_is_replaced(client, bad):
    response = client.get("/alive", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_id_reaches_log_records_during_the_request(client, monkeypatch):
    from apps.core.http import probes as views

    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(record.request_id)

    handler = Capture()
    handler.addFilter(RequestIdLogFilter())
    logger = logging.getLogger("cos.test.request_id")
    logger.addHandler(handler)
    original = views.utc_now

    def logging_utc_now():
        logger.warning("inside the view")
        return original()

    monkeypatch.setattr(views, "utc_now", logging_utc_now)
    try:
        client.get("/ping", headers={"X-Request-ID": "trace-me"})
    finally:
        logger.removeHandler(handler)
    assert seen == ["trace-me"]
    assert current_request_id() is None  # reset after the request


def test_the_id_is_in_api_error_bodies(client):
    response = client.get("/api/no-such-thing/", headers={"X-Request-ID": "err-1"})
    assert response.json()["request_id"] == "err-1"
