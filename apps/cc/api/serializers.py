from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.cc.models import Module, ModuleSettingChange, ModuleStateChange
from apps.core.api.serializers import PartHealthSerializer
from apps.core.governance.registration import installed_definition
from apps.core.governance.services import config_problems, name_problem
from apps.core.modules.definition import REQUIRED
from apps.core.modules.settings import EffectiveSetting, SettingSource, effective_settings
from apps.core.rest.limits import BoundedJSONField


class PingSerializer(serializers.Serializer):
    module = serializers.CharField(max_length=100)

    def validate_module(self, value: str) -> str:
        from apps.core.modules.registry import get_module_config

        try:
            get_module_config(value)
        except LookupError as exc:
            raise serializers.ValidationError(
                _("No installed module '%(code)s'.") % {"code": value}
            ) from exc
        return value


# Its fields `source` and `default` are attributes of every DRF field: a plain class could not
# declare them, so the schema is an inline serializer and the data plain dicts.
EFFECTIVE_SETTING = inline_serializer(
    name="EffectiveSetting",
    fields={
        "name": serializers.CharField(),
        "value": serializers.JSONField(help_text="In effect (after a restart, if required)."),
        "source": serializers.ChoiceField(choices=[s.value for s in SettingSource]),
        "default": serializers.JSONField(allow_null=True),
        "help": serializers.CharField(),
        "restart_required": serializers.BooleanField(),
        "ignored": serializers.CharField(
            allow_null=True, help_text="Why the registry's value is set aside, if it is."
        ),
    },
)


def effective_setting_data(effective: EffectiveSetting) -> dict[str, Any]:
    setting = effective.setting
    return {
        "name": setting.name,
        "value": effective.value,
        "source": str(effective.source),
        "default": None if setting.default is REQUIRED else setting.default,
        "help": setting.help,
        "restart_required": setting.restart_required,
        "ignored": effective.ignored,
    }


class ModuleSerializer(serializers.ModelSerializer):
    """A registry row. `active` changes only through enable/ and disable/ (audited); a change
    of `config` (an installed module's settings) is audited and applies without a restart."""

    installed = serializers.SerializerMethodField()
    config = BoundedJSONField(required=False)
    kind = serializers.SerializerMethodField()
    requires = serializers.SerializerMethodField()
    settings = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = [
            "id", "name", "version", "description", "active", "reason", "last_active",
            "config", "settings", "installed", "kind", "requires", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["active", "reason", "last_active", "created_at", "updated_at"]
        # Uniqueness is the service's to enforce: a duplicate is a 409, not a 400.
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}

    def get_installed(self, module: Module) -> bool:
        return installed_definition(module.name) is not None

    def get_kind(self, module: Module) -> str | None:
        definition = installed_definition(module.name)
        return str(definition.kind) if definition else None

    @extend_schema_field(serializers.ListField(child=EFFECTIVE_SETTING))
    def get_settings(self, module: Module) -> list[dict[str, Any]]:
        """An installed module's declared settings: value, source (environment, registry or
        default), default, help, restart_required. Empty for other modules."""
        if installed_definition(module.name) is None:
            return []
        found = effective_settings(module.name, module.config or {})
        return [effective_setting_data(effective) for effective in found]

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


class ModuleSettingChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModuleSettingChange
        fields = [
            "id", "module_name", "setting", "from_value", "to_value", "actor_name", "via", "at"
        ]  # fmt: skip


class StateChangeResultSerializer(serializers.Serializer):
    module = ModuleSerializer()
    changed = serializers.ListField(child=serializers.CharField())
