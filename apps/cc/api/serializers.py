from typing import Any

from rest_framework import serializers

from apps.cc.models import BaseLog, ScratchNote
from apps.core.memory import Level


class PromptSerializer(serializers.Serializer):
    prompt_text = serializers.CharField()
    response_text = serializers.CharField(required=False, allow_blank=True)
    execution_time_ms = serializers.FloatField(required=False, min_value=0)
    token_count = serializers.IntegerField(required=False, min_value=0)


class LogWriteSerializer(serializers.Serializer):
    """What POST logs/ accepts; the write itself is services' log_l1."""

    message = serializers.CharField()
    event_type = serializers.CharField(default=None, allow_null=True, max_length=100)
    level = serializers.ChoiceField(choices=Level.choices, default=Level.INFO)
    payload = serializers.JSONField(default=None, allow_null=True)
    prompt = PromptSerializer(default=None, allow_null=True)

    def validate_payload(self, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("payload must be a JSON object")
        return value


class LogSerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.event_type", default=None)
    request_id = serializers.CharField(source="event.request_id", default=None)
    trace_id = serializers.CharField(source="event.trace_id", default=None)
    prompt = serializers.SerializerMethodField()

    class Meta:
        model = BaseLog
        fields = [
            "id", "timestamp", "level", "message", "payload",
            "event_type", "request_id", "trace_id", "prompt",
        ]  # fmt: skip

    def get_prompt(self, log: BaseLog) -> dict[str, Any] | None:
        trace = getattr(log, "prompt", None)
        return PromptSerializer(trace).data if trace is not None else None


MAX_TTL_SECONDS = 365 * 24 * 3600


class NoteSerializer(serializers.ModelSerializer):
    ttl_seconds = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=MAX_TTL_SECONDS,
        help_text="Lifetime from now; 7 days when omitted.",
    )  # fmt: skip

    class Meta:
        model = ScratchNote
        fields = ["id", "key", "content", "created_at", "expires_at", "ttl_seconds"]
        read_only_fields = ["created_at", "expires_at"]


class NoteQuerySerializer(serializers.Serializer):
    key_prefix = serializers.CharField(required=False, default="", max_length=255)
    include_expired = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0)


class NoteStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    expired = serializers.IntegerField()
    oldest = serializers.DateTimeField(allow_null=True)
    newest = serializers.DateTimeField(allow_null=True)


class PingSerializer(serializers.Serializer):
    module = serializers.CharField(max_length=100)

    def validate_module(self, value: str) -> str:
        from apps.core.registry import get_module_config

        try:
            get_module_config(value)
        except LookupError as exc:
            raise serializers.ValidationError(f"No installed module {value!r}.") from exc
        return value
