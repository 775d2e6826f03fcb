"""The cost of tracing (issue 17), in-process and interleaved: token-authenticated
`POST /api/cc/logs/` through Django's whole middleware stack (the test client), the write, its
publish and the relay's XADD on commit, in rounds alternately with tracing off and on (every
span sampled, batched and encoded to OTLP protobuf as for export, not sent). CPU time of the
process (all threads, the batch exporter's included) per request is the figure: it is far
less disturbed by other load on the machine than wall time or req/s (bench/http_load.py
--tracing off on measures those against `serve`, subscribers and websockets included).

    uv run python bench/tracing_cost.py [--rounds 5] [--n 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

from _setup import setup_django

setup_django()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from rest_framework.authtoken.models import Token  # noqa: E402

from apps.core.telemetry import tracing  # noqa: E402


class EncodingExporter(SpanExporter):
    """Does what the OTLP exporter does before the network: encode the batch to protobuf."""

    def __init__(self) -> None:
        self.spans = 0
        self.bytes = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        self.bytes += len(encode_spans(spans).SerializeToString())
        return SpanExportResult.SUCCESS


def reopen_connections() -> None:
    """psycopg is instrumented per connection, when it opens."""
    connections.close_all()
    connections["default"].close_pool()  # type: ignore[attr-defined]


def measure(token: str, n: int) -> tuple[float, float]:
    """CPU ms and wall ms per request over `n` writes."""
    client = Client(headers={"authorization": f"Token {token}"})  # loads the middleware now
    body = {"message": "bench", "event_type": "bench.write", "payload": {"n": 1}}
    for _ in range(10):
        client.post("/api/cc/logs/", body, content_type="application/json")
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        response = client.post("/api/cc/logs/", body, content_type="application/json")
        assert response.status_code == 201, response.content
    provider = tracing.provider()
    if provider is not None:
        provider.force_flush()  # the export of these requests' spans counts too
    return (time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="requests per round and mode")
    args = parser.parse_args()
    user, _ = User.objects.get_or_create(username="bench-tracing", is_superuser=True)
    token = Token.objects.get_or_create(user=user)[0].key
    exporter = EncodingExporter()
    results: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    for _ in range(args.rounds):
        results["off"].append(measure(token, args.n))
        tracing.install(BatchSpanProcessor(exporter))
        reopen_connections()
        results["on"].append(measure(token, args.n))
        tracing.uninstall()
        reopen_connections()
    print(f"{args.rounds} rounds of {args.n} POST /api/cc/logs/ per mode (median of rounds)")
    medians = {}
    for mode, rounds in results.items():
        cpu = statistics.median(r[0] for r in rounds)
        wall = statistics.median(r[1] for r in rounds)
        medians[mode] = cpu
        each = ", ".join(f"{r[0]:.2f}" for r in rounds)
        print(f"tracing {mode:<3}: CPU {cpu:.2f} ms/request (rounds: {each}); wall {wall:.2f} ms")
    spans = exporter.spans / (args.rounds * (args.n + 10))
    print(
        f"tracing on costs {medians['on'] - medians['off']:.2f} ms CPU per request "
        f"({medians['on'] / medians['off']:.2f}x); {spans:.1f} spans and "
        f"{exporter.bytes / exporter.spans:.0f} protobuf bytes per span exported"
    )


if __name__ == "__main__":
    main()
