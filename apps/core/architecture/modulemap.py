"""The module map: `apps/<code>/module_map.yaml`, what a module is made of, generated from its code.

Sections, in this order: module, structure, api_endpoints, websockets, database, events,
integrations. Lists are sorted and nothing volatile (time, absolute paths) goes in, so the same
code always gives the same text and `modulemap --check` / cos.E004 can compare it byte for byte.
"""

from __future__ import annotations

import difflib
import inspect
import re
import sys
from types import ModuleType
from typing import Any

import yaml
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RoutePattern

from apps.core.architecture.sources import ModuleSource
from apps.core.db.schemas import split_table
from apps.core.highway.livefeed import module_of
from apps.core.highway.subscribers import registered
from apps.core.modules.definition import module_part
from apps.core.runtime.schedule import jobs

CONTRACT_LOOKUP = "apps.core.modules.registry.contract"
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "trace")  # the order maps list them in
# Every view answers HEAD and OPTIONS (DRF even adds "head" to a viewset's actions on the first
# GET), so listing them says nothing and would make the map depend on the requests served.
IMPLICIT_METHODS = frozenset({"head", "options"})

# The module vocabulary: what each standard file or folder is for.
FILE_ROLES = {
    "__init__.py": "package",
    "apps.py": "module definition",
    "models.py": "models (tables)",
    "services.py": "writes",
    "selectors.py": "reads",
    "api/__init__.py": "package",
    "api/serializers.py": "API serializers",
    "api/views.py": "API views",
    "api/urls.py": "API routes, mounted at /api/{code}/",
    "admin.py": "admin",
    "events.py": "event types, subscribers and periodic jobs",
    "consumers.py": "websockets, mounted under /ws/",
    "graph.py": "graph (L2)",
    "demo.py": "its part of manage.py demo (core demodata/story.py)",
}
FOLDER_ROLES = {
    "api": "API",
    "templates": "templates",
    "static": "static files",
    "locale": "translations",
    "migrations": "migrations",
    "tests": "tests",
    "management": "management commands",
    "templatetags": "template tags",
}


def build_map(source: ModuleSource) -> dict[str, Any]:
    """The map of a module as plain data (what `render` writes as YAML)."""
    consumed = consumed_channels(source)
    return {
        "module": _module_section(source),
        "structure": _structure(source),
        "api_endpoints": _api_endpoints(source),
        "websockets": _websockets(source),
        "database": _database(source),
        "events": {
            "emits": sorted(source.definition.emits),
            "consumes": consumed,
            "subscribers": _subscribers(source),
            "periodic_jobs": _periodic_jobs(source),
        },
        "integrations": _integrations(source, consumed),
    }


def render(source: ModuleSource) -> str:
    header = (
        f"# The module map of '{source.code}', generated from its code: do not edit.\n"
        f"# Regenerate with `uv run manage.py modulemap {source.code}`.\n"
    )
    body = yaml.dump(
        build_map(source), Dumper=_MapDumper, sort_keys=False, allow_unicode=True, width=100
    )
    return header + body


class _MapDumper(yaml.SafeDumper):
    """Lists of plain values on one line (`requires: [core]`), everything else in blocks."""

    def represent_list(self, data: Any) -> yaml.SequenceNode:
        flow = all(isinstance(item, str | int | float) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_MapDumper.add_representer(list, _MapDumper.represent_list)


def map_diff(source: ModuleSource) -> str:
    """A unified diff from the committed map to the one the code gives; "" when they agree."""
    current = source.map_path.read_text(encoding="utf-8") if source.map_path.exists() else ""
    wanted = render(source)
    if current == wanted:
        return ""
    shown = source.shown(source.map_path.name)
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            fromfile=f"a/{shown}" if current else "/dev/null",
            tofile=f"b/{shown}",
        )
    )


def write_map(source: ModuleSource) -> bool:
    """Write the map; True when the file changed."""
    wanted = render(source)
    if source.map_path.exists() and source.map_path.read_text(encoding="utf-8") == wanted:
        return False
    source.map_path.write_text(wanted, encoding="utf-8")
    return True


# --- Sections ---------------------------------------------------------------------------------


def _module_section(source: ModuleSource) -> dict[str, Any]:
    definition = source.definition
    return {
        "code": definition.code,
        "name": definition.name,
        "version": definition.version,
        "description": definition.description,
        "kind": str(definition.kind.value),
        "requires": sorted(definition.requires),
        "schemas": list(definition.schemas),
    }


def _structure(source: ModuleSource) -> list[dict[str, Any]]:
    parsed = {file.relative_path: file for file in source.python_files}
    entries = []
    for name in source.files:
        entry: dict[str, Any] = {"path": name, "role": _role(name, source.code)}
        if name in parsed:
            targets = (i.target for i in parsed[name].imports)
            entry["dependencies"] = sorted({d for t in targets if (d := _dependency(t, source))})
        entries.append(entry)
    return entries


def _role(name: str, code: str) -> str:
    if name in FILE_ROLES:
        return FILE_ROLES[name].format(code=code)
    folder = name.split("/", 1)[0]
    if folder in FOLDER_ROLES and "/" in name:
        return FOLDER_ROLES[folder]
    return "package" if name.endswith("/__init__.py") else "module code"


def _dependency(target: str, source: ModuleSource) -> str | None:
    """The package an import depends on: COS modules by package ("apps.core"), anything else by
    its top-level name ("django"); the standard library is left out."""
    parts = target.split(".")
    if parts[0] == "__future__" or parts[0] in sys.stdlib_module_names:
        return None
    if target == source.package or target.startswith(f"{source.package}."):
        return source.package
    if parts[0] == "apps":
        return ".".join(parts[:2])
    if parts[:2] == ["tests", "modules"]:
        return ".".join(parts[:3])
    return parts[0]


def _api_endpoints(source: ModuleSource) -> list[dict[str, Any]]:
    urls = _module_part(source, "api.urls")
    if urls is None:
        return []
    code = source.code
    found = _walk(getattr(urls, "urlpatterns", []), f"/api/{code}/", code)
    endpoints = []
    for path, name, pattern in found:
        callback = pattern.callback
        actions: dict[str, str] = dict(getattr(callback, "actions", None) or {})
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        entry: dict[str, Any] = {
            "path": path,
            "name": name,
            "methods": _methods(view_class, actions),
            "view": _dotted_name(view_class or callback),
            "purpose": _purpose(view_class, callback, actions),
        }
        if actions:
            entry["actions"] = {
                method.upper(): action
                for method, action in sorted(actions.items(), key=lambda item: _rank(item[0]))
                if method not in IMPLICIT_METHODS
            }
        endpoints.append(entry)
    return sorted(endpoints, key=lambda e: (e["path"], e["name"] or ""))


def _websockets(source: ModuleSource) -> list[dict[str, Any]]:
    consumers = _module_part(source, "consumers")
    if consumers is None:
        return []
    found = _walk(getattr(consumers, "websocket_urlpatterns", []), "/ws/", None)
    sockets = []
    for path, _name, pattern in found:
        consumer = getattr(pattern.callback, "consumer_class", None) or pattern.callback
        sockets.append(
            {"path": path, "consumer": _dotted_name(consumer), "purpose": _first_line(consumer)}
        )
    return sorted(sockets, key=lambda s: s["path"])


def _database(source: ModuleSource) -> dict[str, Any]:
    tables = []
    for model in source.models:
        schema, table = split_table(model._meta.db_table)
        tables.append({"schema": schema, "table": table, "model": model.__name__})
    return {
        "schemas": list(source.definition.schemas),
        "tables": sorted(tables, key=lambda t: (t["schema"] or "", t["table"])),
    }


def _subscribers(source: ModuleSource) -> list[dict[str, Any]]:
    events_module = f"{source.package}.events"
    return [
        {"name": cls.name, "channels": sorted(cls.channels)}
        for name, cls in sorted(registered().items())
        if cls.__module__ == events_module
    ]


def _periodic_jobs(source: ModuleSource) -> list[dict[str, Any]]:
    return [
        {"name": job.name, "every": job.every}
        for job in jobs()
        if _in_module_code(getattr(job.func, "__module__", ""), source)
    ]


def consumed_channels(source: ModuleSource) -> list[str]:
    channels = set(source.definition.consumes)
    for subscriber in _subscribers(source):
        channels.update(subscriber["channels"])
    return sorted(channels)


def _integrations(source: ModuleSource, consumed: list[str]) -> dict[str, Any]:
    talks_to = {module_of(channel) for channel in consumed} - {None, source.code}
    provided = dict(getattr(source.config, "contracts", None) or {})
    return {
        "requires": sorted(source.definition.requires),
        "consumes_from": sorted(code for code in talks_to if code),
        "contracts_provided": dict(sorted(provided.items())),
        "contracts_used": _contracts_used(source),
    }


def _contracts_used(source: ModuleSource) -> list[str]:
    """Contract names looked up with `registry.contract("<name>")` (apps.core.modules) outside
    tests."""
    used = set()
    for file in source.python_files:
        if file.relative_path.startswith("tests/"):
            continue
        for call, target in file.calls():
            if target == CONTRACT_LOOKUP and (name := file.string_argument(call, 0, "name")):
                used.add(name)
    return sorted(used)


# --- Helpers ----------------------------------------------------------------------------------


def _module_part(source: ModuleSource, dotted: str) -> ModuleType | None:
    """Only installed modules are imported: a module that isn't installed has no URLs."""
    return None if source.config is None else module_part(source.package, dotted)


def _walk(
    patterns: list[Any], prefix: str, namespace: str | None
) -> list[tuple[str, str | None, URLPattern]]:
    """(path, "namespace:name", pattern) of every URL pattern, includes followed."""
    found: list[tuple[str, str | None, URLPattern]] = []
    for pattern in patterns:
        path = prefix + _route_text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            found.extend(_walk(pattern.url_patterns, path, inner))
        elif isinstance(pattern, URLPattern):
            if "format" in pattern.pattern.regex.groupindex:
                continue  # DRF's `.json` twin of a route: the same view again
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            found.append((path, name, pattern))
    return found


def _route_text(pattern: Any) -> str:
    """ "logs/<int:pk>/" and "^logs/(?P<pk>[^/.]+)/$" both become "logs/{pk}/"."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
    text = str(pattern).removeprefix("^").removesuffix("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return re.sub(r"\\(.)", r"\1", text)


def _rank(method: str) -> int:
    return HTTP_METHODS.index(method) if method in HTTP_METHODS else len(HTTP_METHODS)


def _methods(view_class: type | None, actions: dict[str, str]) -> list[str]:
    if actions:  # a DRF viewset route: the methods its router bound
        accepted = [m for m in actions if m not in IMPLICIT_METHODS]
    elif view_class is not None:  # a class-based view: the handlers it implements
        allowed = getattr(view_class, "http_method_names", HTTP_METHODS)
        accepted = [m for m in allowed if m not in IMPLICIT_METHODS and hasattr(view_class, m)]
    else:
        return ["ANY"]  # a function view: nothing says which methods it refuses
    return [method.upper() for method in sorted(accepted, key=_rank)]


def _purpose(view_class: type | None, callback: Any, actions: dict[str, str]) -> str:
    """The first docstring line of the route's one action when it has its own docstring, else
    of the view."""
    handlers = {action for method, action in actions.items() if method not in IMPLICIT_METHODS}
    if view_class is not None and len(handlers) == 1:
        handler = getattr(view_class, handlers.pop(), None)
        if handler is not None and handler.__doc__:
            return _first_line(handler)
    return _first_line(view_class or callback)


def _first_line(obj: Any) -> str:
    doc = obj.__doc__ if isinstance(obj, type) else inspect.getdoc(obj)  # no inherited class doc
    return inspect.cleandoc(doc).splitlines()[0].strip() if doc else ""


def _dotted_name(obj: Any) -> str:
    return f"{obj.__module__}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _in_module_code(dotted: str, source: ModuleSource) -> bool:
    """In the module's package but not in its tests (tests register jobs of their own)."""
    inside = dotted == source.package or dotted.startswith(f"{source.package}.")
    return inside and not dotted.startswith(f"{source.package}.tests")
