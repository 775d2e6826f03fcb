"""The module's API shapes. Its L1 memory's are the kit's (apps.core.memory.serializers).

The graph's: nodes and relationships (as apps.graph.shapes builds them), what a caller sends
to create or change them, and the query strings of the reads. Labels, types and properties are
checked by the services against the declarations (apps.graph.shapes): here only their form.
"""

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.graph import selectors

TEXT_MAX = 10_000
# Fields named like Field's own attributes (label, source, root) carry `type: ignore`: DRF's
# metaclass moves declared fields off the class, so they never clash.


class NodeSerializer(serializers.Serializer):
    uid = serializers.CharField()
    label = serializers.CharField(help_text="The node's type (Module, LogEntry, ...).")  # type: ignore[assignment]
    labels = serializers.ListField(child=serializers.CharField(), help_text="All its labels.")
    module = serializers.CharField(help_text="The module it belongs to (also one of its labels).")
    name = serializers.CharField(allow_null=True)
    properties = serializers.DictField(help_text="Its type's other declared properties.")
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class NodeCreateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=100)  # type: ignore[assignment]
    module = serializers.CharField(max_length=100, help_text="An installed module's code.")
    name = serializers.CharField(max_length=TEXT_MAX, required=False, allow_null=True)
    properties = serializers.DictField(required=False, default=dict)
    merge = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Reuse the node with the same merge key (200) instead of creating one (201).",
    )


class NodeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=TEXT_MAX, required=False, allow_null=True)
    properties = serializers.DictField(required=False, default=dict)


class RelationshipSerializer(serializers.Serializer):
    uid = serializers.CharField()
    type = serializers.CharField()
    source = serializers.CharField(help_text="The uid of the node it starts from.")  # type: ignore[assignment]
    target = serializers.CharField(help_text="The uid of the node it points to.")
    properties = serializers.DictField()


class RelationshipCreateSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=100)  # type: ignore[assignment]
    target = serializers.CharField(max_length=100)
    type = serializers.CharField(max_length=100)
    properties = serializers.DictField(required=False, default=dict)


class NeighbourhoodQuerySerializer(serializers.Serializer):
    depth = serializers.IntegerField(
        required=False, default=1, min_value=1, help_text="Hops from the node (1 to the limit)."
    )

    def validate_depth(self, value: int) -> int:
        limit = selectors.max_depth()
        if value > limit:
            raise serializers.ValidationError(_("At most %(limit)s hops.") % {"limit": limit})
        return value


class NeighbourhoodSerializer(serializers.Serializer):
    root = serializers.CharField()  # type: ignore[assignment]
    depth = serializers.IntegerField()
    nodes = NodeSerializer(many=True)
    relationships = RelationshipSerializer(many=True)
    truncated = serializers.BooleanField(
        help_text="More nodes lie within the depth than the answer carries."
    )


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Text the node's name or fields contain.")
    label = serializers.CharField(max_length=100, required=False)  # type: ignore[assignment]
    limit = serializers.IntegerField(
        required=False,
        default=selectors.SEARCH_LIMIT,
        min_value=1,
        max_value=selectors.SEARCH_MAX_LIMIT,
    )


class StatsSerializer(serializers.Serializer):
    nodes = serializers.IntegerField()
    relationships = serializers.IntegerField()
    labels = serializers.DictField(
        child=serializers.IntegerField(), help_text="Nodes per label (types and modules)."
    )
    relationship_types = serializers.DictField(child=serializers.IntegerField())


class SchemaSerializer(serializers.Serializer):
    labels = serializers.DictField(help_text="Each label: module, merge key, properties.")
    relationship_types = serializers.ListField(child=serializers.CharField())
    constraints = serializers.ListField(child=serializers.DictField())
    indexes = serializers.ListField(child=serializers.DictField())
