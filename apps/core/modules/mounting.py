"""Mount every module's surfaces: `api/urls.py` at /api/<code>/, websocket routes under /ws/,
and public site pages from `site_urls.py` (`urlpatterns` under /<language>/, `root_urlpatterns`
at the root), each answering 404 while its module is disabled."""

from __future__ import annotations

import functools
from typing import Any

from django.conf.urls.i18n import i18n_patterns
from django.http import Http404
from django.urls import URLPattern, URLResolver, include, path

from apps.core.http.websocket_auth import ModuleGate
from apps.core.modules.registry import module_configs
from apps.core.rest.gate import gate_api_view


def module_api_urls() -> list[Any]:
    patterns = []
    for config in module_configs():
        urls = config.part("api.urls")
        if urls is not None:
            code = config.definition.code
            gated = _gated(urls.urlpatterns, code)
            patterns.append(path(f"api/{code}/", include((gated, code), namespace=code)))
    return patterns


def module_site_urls() -> list[Any]:
    """Every module's public site: `site_urls.urlpatterns` under a language prefix
    (i18n_patterns: /en/..., /fr/...) in the URL namespace `<code>_site`, and
    `site_urls.root_urlpatterns` (a sitemap, say) at the root in `<code>_root`. Public on
    purpose: a module lists their URL names with a reason in `ModuleConfig.public_routes`
    (apps.core.tests.test_access_closed reads them)."""
    prefixed: list[Any] = []
    rooted: list[Any] = []
    for config in module_configs():
        urls = config.part("site_urls")
        if urls is None:
            continue
        code = config.definition.code
        for found, into, space in (
            ("urlpatterns", prefixed, f"{code}_site"),
            ("root_urlpatterns", rooted, f"{code}_root"),
        ):
            patterns = getattr(urls, found, [])
            if patterns:
                gated = _site_gated(patterns, code)
                into.append(path("", include((gated, space), namespace=space)))
    return [*i18n_patterns(*prefixed), *rooted] if prefixed else rooted


def _site_gated(patterns: list[Any], code: str) -> list[Any]:
    """Site views answer 404 (the project's page) while module `code` is disabled: a visitor
    is told nothing about governance."""
    from apps.core import governance

    def wrap(view: Any) -> Any:
        @functools.wraps(view)
        def gated(request: Any, *args: Any, **kwargs: Any) -> Any:
            if governance.refusal(code) is not None:
                raise Http404
            return view(request, *args, **kwargs)

        return gated

    gated: list[Any] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):  # an include(): gate what it holds too
            pattern = URLResolver(
                pattern.pattern,
                _site_gated(pattern.url_patterns, code),
                pattern.default_kwargs,
                pattern.app_name,
                pattern.namespace,
            )
        elif isinstance(pattern, URLPattern):
            pattern = URLPattern(pattern.pattern, wrap(pattern.callback), pattern.default_args,
                                 pattern.name)  # fmt: skip
        gated.append(pattern)
    return gated


def _gated(patterns: list[Any], code: str) -> list[Any]:
    """The module's URL patterns with every view behind `gate_api_view` (nested includes too):
    a disabled module answers 403 whatever its views' permission classes say."""
    gated: list[Any] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            pattern = URLResolver(
                pattern.pattern,
                _gated(pattern.url_patterns, code),
                pattern.default_kwargs,
                pattern.app_name,
                pattern.namespace,
            )
        elif isinstance(pattern, URLPattern):
            pattern = URLPattern(
                pattern.pattern,
                gate_api_view(pattern.callback, code),
                pattern.default_args,
                pattern.name,
            )
        gated.append(pattern)
    return gated


def module_websocket_routes() -> list[Any]:
    """Each module's `consumers.websocket_urlpatterns`, all mounted under ws/.

    Routes of modules other than core pass through a ModuleGate (enabled, signed in, view
    permission); core's live feed checks each subscription itself."""
    routes: list[Any] = []
    for config in module_configs():
        consumers = config.part("consumers")
        code = config.definition.code
        for route in getattr(consumers, "websocket_urlpatterns", []) if consumers else []:
            if code != "core":
                route = URLPattern(
                    route.pattern, ModuleGate(route.callback, code), route.default_args, route.name
                )
            routes.append(route)
    return routes
