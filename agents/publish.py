"""Publish stage: enriched event versions onto events.enriched, keyed by event id.

Every version carries the event's whole state, so the compacted topic keeps the latest
state of each event. Versions are published at least once: after a crash a redelivered
mention re-publishes the version it produced, and (event_id, version) identifies it.
"""

from __future__ import annotations

import time

from agents.logic.dedup import parse_timestamp
from streams import stage
from streams.app import events_topic
from streams.metrics import END_TO_END_SECONDS, EVENT_VERSIONS


def event_versions(payloads: list[dict]) -> list[stage.Outgoing]:
    """The messages publishing these versions; the stage runner sends them right away, so
    this is when each version's end-to-end latency is measured."""
    now = time.time()
    for payload in payloads:
        EVENT_VERSIONS.labels("created" if payload["version"] == 1 else "updated").inc()
        # last_updated_at is the received_at of the event's newest source: the report that made this version.
        END_TO_END_SECONDS.observe(max(0.0, now - parse_timestamp(payload["last_updated_at"]).timestamp()))
    return [(events_topic, payload["event_id"].encode(), payload) for payload in payloads]
