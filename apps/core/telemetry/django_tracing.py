"""OpenTelemetry's Django middleware with its hooks run on the event loop under ASGI.

The instrumentor's own middleware is sync-only, so Django would run it (and, around it, the
whole async chain) through thread hand-offs. Its hooks only start and end a span and read
headers, like those of apps.core.http.django_middleware, which run inline for the same reason.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.deprecation import MiddlewareMixin
from opentelemetry.instrumentation.django.middleware.otel_middleware import _DjangoMiddleware

from apps.core.http.django_middleware import InlineHooks


class TracingMiddleware(InlineHooks, MiddlewareMixin, _DjangoMiddleware):
    def __init__(self, get_response: Any) -> None:
        # MiddlewareMixin's set-up (sync or async mode) without its super().__init__(), which
        # would reach _DjangoMiddleware's (that one only stores get_response).
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        return MiddlewareMixin.__call__(self, request)
