"""Mount every module's surfaces: `api/urls.py` at /api/<code>/, websocket routes under /ws/."""

from __future__ import annotations

from typing import Any

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
