from rest_framework import serializers

from apps.core.http.health import PART_STATUSES


class ModuleDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    requires = serializers.ListField(child=serializers.CharField())
    schemas = serializers.ListField(child=serializers.CharField())
    emits = serializers.ListField(child=serializers.CharField())
    consumes = serializers.ListField(child=serializers.CharField())


class PartHealthSerializer(serializers.Serializer):
    """One part's health check (apps.core.http.health.PartHealth): an engine or a module."""

    name = serializers.CharField()
    status = serializers.ChoiceField(choices=PART_STATUSES)
    latency_ms = serializers.FloatField()
    # DRF's metaclass moves declared fields off the class: no clash with Field.required.
    required = serializers.BooleanField()  # type: ignore[assignment]
    error = serializers.CharField(required=False, help_text="Why the part is down.")


class HealthStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='"ok": the module answers.')
