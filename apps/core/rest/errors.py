"""One JSON error shape for everything under /api/.

    {"status": 400, "code": "invalid", "detail": "Invalid input.",
     "errors": {"title": ["This field is required."]}, "request_id": "..."}

`errors` maps field names to messages and appears for validation errors only.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.http.request_context import current_request_id


def error_body(
    status: int, code: str, detail: str, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    body["request_id"] = current_request_id()
    return body


@extend_schema_serializer(component_name="Error")  # one shape for all modules: no module prefix
class ErrorSerializer(serializers.Serializer):
    """The error shape, as the OpenAPI document describes it (apps.core.rest.schema)."""

    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(
        help_text="What went wrong, for programs: e.g. invalid, not_authenticated, "
        "permission_denied, module_disabled, not_found, conflict, too_large, overloaded, "
        "database_unavailable, graph_unavailable."
    )
    detail = serializers.CharField(help_text="What went wrong, for people.")
    # DRF's metaclass moves declared fields off the class: no clash with Serializer.errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text="Validation errors only: each field (or non_field_errors) and its messages.",
    )
    request_id = serializers.CharField(help_text="The request's X-Request-ID.")


def default_code(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def default_detail(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "Error."


def json_error(status: int, code: str | None = None, detail: str | None = None) -> JsonResponse:
    return JsonResponse(
        error_body(status, code or default_code(status), detail or default_detail(status)),
        status=status,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped. Unhandled exceptions still propagate (and become JSON 500s)."""
    if isinstance(exc, RequestDataTooBig):  # Django calls it suspicious (400); it is too large
        return Response(error_body(413, "too_large", str(exc)), status=413)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(response.status_code, "invalid", "Invalid input.", errors)
    else:
        detail = getattr(exc, "detail", None) or default_detail(response.status_code)
        code = getattr(detail, "code", None) or default_code(response.status_code)
        response.data = error_body(response.status_code, str(code), str(detail))
    # An exception that knows when to come back (GraphUnavailable) says so.
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(int(retry_after))
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class Conflict(exceptions.APIException):
    """409: the request clashes with the current state (a duplicate, a rule of governance)."""

    status_code = 409
    default_detail = "Conflict."
    default_code = "conflict"
