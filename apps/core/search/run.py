"""One search over every module the user may view: each enabled module answers through its
ModuleConfig.search(), in registry order, grouped by module."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _

from apps.core import governance
from apps.core.highway.subscribers import DependencyUnavailable
from apps.core.modules import access, registry
from apps.core.search.terms import SearchGroup, SearchHit, clean_query

logger = logging.getLogger(__name__)

GROUP_LIMIT = 10  # hits shown per module
MAX_GROUP_LIMIT = 50


def search_everything(user: Any, raw_query: Any, limit: int = GROUP_LIMIT) -> list[SearchGroup]:
    """The groups of the modules that found something (or could not be searched), for `user`:
    only modules they may view, only enabled ones. Raises BadQuery for a query that cannot be
    searched."""
    query = clean_query(raw_query)
    disabled = governance.disabled_modules()
    groups = []
    for config in registry.module_configs():
        code = config.definition.code
        if code in disabled or not access.may_view(user, code):
            continue
        group = SearchGroup(module=code, name=str(config.verbose_name))
        try:
            hits = config.search(query, limit)
        except DependencyUnavailable:
            logger.warning("search: module %s is unavailable", code, exc_info=True)
            group.error = _("This module cannot be searched right now; try again shortly.")
            hits = []
        group.hits = [visible(hit, user, disabled) for hit in hits[:limit]]
        group.more = len(hits) > limit
        if group.hits or group.error:
            groups.append(group)
    return groups


def visible(hit: SearchHit, user: Any, disabled: set[str]) -> SearchHit:
    """The hit without its links into modules the user may not view (or that are off)."""
    links = tuple(
        link
        for link in hit.links
        if link.module not in disabled and access.may_view(user, link.module)
    )
    if links == hit.links:
        return hit
    return replace(hit, links=links)
