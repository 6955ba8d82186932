"""Prometheus metrics every stage reports (served on ``WIREWATCH_METRICS_PORT`` when set)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

MESSAGES = Counter("wirewatch_messages_total", "Messages handled by a stage", ["stage", "outcome"])
HANDLE_SECONDS = Histogram(
    "wirewatch_handle_seconds",
    "Time to handle one message",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
DEAD_LETTERS = Counter("wirewatch_dead_letters_total", "Messages sent to the DLQ", ["stage", "error_type"])
STAGE_SECONDS = Histogram(
    "wirewatch_stage_seconds",
    "Where a stage's time goes, per batch: poll (waiting for input), handle (the pipeline and "
    "publishing), ack (waiting for the bus to acknowledge what was published), state (writing the "
    "changelogs), commit (committing the input offsets)",
    ["stage", "phase"],
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
BATCH_RECORDS = Histogram(
    "wirewatch_batch_records",
    "Records per batch a stage handled",
    ["stage"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Expose ``/metrics`` (prometheus_client's own small server, in a daemon thread)."""
    start_http_server(port, addr=host)
