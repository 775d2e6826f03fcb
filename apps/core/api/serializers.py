from rest_framework import serializers


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
