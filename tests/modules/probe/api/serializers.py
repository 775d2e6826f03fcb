from rest_framework import serializers

from tests.modules.probe.models import Item


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "title", "quantity"]
