"""The notes list's query parameters: ?q= (text) and ?tag= (one tag)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.zk import selectors, services
from apps.zk.models import Note


def _a_tag(value: str) -> None:
    problem = services.tag_problem(value)
    if problem is not None:
        raise forms.ValidationError(problem, code="invalid")


class NoteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="by_selectors",
        max_length=500,
        label=_("Notes whose title or body matches this text (full-text search, best first)."),
    )
    tag = django_filters.CharFilter(
        method="by_selectors", max_length=50, validators=[_a_tag], label=_("Notes with this tag.")
    )

    class Meta:
        model = Note
        fields = ["q", "tag"]

    def by_selectors(self, queryset: QuerySet[Note], name: str, value: Any) -> QuerySet[Note]:
        return queryset  # both are applied together, by selectors.notes (ranking needs q)

    def filter_queryset(self, queryset: QuerySet[Note]) -> QuerySet[Note]:
        data = self.form.cleaned_data
        return selectors.notes(q=data.get("q") or "", tag=data.get("tag") or "")
