"""The admin dashboard's data, for cc/admin/index.html."""

from typing import Any

from django import template

from apps.cc import selectors

register = template.Library()


@register.simple_tag
def module_tiles() -> dict[str, Any]:
    return selectors.module_tiles()
