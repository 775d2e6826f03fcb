"""OpenTelemetry: traces exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else off.

Off is off: no tracer provider is installed, nothing is instrumented, and the highway's spans
(highway_spans) cost one test of `tracer() is None`. On, Django, psycopg, redis and the
websocket layer are instrumented and the SDK reads the standard variables itself: sampling
(OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG; the default follows the caller's decision and
samples every new trace), OTEL_SERVICE_NAME (default "cos"), OTEL_RESOURCE_ATTRIBUTES, the
exporter's OTEL_EXPORTER_OTLP_* and the batch processor's OTEL_BSP_*.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

if TYPE_CHECKING:  # the SDK is imported when tracing starts: a process without it pays nothing
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACER_NAME = "cos"
# Django's middleware entry the instrumentor adds, and ours that runs its hooks inline under ASGI.
OTEL_MIDDLEWARE = (
    "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"
)
COS_MIDDLEWARE = "apps.core.telemetry.django_tracing.TracingMiddleware"
# Probes are polled by load balancers and monitors: a trace each would bury the others. The
# standard OTEL_PYTHON_DJANGO_EXCLUDED_URLS (or OTEL_PYTHON_EXCLUDED_URLS) replaces this.
PROBES = r"^https?://[^/]+/(alive|ping|health|status|metrics)/?$"

_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None


def provider() -> TracerProvider | None:
    """The process' tracer provider; None while tracing is off."""
    return _provider


def tracer() -> trace.Tracer | None:
    """COS's own tracer (the highway's spans); None while tracing is off."""
    return _tracer


def current_span_ids() -> tuple[str | None, str | None]:
    """The current span's trace and span ids (hex); (None, None) outside a sampled span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def configure_from_environment() -> None:
    """Start tracing when an OTLP endpoint is configured (once per process)."""
    if _provider is not None or not os.environ.get(ENDPOINT_VARIABLE):
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    install(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(_provider)  # type: ignore[arg-type]  # for other libraries' spans


def install(processor: SpanProcessor) -> TracerProvider:
    """Trace into `processor` from now on: Django (middleware lists loaded after this call),
    psycopg connections opened after it, every redis client, the highway and the websockets."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    from apps.core.telemetry.sampling import BackgroundCallsDropped

    global _provider, _tracer
    if _provider is not None:
        raise RuntimeError("tracing is on already")
    named = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: "cos"}
    tracer_provider = TracerProvider(resource=Resource.create(named))
    # The SDK chose the sampler from OTEL_TRACES_SAMPLER(_ARG); it applies to every other span.
    tracer_provider.sampler = BackgroundCallsDropped(tracer_provider.sampler)
    tracer_provider.add_span_processor(processor)
    _instrument(tracer_provider)
    _provider, _tracer = tracer_provider, tracer_provider.get_tracer(TRACER_NAME)
    return tracer_provider


def uninstall() -> None:
    """Tracing off again (tests): spans end where they are, nothing is instrumented."""
    global _provider, _tracer
    if _provider is None:
        return
    from django.conf import settings
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    ours = (COS_MIDDLEWARE, OTEL_MIDDLEWARE)
    settings.MIDDLEWARE = [entry for entry in settings.MIDDLEWARE if entry not in ours]
    DjangoInstrumentor().uninstrument()
    PsycopgInstrumentor().uninstrument()
    RedisInstrumentor().uninstrument()
    _provider.shutdown()
    _provider = _tracer = None


def _instrument(tracer_provider: TracerProvider) -> None:
    from django.conf import settings
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    # A copy: the instrumentor inserts into the list it reads, which may be a settings
    # override's base (tests), not ours.
    settings.MIDDLEWARE = list(settings.MIDDLEWARE)
    excluded = any(
        os.environ.get(name)
        for name in ("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", "OTEL_PYTHON_EXCLUDED_URLS")
    )
    DjangoInstrumentor().instrument(
        tracer_provider=tracer_provider, excluded_urls=None if excluded else PROBES
    )
    # The instrumentor's middleware is sync-only: under ASGI it would move every request to a
    # thread and back. Ours runs the same hooks on the event loop (django_tracing).
    settings.MIDDLEWARE = [
        COS_MIDDLEWARE if entry == OTEL_MIDDLEWARE else entry for entry in settings.MIDDLEWARE
    ]
    # No SQL comments: they would make every statement's text unique to its trace.
    PsycopgInstrumentor().instrument(tracer_provider=tracer_provider, enable_commenter=False)
    RedisInstrumentor().instrument(tracer_provider=tracer_provider)


def websocket_app(application: Any) -> Any:
    """`application` (the websocket side of the ASGI router) traced: one span per connection
    (its messages are the highway's spans, not one per frame), when tracing is on."""
    if _provider is None:
        return application
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(
        application, tracer_provider=_provider, exclude_spans=["receive", "send"]
    )
