import django_filters
from django.db.models import Q, QuerySet

from apps.cc.models import BaseLog
from apps.core.memory import Level


class LogFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    event_type = django_filters.CharFilter(field_name="event__event_type")
    request_id = django_filters.CharFilter(field_name="event__request_id")
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", label="Text in message or event type")

    class Meta:
        model = BaseLog
        fields = ["level", "event_type", "request_id", "since", "until", "q"]

    def search(self, queryset: QuerySet[BaseLog], name: str, value: str) -> QuerySet[BaseLog]:
        return queryset.filter(Q(message__icontains=value) | Q(event__event_type__icontains=value))
