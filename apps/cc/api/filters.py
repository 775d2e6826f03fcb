import django_filters

from apps.cc.models import Module


class ModuleFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter()
    name = django_filters.CharFilter()

    class Meta:
        model = Module
        fields = ["active", "name"]
