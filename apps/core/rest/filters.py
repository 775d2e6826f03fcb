"""Filters every COS API uses for its query parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from apps.core.rest.limits import as_utc


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC before it reaches PostgreSQL (which refuses
    offsets beyond 15:59 that Python accepts)."""

    def to_python(self, value: Any) -> datetime | None:
        try:
            moment = super().to_python(value)
            return None if moment is None else as_utc(moment)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                _("Enter a date-time between the years 1 and 9999."), code="invalid"
            ) from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
