from rest_framework import serializers

from apps.core.http.health import PART_STATUSES
from apps.core.search import BadQuery, clean_query
from apps.core.search.run import GROUP_LIMIT, MAX_GROUP_LIMIT


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


class SearchParamsSerializer(serializers.Serializer):
    """/api/search/'s query parameters."""

    q = serializers.CharField(
        help_text='Words to find (web-search syntax: words, "a phrase", -excluded, or).'
    )
    limit = serializers.IntegerField(
        required=False,
        default=GROUP_LIMIT,
        min_value=1,
        max_value=MAX_GROUP_LIMIT,
        help_text="Hits per module.",
    )

    def validate_q(self, value: str) -> str:
        try:
            return clean_query(value)
        except BadQuery as problem:
            raise serializers.ValidationError(str(problem)) from problem


class SearchLinkSerializer(serializers.Serializer):
    # DRF's metaclass moves declared fields off the class: no clash with Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    url = serializers.CharField()


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='What it is: "log", "prompt_trace", "note", ...')
    label = serializers.CharField(help_text="What it is, in the request's language.")  # type: ignore[assignment]
    title = serializers.CharField()
    url = serializers.CharField(help_text="The record's page in the admin.")
    snippet = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    links = SearchLinkSerializer(many=True, help_text="Its graph node, its lineage, ...")


class SearchGroupSerializer(serializers.Serializer):
    module = serializers.CharField()
    name = serializers.CharField()
    hits = SearchHitSerializer(many=True)
    more = serializers.BooleanField(help_text="The module has more hits than the limit.")
    error = serializers.CharField(help_text="Why the module could not be searched, if so.")
