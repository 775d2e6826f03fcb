"""What COS accepts in a request, decided once: every API uses these.

- A JSON body is at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (2.5 MB; larger: 413).
- JSON values (a log's `payload`, a module's `config`) nest at most MAX_JSON_DEPTH deep, hold
  integers within PostgreSQL's bigint (signed 64 bits) and no NUL character ("\\u0000") in
  strings or keys, which PostgreSQL's jsonb and text cannot store.
- Counts stored as PostgreSQL `integer` are at most MAX_INT32; list offsets at most MAX_OFFSET.
- Date-times are normalised to UTC (PostgreSQL accepts offsets up to 15:59, Python up to 23:59).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_JSON_DEPTH = 32
MIN_INT64, MAX_INT64 = -(2**63), 2**63 - 1
MAX_INT32 = 2**31 - 1
MAX_OFFSET = MAX_INT64


def _is_unicode(text: str) -> bool:
    """False for a lone surrogate ("\\udc00" in JSON): PostgreSQL's json refuses it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_value_problem(value: Any) -> str | None:
    """Why `value` (decoded JSON) cannot be stored, or None. Iterative: no recursion limit."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return _("nested deeper than %(depth)d levels.") % {"depth": MAX_JSON_DEPTH}
            if isinstance(item, dict):
                for key in item:
                    if "\x00" in str(key):
                        return _("a key contains a NUL character.")
                    if not _is_unicode(str(key)):
                        return _("a string is not valid Unicode (a lone surrogate).")
                pending.extend((child, depth + 1) for child in item.values())
            else:
                pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and "\x00" in item:
            return _("a string contains a NUL character.")
        elif isinstance(item, str) and not _is_unicode(item):
            return _("a string is not valid Unicode (a lone surrogate).")
        elif isinstance(item, int) and not MIN_INT64 <= item <= MAX_INT64:
            return _("an integer is outside the signed 64-bit range.")
    return None


class BoundedJSONField(serializers.JSONField):
    """DRF's JSONField, refusing values PostgreSQL or the event highway cannot take."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problem = json_value_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem)
        return value


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; ValueError when that falls outside the years 1-9999."""
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date-time out of range") from exc
