"""One search over every module the user may view: each enabled module answers through its
ModuleConfig.search(), in registry order, grouped by module."""

from __future__ import annotations

import logging
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from django.urls import Resolver404, resolve
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
        group.hits = [visible(hit, user, disabled) for hit in shared(hits, limit)]
        group.more = len(hits) > limit
        if group.hits or group.error:
            groups.append(group)
    return groups


def shared(hits: list[SearchHit], limit: int) -> list[SearchHit]:
    """At most `limit` hits, shared out among their kinds in turn (a module's many logs do not
    crowd out its pages), each kind's best first, the kinds in the order they came."""
    by_kind: dict[str, list[SearchHit]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit)
    taken = dict.fromkeys(by_kind, 0)
    left = min(limit, len(hits))
    while left:
        for kind, found in by_kind.items():
            if left and taken[kind] < len(found):
                taken[kind] += 1
                left -= 1
    return [hit for kind, found in by_kind.items() for hit in found[: taken[kind]]]


def visible(hit: SearchHit, user: Any, disabled: set[str]) -> SearchHit:
    """The hit without what the user could not open: links into modules they may not view
    (or that are off), and its own link when the admin would refuse them the record."""
    links = tuple(
        link
        for link in hit.links
        if link.module not in disabled and access.may_view(user, link.module)
    )
    url = hit.url if hit.url and may_open(hit.url, user) else ""
    return hit if (links, url) == (hit.links, hit.url) else replace(hit, links=links, url=url)


def may_open(url: str, user: Any) -> bool:
    """Whether the admin page at `url` would show its record to `user`: a model's pages ask
    its ModelAdmin (Django's admin views carry it as `model_admin`)."""
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is None:
        return True  # a COS page: its module's view permission is checked with the links
    # The permission methods read only the request's user.
    return bool(model_admin.has_view_or_change_permission(SimpleNamespace(user=user)))
