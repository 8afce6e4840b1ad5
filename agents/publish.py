"""Publish stage: enriched event versions onto events.enriched, keyed by event id.

Every version carries the event's whole state, so the compacted topic keeps the latest
state of each event. Versions are published at least once: after a crash a redelivered
mention re-publishes the version it produced, and (event_id, version) identifies it.
"""

from __future__ import annotations

from streams import stage
from streams.app import events_topic


def event_versions(payloads: list[dict]) -> list[stage.Outgoing]:
    return [(events_topic, payload["event_id"].encode(), payload) for payload in payloads]
