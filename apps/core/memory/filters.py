"""Query filters of the kit's lists. No `Meta.model`: the same filter set serves every
module's concrete tables (django-filter then uses just the declared filters)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.core.memory.models import AbstractBaseLog, AbstractPromptTrace, Level
from apps.core.rest.filters import UTCDateTimeFilter


class LogFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    event_type = django_filters.CharFilter(field_name="event__event_type")
    request_id = django_filters.CharFilter(field_name="event__request_id")
    since = UTCDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = UTCDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", label=_("Text in message or event type"))

    def search(
        self, queryset: QuerySet[AbstractBaseLog], name: str, value: str
    ) -> QuerySet[AbstractBaseLog]:
        return queryset.filter(Q(message__icontains=value) | Q(event__event_type__icontains=value))


class PromptTraceFilter(django_filters.FilterSet):
    event_type = django_filters.CharFilter(field_name="base_log__event__event_type")
    request_id = django_filters.CharFilter(field_name="base_log__event__request_id")
    since = UTCDateTimeFilter(field_name="base_log__timestamp", lookup_expr="gte")
    until = UTCDateTimeFilter(field_name="base_log__timestamp", lookup_expr="lt")
    min_tokens = django_filters.NumberFilter(field_name="token_count", lookup_expr="gte")
    q = django_filters.CharFilter(method="search", label=_("Text in prompt or response"))

    def search(
        self, queryset: QuerySet[AbstractPromptTrace], name: str, value: str
    ) -> QuerySet[AbstractPromptTrace]:
        return queryset.filter(Q(prompt_text__icontains=value) | Q(response_text__icontains=value))
