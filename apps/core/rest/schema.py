"""How every COS API is described in the OpenAPI document, decided once (DEFAULT_SCHEMA_CLASS).

- Components are named after their module (`CcLog`, `BooksLog`): modules declare the same
  serializer names, and two modules must never collide. The L1 memory kit's serializers
  (apps.core.memory) are named after the module serving them: each module documents its own.
- Every operation lists the errors it can answer, all in the one error shape (`Error`,
  apps.core.rest.errors), from what the view really does:
  401 for any request with a bad token (authentication runs before permissions, even on public
  endpoints); 403 when the view needs a signed-in user with the module's permission, in a module
  that can be disabled (`module_disabled`), and on unsafe methods (a session's CSRF check);
  400 when it reads a body or query parameters; 413 when it reads a body; 404 on routes with
  path parameters and on cursor pages (an invalid cursor); 409 for the actions a view names in
  `conflict_actions`; 429 everywhere (an address past its bad-token limit:
  apps.core.http.token_failures); 503 everywhere (`overloaded`, `database_unavailable`, with
  Retry-After).
Modules write nothing for this in their views, except `conflict_actions`.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions
from rest_framework.pagination import CursorPagination

from apps.core import governance
from apps.core.modules.definition import ModuleConfig
from apps.core.rest.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid`; `errors` names each field and what is wrong with it).",
    401: "Not signed in, or the token is not valid (`not_authenticated`, `authentication_failed`).",
    403: "Not allowed: the module's permission is missing (`permission_denied`), the module is "
    "disabled (`module_disabled`), or a session's CSRF check failed.",
    404: "Nothing there (`not_found`), or an invalid page cursor.",
    409: "Refused: the request clashes with the current state (`conflict`).",
    413: "The body is too large (`too_large`).",
    429: "Too many bad tokens from this address (`throttled`): wait for Retry-After seconds.",
    503: "Try again later (see Retry-After): the process is busy (`overloaded`), or the database "
    "(`database_unavailable`) or the graph server (`graph_unavailable`) is out of reach.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}


KIT_PACKAGE = "apps.core.memory."


def camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def module_code_of(python_module: str) -> str | None:
    """The code of the COS module a Python module belongs to, or None."""
    config = apps.get_containing_app_config(python_module)
    return config.definition.code if isinstance(config, ModuleConfig) else None


class ModuleAutoSchema(AutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        name = super().get_serializer_name(serializer, direction)
        # The serializer's module; for the kit's or one from outside COS, the module serving it.
        owner = type(serializer).__module__
        kit = owner.startswith(KIT_PACKAGE)
        code = (None if kit else module_code_of(owner)) or self._module_code()
        return camel(code) + name if code else name

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status in sorted(self._error_statuses(operation)):
            _add_error(responses, str(status), error)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> set[int]:
        statuses = {401, 429, 503}
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        if "requestBody" in operation:
            statuses |= {400, 413}
        if query:
            statuses.add(400)
        if not self._is_public() or self.method not in permissions.SAFE_METHODS:
            statuses.add(403)
        if governance.governed(self._module_code()):
            statuses.add(403)
        paginator = self._get_paginator()
        takes_cursor = (
            isinstance(paginator, CursorPagination) and paginator.cursor_query_param in query
        )
        if takes_cursor or any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        action = getattr(self.view, "action", None) or self.method.lower()
        if action in getattr(self.view, "conflict_actions", ()):
            statuses.add(409)
        return statuses

    def _is_public(self) -> bool:
        return any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _module_code(self) -> str | None:
        """Module APIs are mounted at /api/<code>/ (apps.core.modules.mounting)."""
        parts = self.path.strip("/").split("/")
        return parts[1] if len(parts) > 1 and parts[0] == "api" else None


def _add_error(responses: dict[str, Any], status: str, error: dict[str, str]) -> None:
    """Document `status` with the error shape; a view's own answer for it (a health check's
    503) is kept as the other possibility."""
    media = {"application/json": {"schema": error}}
    headers = RETRY_AFTER if status in ("429", "503") else {}
    own = responses.get(status)
    if own is None:
        responses[status] = {
            **({"headers": headers} if headers else {}),
            "content": media,
            "description": ERROR_DESCRIPTIONS[int(status)],
        }
        return
    for content in own.setdefault("content", media).values():
        schema = content.get("schema")
        if schema is not None and schema != error:
            content["schema"] = {"anyOf": [schema, error]}
    if headers:
        own.setdefault("headers", {}).update(headers)
    described = [own.get("description"), ERROR_DESCRIPTIONS[int(status)]]
    own["description"] = " Or: ".join(text for text in described if text)
