"""Observability: structured log lines (logs) and OpenTelemetry traces (tracing), with the
event highway's own spans (highway_spans): one trace from an API write to the websocket frame."""
