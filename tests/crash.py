"""Crash scenarios on the real broker, shared by the test suite and `make bench`.

A generated stream is ingested into a fresh deployment; part-way through, a worker is
killed with SIGKILL and restarted on its own state, or the broker is stopped and
started again under the running worker. The outcome — the latest version of every
event, every (event id, version) published, every article accounted for — is compared
with an uninterrupted run of the same stream.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tests.harness import HarnessError, Pipeline, latest_versions, metric_total, start_broker, stop_broker


@dataclass
class Outcome:
    events: dict[str, dict]  # event id -> latest version
    versions_published: int
    articles_extracted: set[str]
    articles_dead_lettered: set[str]
    disruption_at: int | None = None  # articles routed when the disruption struck
    notes: list[str] = field(default_factory=list)

    def event_sources(self) -> dict[str, list[str]]:
        return {event_id: sorted(s["article_id"] for s in e["sources"]) for event_id, e in self.events.items()}


def routed(worker) -> float:
    """Articles the worker's mention router has taken: how far the stream has got."""
    return metric_total(worker.web_port, "wirewatch_messages_in_total", stage="mention_router")


def kill_worker(pipeline: Pipeline, worker) -> None:
    """SIGKILL mid-stream, then a new worker on the same state directory."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(30)
    pipeline.workers.remove(worker)
    pipeline.start_worker(worker.name, ready_timeout=240)


def restart_broker(state_dir: Path) -> Callable[[Pipeline, object], None]:
    def disrupt(pipeline: Pipeline, worker) -> None:
        stop_broker(state_dir)
        time.sleep(3)
        start_broker(state_dir)

    return disrupt


def run(
    bootstrap: str,
    workdir: Path,
    records: list[dict],
    disrupt: Callable[[Pipeline, object], None] | None = None,
    at_fraction: float = 0.4,
    timeout: float = 600,
) -> Outcome:
    pipeline = Pipeline(bootstrap, workdir, partitions=4)
    try:
        worker = pipeline.start_worker("w1", ready_timeout=240)
        feed = workdir / "stream.jsonl"
        feed.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        ingest = pipeline.run("ingest", str(feed), timeout=timeout)
        if ingest.returncode != 0:
            raise HarnessError(f"ingest failed: {ingest.stderr[-2000:]}")
        disruption_at = None
        if disrupt is not None:
            deadline = time.monotonic() + timeout
            while routed(worker) < at_fraction * len(records):
                if time.monotonic() > deadline:
                    raise HarnessError("the stream did not get far enough to be disrupted")
                time.sleep(0.1)
            disruption_at = int(routed(worker))
            disrupt(pipeline, worker)
        ids = {r["article_id"] for r in records}
        extracted = pipeline.read_json(
            "articles.extracted", until=lambda values: {v["article_id"] for v in values} >= ids, timeout=timeout
        )
        dead = pipeline.read_json("articles.dlq", timeout=2)
        published = pipeline.read_with_timestamps("events.enriched", timeout=timeout, idle=8)
        return Outcome(
            events=latest_versions([event for _, event in published]),
            versions_published=len(published),
            articles_extracted={v["article_id"] for v in extracted},
            articles_dead_lettered={d["article_id"] or d["key"] for d in dead},
            disruption_at=disruption_at,
        )
    finally:
        pipeline.stop_all()
