"""The admin dashboard's data, for cc/admin/index.html."""

from typing import Any

from django import template

from apps.cc import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def module_tiles(context: dict[str, Any]) -> dict[str, Any]:
    return selectors.module_tiles(context["request"].user)
