"""Prometheus metrics (prometheus-client). Event-highway figures are read at scrape time by a
collector, so every value is the current, real one; HTTP requests are counted by middleware."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis import Redis

from apps.core.highway.breaker import STATE_NUMBERS, redis_breaker
from apps.core.highway.connection import sync_redis
from apps.core.highway.relay import relay
from apps.core.highway.streams import CHANNELS_KEY, dead_letter_key, decode, stream_key
from apps.core.http import operations
from apps.core.http.probes import STARTED_MONOTONIC
from apps.core.modules.registry import module_configs

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "cos_http_requests", "HTTP requests answered", ["method", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "cos_http_request_duration_seconds", "Time to answer HTTP requests", ["method"],
    registry=REGISTRY,
)  # fmt: skip


class HighwayCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        breaker = redis_breaker().snapshot()
        yield _gauge("cos_redis_breaker_state", "0 closed, 1 half-open, 2 open",
                     STATE_NUMBERS[breaker["state"]])  # fmt: skip
        yield _gauge(
            "cos_redis_breaker_consecutive_failures", "Failures in a row", breaker["failures"]
        )
        total = CounterMetricFamily("cos_redis_breaker_failures", "Failures seen by the breaker")
        total.add_metric([], breaker["failures_total"])
        yield total
        yield _gauge("cos_outbox_pending", "Events waiting in the outbox", relay().pending_count())
        yield _gauge(
            "cos_uptime_seconds", "Seconds since start", time.monotonic() - STARTED_MONOTONIC
        )
        yield from self._redis_figures()

    def _redis_figures(self) -> Iterator[Metric]:
        up = _gauge("cos_redis_up", "1 when Redis answers", 0)
        dlq = GaugeMetricFamily("cos_dlq_size", "Dead letters per channel", labels=["channel"])
        pending = GaugeMetricFamily(
            "cos_subscriber_pending", "Delivered, not yet acknowledged", labels=["group", "channel"]
        )
        lag = GaugeMetricFamily(
            "cos_subscriber_lag", "Entries not yet delivered to the group (Redis 7+)",
            labels=["group", "channel"],
        )  # fmt: skip
        try:
            client = sync_redis()
            channels = _known_channels(client)
            up = _gauge("cos_redis_up", "1 when Redis answers", 1)
            for channel, dead_letters, groups in _channel_figures(client, channels):
                if dead_letters is not None:
                    dlq.add_metric([channel], dead_letters)
                for group in groups:
                    labels = [_text(group["name"]), channel]
                    pending.add_metric(labels, group["pending"])
                    if group.get("lag") is not None:
                        lag.add_metric(labels, group["lag"])
        except Exception:  # noqa: S110  Redis down: cos_redis_up says so, the rest is empty
            pass
        yield from (up, dlq, pending, lag)


def _known_channels(client: Redis) -> list[str]:
    """One round trip: PING (Redis answers) and the channel registry, which every publish keeps
    up to date. No SCAN: walking the whole keyspace on every scrape grows with every key."""
    pipe = client.pipeline(transaction=False)
    pipe.ping()
    pipe.smembers(CHANNELS_KEY)
    pong, members = pipe.execute(raise_on_error=False)
    if isinstance(pong, Exception):
        raise pong
    return [] if isinstance(members, Exception) else sorted(decode(m) for m in members)


def _channel_figures(client: Redis, channels: list[str]) -> Iterator[tuple[str, int | None, Any]]:
    """One more round trip for all channels: (channel, dead letters or None when it has no
    dead-letter stream, its consumer groups)."""
    pipe = client.pipeline(transaction=False)
    for channel in channels:
        pipe.exists(dead_letter_key(channel))
        pipe.xlen(dead_letter_key(channel))
        pipe.xinfo_groups(stream_key(channel))
    # A registered channel whose stream is gone, or a key of another type, answers an error in
    # its own slot instead of failing the whole scrape.
    replies = pipe.execute(raise_on_error=False)
    for index, channel in enumerate(channels):
        exists, size, groups = replies[3 * index : 3 * index + 3]
        dead_letters = size if exists and not isinstance(size, Exception) else None
        yield channel, dead_letters, [] if isinstance(groups, Exception) else groups


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class ModulesCollector(Collector):
    """What each module adds (ModuleConfig.metrics); a failing module is logged and skipped."""

    def collect(self) -> Iterator[Metric]:
        for config in module_configs():
            try:
                yield from list(config.metrics())
            except Exception:
                logger.exception("The metrics of module %s failed", config.definition.code)


REGISTRY.register(HighwayCollector())
REGISTRY.register(ModulesCollector())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Operations access, or the scrape token (apps.core.http.operations)."""
    refusal = operations.refusal(request, scrape_token=True)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(REGISTRY), content_type="text/plain; version=0.0.4")


@sync_and_async_middleware
def metrics_middleware(get_response: Any) -> Any:
    def record(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
        REQUESTS.labels(request.method or "", str(response.status_code)).inc()
        LATENCY.labels(request.method or "").observe(time.perf_counter() - started)

    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            started = time.perf_counter()
            response = await get_response(request)
            record(request, response, started)
            return response

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = get_response(request)
        record(request, response, started)
        return response

    return middleware
