"""Admin form fields every person can name, a screen reader's user too: the inputs Django's
admin draws without a `<label for>` get an `aria-label` (axe-core's rule "label", checked by
the browser tests in tests/browser.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext


class LabelledFields:
    """Mix into a ModelAdmin or an InlineModelAdmin (before it): a split date and time field's
    two inputs are named "<field> (date)" and "<field> (time)", and a tabular inline's inputs,
    under column headings rather than labels, are named after their field."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field: forms.Field | None = super().formfield_for_dbfield(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        if field is None:
            return None
        name = str(capfirst(db_field.verbose_name))
        widget = field.widget
        if isinstance(widget, forms.SplitDateTimeWidget):
            date, time = (gettext(word).rstrip(" :\u00a0") for word in ("Date:", "Time:"))
            widget.widgets[0].attrs.setdefault("aria-label", f"{name} ({date.lower()})")
            widget.widgets[1].attrs.setdefault("aria-label", f"{name} ({time.lower()})")
        elif isinstance(self, admin.TabularInline):
            widget.attrs.setdefault("aria-label", name)
        return field
