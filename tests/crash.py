"""Crash scenarios on the real broker, shared by the test suite and `make bench`.

A generated stream is ingested into a fresh deployment; part-way through, a worker is
killed with SIGKILL and restarted on its own state, or the broker is stopped and
started again under the running worker. The outcome — the latest version of every
event, every (event id, version) published, every article accounted for — is compared
with an uninterrupted run of the same stream.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from tests.harness import HarnessError, Pipeline, latest_versions, metric_total, start_broker, stop_broker


@dataclass
class Outcome:
    events: dict[str, dict]  # event id -> latest version
    versions_published: int
    event_ids_published: set[str]  # every id any version was published under
    articles_extracted: set[str]
    articles_dead_lettered: set[str]
    seconds: float  # from the start of ingest until every article was extracted
    disruption_at: int | None = None  # articles routed when the disruption struck
    published_again: int = 0  # copies of an (event id, version) beyond the first on events.enriched
    published_again_differing: int = 0  # (event id, version) pairs published with different contents
    delivered_again: int = 0  # (event id, version) pairs `wirewatch subscribe` printed more than once
    worker_cpu: dict[str, float] | None = None  # CPU seconds per worker (its extraction child included)

    def event_sources(self) -> dict[str, list[str]]:
        return {event_id: sorted(s["article_id"] for s in e["sources"]) for event_id, e in self.events.items()}

    def problems(self, reference: Outcome, records: list[dict]) -> list[str]:
        """How this run falls short of the uninterrupted reference run of the same records."""
        found = []
        lost = {r["article_id"] for r in records} - self.articles_extracted - self.articles_dead_lettered
        if lost:
            found.append(f"{len(lost)} articles neither extracted nor dead-lettered: {sorted(lost)[:10]}")
        if self.delivered_again:
            found.append(f"{self.delivered_again} (event id, version) pairs shown twice by `wirewatch subscribe`")
        if extra := self.event_ids_published - reference.event_ids_published:
            found.append(f"{len(extra)} event ids published that the reference never had: {sorted(extra)[:10]}")
        mine, theirs = self.event_sources(), reference.event_sources()
        differing = sorted(e for e in mine.keys() | theirs.keys() if mine.get(e) != theirs.get(e))
        for event_id in differing[:10]:
            found.append(f"{event_id}: sources {mine.get(event_id)} here, {theirs.get(event_id)} in the reference")
        if len(differing) > 10:
            found.append(f"... {len(differing) - 10} more events differ")
        return found


def routed(worker) -> float:
    """Articles the worker's mention router has taken: how far the stream has got."""
    return metric_total(worker.web_port, "wirewatch_messages_in_total", stage="mention_router")


def kill_worker(pipeline: Pipeline, worker) -> None:
    """SIGKILL mid-stream, then a new worker on the same state directory."""
    pipeline.stop_worker(worker, signal.SIGKILL, timeout=30)
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
    partitions: int = 1,
    guarantee: str = "at_least_once",
) -> Outcome:
    # One partition by default: every stage then reads its input in one order, two undisturbed
    # runs end identically, and any difference is the disruption's doing. With more partitions
    # the order in which the reports of an event meet depends on timing, and so may the online
    # clustering and the id taken from an event's first report.
    pipeline = Pipeline(bootstrap, workdir, partitions=partitions)
    pipeline.env["WIREWATCH_PROCESSING_GUARANTEE"] = guarantee
    try:
        worker = pipeline.start_worker("w1", ready_timeout=240)
        feed = workdir / "stream.jsonl"
        feed.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        started = time.monotonic()
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
        seconds = time.monotonic() - started
        published = [event for _, event in pipeline.read_with_timestamps("events.enriched", timeout=timeout, idle=8)]
        # What a subscriber is shown: `wirewatch subscribe` from the beginning, every version once.
        subscribed = pipeline.run("subscribe", "--json", "--idle-exit", "5", timeout=timeout)
        if subscribed.returncode != 0:
            raise HarnessError(f"subscribe failed: {subscribed.stderr[-2000:]}")
        delivered = [orjson.loads(line) for line in subscribed.stdout.splitlines()]
        pipeline.stop_all()
        contents: dict[tuple[str, int], set[bytes]] = {}
        for event in published:
            contents.setdefault((event["event_id"], event["version"]), set()).add(orjson.dumps(event))
        return Outcome(
            events=latest_versions(published),
            versions_published=len(published),
            event_ids_published={event["event_id"] for event in published},
            seconds=seconds,
            articles_extracted={v["article_id"] for v in extracted},
            articles_dead_lettered={d["article_id"] or d["key"] for d in dead},
            disruption_at=disruption_at,
            published_again=len(published) - len(contents),
            published_again_differing=sum(len(found) > 1 for found in contents.values()),
            delivered_again=len(delivered) - len({(e["event_id"], e["version"]) for e in delivered}),
            worker_cpu=dict(pipeline.worker_cpu),
        )
    finally:
        pipeline.stop_all()
