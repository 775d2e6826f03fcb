"""cc's reads."""

from django.db.models import QuerySet

from apps.cc.models import BaseLog


def logs() -> QuerySet[BaseLog]:
    return BaseLog.objects.select_related("event", "prompt").order_by("-timestamp", "-id")
