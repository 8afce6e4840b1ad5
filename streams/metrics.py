"""Prometheus metrics of the pipeline, served on the worker's /metrics (streams.monitor).

Every wirewatch metric is defined here. The stage runner counts messages and times
them; the dedup and publish stages count outcomes; streams.worker_gauges samples the
gauges (consumer lag, table sizes, heartbeat); the worker's Faust monitor counts
rebalances.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_IN = Counter("wirewatch_messages_in_total", "Messages a stage read.", ["stage"])
MESSAGES_OUT = Counter("wirewatch_messages_out_total", "Messages a stage produced.", ["stage", "topic"])
MESSAGES_FAILED = Counter(
    "wirewatch_messages_failed_total", "Messages a stage sent to the dead-letter topic.", ["stage", "reason"]
)
PROCESSING_SECONDS = Histogram(
    "wirewatch_processing_seconds",
    # extract takes a few messages ahead: its time includes waiting behind them
    "Time from a stage taking a message to finishing it.",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
END_TO_END_SECONDS = Histogram(
    "wirewatch_end_to_end_seconds",
    "From ingest (received_at of the event's newest source) to the publication of an event version.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0),
)
ARTICLES_INDEXED = Counter(
    "wirewatch_articles_indexed_total",
    "Articles the article index checked: unique (a new story) or copy (exact or near copy of an earlier one).",
    ["outcome"],
)
EVENT_MENTIONS = Counter(
    "wirewatch_event_mentions_total",
    "Event mentions the event dedup stage folded in: merged into an existing event, or new_event.",
    ["outcome"],
)
EVENT_VERSIONS = Counter(
    "wirewatch_event_versions_total",
    "Event versions published: created (version 1) or updated (a later version).",
    ["change"],
)
TABLE_KEYS = Gauge(
    "wirewatch_table_keys", "Keys in a Faust table, on the partitions this worker holds as active.", ["table"]
)
CONSUMER_LAG = Gauge(
    "wirewatch_consumer_lag",
    "Messages on an input partition this worker holds beyond the consumer group's committed offset.",
    ["topic", "partition"],
)
REBALANCES = Counter(
    "wirewatch_rebalances_total", "Consumer group rebalances this worker went through, table recovery included."
)
REBALANCING = Gauge("wirewatch_rebalancing", "1 while this worker rebalances or recovers table state, else 0.")
WORKER_HEARTBEAT = Gauge("wirewatch_worker_heartbeat_seconds", "Unix time at which the worker last sampled its gauges.")


def _start_at_zero(counter: Counter, values: tuple[str, ...]) -> None:
    """Create the labelled series now, so that Prometheus sees the first increase of each
    instead of a series that appears with its first value already counted."""
    for value in values:
        counter.labels(value)


_start_at_zero(ARTICLES_INDEXED, ("unique", "copy"))
_start_at_zero(EVENT_MENTIONS, ("new_event", "merged"))
_start_at_zero(EVENT_VERSIONS, ("created", "updated"))
HTTP_REFUSED = Counter(
    "wirewatch_http_refused_total",
    "HTTP requests the worker refused before reading their body (no or wrong token, endpoint off), by status.",
    ["status"],
)
WEB_STREAMS_OPEN = Gauge("wirewatch_web_streams_open", "Server-Sent Events streams open on this worker.")
WEB_STREAMS_DROPPED = Counter(
    "wirewatch_web_streams_dropped_total",
    "Server-Sent Events clients the worker dropped or turned away: slow (a write did not finish in time), "
    "backlog (too many versions waiting for it) or full (the worker had its most streams open).",
    ["reason"],
)
_start_at_zero(WEB_STREAMS_DROPPED, ("slow", "backlog", "full"))
_start_at_zero(HTTP_REFUSED, ("401", "503"))
