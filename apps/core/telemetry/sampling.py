"""The sampler of COS's traces: the configured one, less background calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes


class BackgroundCallsDropped(Sampler):
    """A database or Redis call made outside any span is background polling (subscribers
    reading their streams, the relay's sweeps): a trace of its own each second would bury the
    traces people look for. Those are dropped; everything else is the configured sampler's."""

    def __init__(self, configured: Sampler) -> None:
        self.configured = configured

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind is SpanKind.CLIENT and not parent.is_valid:
            return SamplingResult(Decision.DROP)
        return self.configured.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"BackgroundCallsDropped{{{self.configured.get_description()}}}"
