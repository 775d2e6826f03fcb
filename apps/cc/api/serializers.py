from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.cc.models import BaseLog, Module, ModuleStateChange, PromptTrace, ScratchNote
from apps.cc.services import config_problems, installed_definition, name_problem
from apps.core.api.limits import MAX_INT32, MAX_OFFSET, BoundedJSONField
from apps.core.api.serializers import PartHealthSerializer
from apps.core.memory import AbstractBaseLog, Level


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


class LogPromptSerializer(serializers.ModelSerializer):
    """A log's prompt, as read back (timing and tokens may be unknown: null)."""

    class Meta:
        model = PromptTrace
        fields = ["prompt_text", "response_text", "execution_time_ms", "token_count"]


class LogSerializer(serializers.ModelSerializer):
    # null for a log without an event record
    event_type = serializers.CharField(source="event.event_type", default=None, allow_null=True)
    request_id = serializers.CharField(source="event.request_id", default=None, allow_null=True)
    trace_id = serializers.CharField(source="event.trace_id", default=None, allow_null=True)
    prompt = serializers.SerializerMethodField()

    class Meta:
        model = BaseLog
        fields = [
            "id", "timestamp", "level", "message", "payload",
            "event_type", "request_id", "trace_id", "prompt",
        ]  # fmt: skip

    @extend_schema_field(LogPromptSerializer(allow_null=True))
    def get_prompt(self, log: BaseLog) -> dict[str, Any] | None:
        trace = getattr(log, "prompt", None)
        return _shared(LogPromptSerializer).to_representation(trace) if trace is not None else None


@cache
def _shared(serializer: type[serializers.ModelSerializer]) -> serializers.ModelSerializer:
    """One instance per process: a ModelSerializer builds its fields on each new instance, which
    profiling showed as a large part of answering a write. Read-only use (`to_representation`)
    is safe from any thread."""
    return serializer()


def log_representation(log: AbstractBaseLog) -> dict[str, Any]:
    """`LogSerializer(log).data`, without building LogSerializer's fields anew."""
    return dict(_shared(LogSerializer).to_representation(log))


MAX_TTL_SECONDS = 365 * 24 * 3600


class NoteSerializer(serializers.ModelSerializer):
    ttl_seconds = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=MAX_TTL_SECONDS,
        help_text=_("Lifetime from now; 7 days when omitted."),
    )  # fmt: skip

    class Meta:
        model = ScratchNote
        fields = ["id", "key", "content", "created_at", "expires_at", "ttl_seconds"]
        read_only_fields = ["created_at", "expires_at"]


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


# >>> cc only
class PingSerializer(serializers.Serializer):
    module = serializers.CharField(max_length=100)

    def validate_module(self, value: str) -> str:
        from apps.core.registry import get_module_config

        try:
            get_module_config(value)
        except LookupError as exc:
            raise serializers.ValidationError(
                _("No installed module '%(code)s'.") % {"code": value}
            ) from exc
        return value


# <<< cc only
class PromptTraceSerializer(serializers.ModelSerializer):
    timestamp = serializers.DateTimeField(source="base_log.timestamp", read_only=True)
    level = serializers.CharField(source="base_log.level", read_only=True)
    message = serializers.CharField(source="base_log.message", read_only=True)
    event_type = serializers.CharField(
        source="base_log.event.event_type", default=None, allow_null=True
    )
    request_id = serializers.CharField(
        source="base_log.event.request_id", default=None, allow_null=True
    )

    class Meta:
        model = PromptTrace
        fields = [
            "id", "base_log", "timestamp", "level", "message", "event_type", "request_id",
            "prompt_text", "response_text", "execution_time_ms", "token_count",
        ]  # fmt: skip


class PromptTraceWriteSerializer(PromptSerializer, LogFieldsSerializer):
    """What POST prompt-traces/ accepts: a prompt and its answer, logged through log_l1."""

    message = serializers.CharField(required=False, default="Prompt trace")


# >>> cc only
class ModuleSerializer(serializers.ModelSerializer):
    """A registry row. `active` changes only through enable/ and disable/ (audited)."""

    installed = serializers.SerializerMethodField()
    config = BoundedJSONField(required=False)
    kind = serializers.SerializerMethodField()
    requires = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = [
            "id", "name", "version", "description", "active", "reason", "last_active",
            "config", "installed", "kind", "requires", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["active", "reason", "last_active", "created_at", "updated_at"]
        # Uniqueness is the service's to enforce: a duplicate is a 409, not a 400.
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}

    def get_installed(self, module: Module) -> bool:
        return installed_definition(module.name) is not None

    def get_kind(self, module: Module) -> str | None:
        definition = installed_definition(module.name)
        return str(definition.kind) if definition else None

    def get_requires(self, module: Module) -> list[str]:
        definition = installed_definition(module.name)
        return list(definition.requires) if definition else []

    def validate_name(self, value: str) -> str:
        problem = name_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem)
        if self.instance is not None and value != self.instance.name:
            raise serializers.ValidationError(_("A module's name cannot change."))
        return value

    def validate_config(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("config must be a JSON object."))
        name = self.instance.name if self.instance else self.initial_data.get("name", "")
        problems = config_problems(str(name), value)
        if problems:
            raise serializers.ValidationError(problems)
        return value


class ModuleHealthSerializer(PartHealthSerializer):
    module = serializers.CharField()


class RedisPoolSerializer(serializers.Serializer):
    max = serializers.IntegerField()
    active = serializers.IntegerField()
    idle = serializers.IntegerField()


class RedisHealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["healthy", "degraded", "offline"])
    ping_ms = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    pool = RedisPoolSerializer()
    info = serializers.DictField(help_text="Figures from Redis INFO (none when offline).")
    breaker = serializers.DictField(help_text="The Redis circuit breaker: state, counters.")


class SystemHealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    engines = serializers.DictField(child=PartHealthSerializer())
    modules = serializers.DictField(child=PartHealthSerializer())


class ConfigSerializer(serializers.Serializer):
    version = serializers.CharField()
    modules_loaded = serializers.ListField(child=serializers.CharField())


class StateChangeRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class ModuleStateChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModuleStateChange
        fields = [
            "id",
            "module_name",
            "actor_name",
            "via",
            "from_active",
            "to_active",
            "reason",
            "at",
        ]


class StateChangeResultSerializer(serializers.Serializer):
    module = ModuleSerializer()
    changed = serializers.ListField(child=serializers.CharField())


# <<< cc only
