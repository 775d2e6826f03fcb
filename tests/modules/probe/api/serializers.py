from rest_framework import serializers

from tests.modules.probe.models import Item, ItemNote


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "title", "quantity"]


class NoteSerializer(serializers.ModelSerializer):
    """Named like cc's NoteSerializer on purpose: the OpenAPI document must keep both."""

    class Meta:
        model = ItemNote
        fields = ["id", "text"]


class WaitQuerySerializer(serializers.Serializer):
    seconds = serializers.FloatField(required=False, default=0.2, min_value=0, max_value=5)


class WaitedSerializer(serializers.Serializer):
    waited = serializers.FloatField()


class PublicSerializer(serializers.Serializer):
    public = serializers.BooleanField()
