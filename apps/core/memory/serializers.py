"""The kit's API shapes. Plain serializers with their fields spelled out (no ModelSerializer):
one class serves every module's concrete tables; the OpenAPI document names each after the
module serving it (`CcLog`, `BooksLog`: apps.core.rest.schema)."""

from functools import cache
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.core.memory.models import (
    AbstractBaseLog,
    AbstractPromptTrace,
    AbstractScratchNote,
    Level,
)
from apps.core.rest.limits import MAX_INT32, MAX_OFFSET, BoundedJSONField

MAX_TTL_SECONDS = 365 * 24 * 3600


def label(model: type[models.Model], field: str) -> Any:
    """The model field's name, as ModelSerializer would label it (lazy, translated)."""
    return capfirst(model._meta.get_field(field).verbose_name)  # type: ignore[union-attr]


class PromptSerializer(serializers.Serializer):
    prompt_text = serializers.CharField()
    response_text = serializers.CharField(required=False, allow_blank=True)
    execution_time_ms = serializers.FloatField(required=False, min_value=0)
    token_count = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT32)


class LogFieldsSerializer(serializers.Serializer):
    """The log_l1 arguments every write of L1 memory takes."""

    message = serializers.CharField()
    event_type = serializers.CharField(default=None, allow_null=True, max_length=100)
    level = serializers.ChoiceField(choices=Level.choices, default=Level.INFO)
    payload = BoundedJSONField(default=None, allow_null=True)

    def validate_payload(self, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError(_("payload must be a JSON object."))
        return value


class LogWriteSerializer(LogFieldsSerializer):
    """What POST logs/ accepts; the write itself is services' log_l1."""

    prompt = PromptSerializer(default=None, allow_null=True)


class LogPromptSerializer(serializers.Serializer):
    """A log's prompt, as read back (timing and tokens may be unknown: null)."""

    prompt_text = serializers.CharField(label=label(AbstractPromptTrace, "prompt_text"))
    response_text = serializers.CharField(
        allow_blank=True, label=label(AbstractPromptTrace, "response_text")
    )
    execution_time_ms = serializers.FloatField(
        allow_null=True, label=label(AbstractPromptTrace, "execution_time_ms")
    )
    token_count = serializers.IntegerField(
        min_value=0, max_value=MAX_INT32, allow_null=True,
        label=label(AbstractPromptTrace, "token_count"),
    )  # fmt: skip


class LogSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    timestamp = serializers.DateTimeField(read_only=True, label=label(AbstractBaseLog, "timestamp"))
    level = serializers.ChoiceField(choices=Level.choices, read_only=True)
    message = serializers.CharField(read_only=True)
    payload = serializers.JSONField(read_only=True, allow_null=True)
    # null for a log without an event record
    event_type = serializers.CharField(source="event.event_type", default=None, allow_null=True)
    request_id = serializers.CharField(source="event.request_id", default=None, allow_null=True)
    trace_id = serializers.CharField(source="event.trace_id", default=None, allow_null=True)
    prompt = serializers.SerializerMethodField()

    @extend_schema_field(LogPromptSerializer(allow_null=True))
    def get_prompt(self, log: AbstractBaseLog) -> dict[str, Any] | None:
        trace = getattr(log, "prompt", None)
        return _shared(LogPromptSerializer).to_representation(trace) if trace is not None else None


@cache
def _shared(serializer: type[serializers.Serializer]) -> serializers.Serializer:
    """One instance per process: a serializer builds its fields on each new instance, which
    profiling showed as a large part of answering a write. Read-only use (`to_representation`)
    is safe from any thread."""
    return serializer()


def log_representation(log: AbstractBaseLog) -> dict[str, Any]:
    """`LogSerializer(log).data`, without building LogSerializer's fields anew."""
    return dict(_shared(LogSerializer).to_representation(log))


class NoteSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    key = serializers.CharField(max_length=255)
    content = serializers.CharField()
    created_at = serializers.DateTimeField(
        read_only=True, label=label(AbstractScratchNote, "created_at")
    )
    expires_at = serializers.DateTimeField(
        read_only=True, label=label(AbstractScratchNote, "expires_at")
    )
    ttl_seconds = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=MAX_TTL_SECONDS,
        help_text=_("Lifetime from now; 7 days when omitted."),
    )  # fmt: skip


@extend_schema_serializer(many=False)  # the list action answers one page object, not a list
class NotePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Notes found, on every page.")
    results = NoteSerializer(many=True)


class NoteCleanupSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(help_text="Expired notes deleted.")


class NoteQuerySerializer(serializers.Serializer):
    key_prefix = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=255,
        help_text="Only notes whose key starts with this; empty: all.",
    )  # fmt: skip
    include_expired = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_OFFSET)


class NoteStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    expired = serializers.IntegerField()
    oldest = serializers.DateTimeField(allow_null=True)
    newest = serializers.DateTimeField(allow_null=True)


class PromptTraceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    base_log = serializers.UUIDField(source="base_log_id", read_only=True)
    timestamp = serializers.DateTimeField(source="base_log.timestamp", read_only=True)
    level = serializers.CharField(source="base_log.level", read_only=True)
    message = serializers.CharField(source="base_log.message", read_only=True)
    event_type = serializers.CharField(
        source="base_log.event.event_type", default=None, allow_null=True
    )
    request_id = serializers.CharField(
        source="base_log.event.request_id", default=None, allow_null=True
    )
    prompt_text = serializers.CharField(
        read_only=True, label=label(AbstractPromptTrace, "prompt_text")
    )
    response_text = serializers.CharField(
        read_only=True, label=label(AbstractPromptTrace, "response_text")
    )
    execution_time_ms = serializers.FloatField(
        read_only=True, allow_null=True, label=label(AbstractPromptTrace, "execution_time_ms")
    )
    token_count = serializers.IntegerField(
        read_only=True, allow_null=True, label=label(AbstractPromptTrace, "token_count")
    )


class PromptTraceWriteSerializer(PromptSerializer, LogFieldsSerializer):
    """What POST prompt-traces/ accepts: a prompt and its answer, logged through log_l1."""

    message = serializers.CharField(required=False, default="Prompt trace")
