"""Agents' tokens never reach the logs, even when sent as `?token=`."""

import logging

from apps.core.http.request_context import RedactTokensLogFilter
from apps.core.management.commands.serve import uvicorn_log_config


def access_record(path):
    """A record shaped as uvicorn's access log writes it."""
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200), None,
    )  # fmt: skip


def test_a_token_in_the_query_string_is_redacted():
    record = access_record("/ws/events/?since=1-0&token=abc123secret&x=1")
    RedactTokensLogFilter().filter(record)
    line = record.getMessage()
    assert "abc123secret" not in line
    assert "/ws/events/?since=1-0&token=[redacted]&x=1" in line


def test_paths_without_tokens_are_left_alone():
    record = access_record("/api/cc/logs/?q=tokens")
    RedactTokensLogFilter().filter(record)
    assert "/api/cc/logs/?q=tokens" in record.getMessage()


def test_serve_filters_every_uvicorn_handler():
    config = uvicorn_log_config()
    assert set(config["handlers"]) >= {"default", "access"}
    for handler in config["handlers"].values():
        assert handler["filters"] == ["redact_tokens"]
    assert config["filters"]["redact_tokens"]["()"].endswith("RedactTokensLogFilter")
