"""Mount every module's surfaces: `api/urls.py` at /api/<code>/, websocket routes under /ws/."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.urls import URLPattern, include, path
from django.utils.module_loading import module_has_submodule

from apps.core.registry import module_configs
from apps.core.ws_auth import ModuleGate


def _module_part(config: Any, dotted: str) -> Any | None:
    package = import_module(config.name)
    head, _, tail = dotted.partition(".")
    if not module_has_submodule(package, head):
        return None
    if tail and not module_has_submodule(import_module(f"{config.name}.{head}"), tail):
        return None
    return import_module(f"{config.name}.{dotted}")


def module_api_urls() -> list[Any]:
    patterns = []
    for config in module_configs():
        urls = _module_part(config, "api.urls")
        if urls is not None:
            code = config.definition.code
            patterns.append(path(f"api/{code}/", include((urls.urlpatterns, code), namespace=code)))
    return patterns


def module_websocket_routes() -> list[Any]:
    """Each module's `consumers.websocket_urlpatterns`, all mounted under ws/.

    Routes of modules other than core pass through a ModuleGate (enabled, signed in, view
    permission); core's live feed checks each subscription itself."""
    routes: list[Any] = []
    for config in module_configs():
        consumers = _module_part(config, "consumers")
        code = config.definition.code
        for route in getattr(consumers, "websocket_urlpatterns", []) if consumers else []:
            if code != "core":
                route = URLPattern(
                    route.pattern, ModuleGate(route.callback, code), route.default_args, route.name
                )
            routes.append(route)
    return routes
