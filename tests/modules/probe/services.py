"""Writes of the probe module: one function per action, publishing events on commit."""

from django.db import transaction

from apps.core.highway.publisher import publish
from tests.modules.probe.models import Item


def create_item(*, title: str, quantity: int = 0) -> Item:
    with transaction.atomic():
        item = Item.objects.create(title=title, quantity=quantity)
        publish(
            "probe.item.created",
            {"id": item.pk, "title": item.title},
            source="probe",
            channel="probe.items",
        )
    return item
