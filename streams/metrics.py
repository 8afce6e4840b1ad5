"""Prometheus metrics of the stages, served with Faust's own on the worker's /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

MESSAGES_IN = Counter("wirewatch_messages_in_total", "Messages a stage read.", ["stage"])
MESSAGES_OUT = Counter("wirewatch_messages_out_total", "Messages a stage produced.", ["stage", "topic"])
MESSAGES_FAILED = Counter(
    "wirewatch_messages_failed_total", "Messages a stage sent to the dead-letter topic.", ["stage", "reason"]
)
PROCESSING_SECONDS = Histogram(
    "wirewatch_processing_seconds",
    "Time a stage spent on one message.",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
