"""Workers joining and leaving under load: does scaling out change any result?

A generated stream (about five articles per event, 5,000 articles by default) runs through
its own deployment on 4 partitions three times on the real broker: twice undisturbed with
one worker, and once with workers coming and going while it flows: a second worker starts
at 20 % of the stream, the first stops with SIGTERM at 45 % and starts again at 55 %, and
the second is killed with SIGKILL at 75 %. Prints:

- articles accounted for (extracted or dead-lettered) in every run;
- (event id, version) pairs published by two different workers (the `wirewatch-worker`
  header of each message) and how many of those differ in contents (two workers deciding
  one version differently; identical ones are a redelivery after the partition moved),
  event versions going backwards on their partition, and versions `wirewatch subscribe`
  showed twice;
- how the final grouping (which articles end in one event) differs: between the two
  undisturbed runs, and between the disturbed run and the first undisturbed one, as the
  share of article pairs grouped together in one run and not in the other;
- the rebalance pause: the longest time without a published event in the minute after each
  join or leave, against the longest such gap of the undisturbed run;
- each worker's CPU per article (its extraction process included), so that the cores a
  given rate needs can be computed.
Usage: python bench/rebalance_bench.py [--events N]
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stream_generator import generate  # noqa: E402
from streams.stage import WORKER_HEADER  # noqa: E402
from tests.crash import routed  # noqa: E402
from tests.harness import HarnessError, Pipeline, latest_versions, start_broker, stop_broker  # noqa: E402

PARTITIONS = 4
PAUSE_WINDOW_MS = 60_000


@dataclass
class Run:
    seconds: float
    accounted: int
    events: dict[str, dict]
    published: list  # ConsumerRecords of events.enriched
    worker_cpu: dict[str, float]
    shown_twice: int  # (event id, version) pairs `wirewatch subscribe` showed more than once
    disruptions: list[tuple[str, int]] = field(default_factory=list)  # (what, wall clock ms)

    def together(self) -> set[tuple[str, str]]:
        """Article pairs that end in one event."""
        pairs = set()
        for event in self.events.values():
            ids = sorted({s["article_id"] for s in event["sources"]})
            pairs.update(itertools.combinations(ids, 2))
        return pairs

    def published_by_two(self) -> tuple[int, int]:
        """(event id, version) pairs published by two workers, and how many of those with
        different contents (two workers deciding one version differently; the others are
        the same version published again by the worker that took the partition over)."""
        workers: dict[tuple[str, int], set[bytes]] = defaultdict(set)
        contents: dict[tuple[str, int], set[bytes]] = defaultdict(set)
        for record in self.published:
            event = orjson.loads(record.value)
            pair = event["event_id"], event["version"]
            workers[pair].update(v for k, v in record.headers if k == WORKER_HEADER)
            contents[pair].add(record.value)
        by_two = [pair for pair, found in workers.items() if len(found) > 1]
        return len(by_two), sum(len(contents[pair]) > 1 for pair in by_two)

    def versions_backwards(self) -> int:
        last: dict[str, int] = {}
        backwards = 0
        for record in sorted(self.published, key=lambda r: (r.partition, r.offset)):
            event = orjson.loads(record.value)
            if event["version"] < last.get(event["event_id"], 0):
                backwards += 1
            last[event["event_id"]] = max(event["version"], last.get(event["event_id"], 0))
        return backwards

    def longest_gap_ms(self, start_ms: int, end_ms: int) -> int:
        """The longest time without a published event between start_ms and end_ms (or the last one)."""
        stamps = sorted(r.timestamp for r in self.published if start_ms <= r.timestamp <= end_ms)
        points = [start_ms, *stamps]
        return max((b - a for a, b in itertools.pairwise(points)), default=0)


def grouping_difference(one: Run, other: Run) -> tuple[float, int]:
    """Share of article pairs grouped together in one run and not in the other, and how many."""
    a, b = one.together(), other.together()
    differing = len(a ^ b)
    return differing / max(1, len(a | b)), differing


def run(bootstrap: str, workdir: Path, records: list[dict], disturbed: bool) -> Run:
    pipeline = Pipeline(bootstrap, workdir, partitions=PARTITIONS)
    disruptions: list[tuple[str, int]] = []
    try:
        live = {"w1": pipeline.start_worker("w1", ready_timeout=240)}
        routed_by_stopped = 0.0

        def progress() -> float:
            return routed_by_stopped + sum(routed(worker) for worker in live.values())

        def wait_for(fraction: float) -> None:
            deadline = time.monotonic() + 1800
            while progress() < fraction * len(records):
                if time.monotonic() > deadline:
                    raise HarnessError("the stream did not get far enough")
                time.sleep(0.1)

        def stop(name: str, sig: int) -> None:
            nonlocal routed_by_stopped
            routed_by_stopped += routed(live[name])
            disruptions.append((f"{name} {'SIGTERM' if sig == signal.SIGTERM else 'SIGKILL'}", now_ms()))
            pipeline.stop_worker(live.pop(name), sig)

        def start(name: str) -> None:
            disruptions.append((f"{name} joins", now_ms()))
            live[name] = pipeline.start_worker(name, ready_timeout=240)

        feed = workdir / "stream.jsonl"
        feed.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        started = time.monotonic()
        ingest = pipeline.run("ingest", str(feed), timeout=1800)
        if ingest.returncode != 0:
            raise HarnessError(f"ingest failed: {ingest.stderr[-2000:]}")
        if disturbed:
            wait_for(0.20)
            start("w2")
            wait_for(0.45)
            stop("w1", signal.SIGTERM)
            wait_for(0.55)
            start("w1")
            wait_for(0.75)
            stop("w2", signal.SIGKILL)
        ids = {r["article_id"] for r in records}
        extracted = wait_for_extraction(pipeline, ids)
        seconds = time.monotonic() - started
        dead = pipeline.read_json("articles.dlq", timeout=2)
        published = pipeline.read_records("events.enriched", timeout=1800, idle=8)
        subscribed = pipeline.run("subscribe", "--json", "--idle-exit", "5", timeout=1800)
        shown = [orjson.loads(line) for line in subscribed.stdout.splitlines()]
        pipeline.stop_all()
        accounted = ids & ({v["article_id"] for v in extracted} | {d["article_id"] or d["key"] for d in dead})
        return Run(
            seconds=seconds,
            accounted=len(accounted),
            events=latest_versions([orjson.loads(r.value) for r in published]),
            published=published,
            worker_cpu=dict(pipeline.worker_cpu),
            shown_twice=len(shown) - len({(e["event_id"], e["version"]) for e in shown}),
            disruptions=disruptions,
        )
    finally:
        pipeline.stop_all()


def wait_for_extraction(pipeline: Pipeline, ids: set[str], quiet_s: float = 180) -> list[dict]:
    """articles.extracted once it holds every article, or once nothing new came for quiet_s (some are lost)."""
    seen, last_growth = 0, time.monotonic()
    while True:
        extracted = [orjson.loads(value) for _, value in pipeline.read_to_end("articles.extracted", timeout=120)]
        if {v["article_id"] for v in extracted} >= ids:
            return extracted
        if len(extracted) > seen:
            seen, last_growth = len(extracted), time.monotonic()
        elif time.monotonic() - last_growth > quiet_s:
            return extracted
        time.sleep(5)


def now_ms() -> int:
    return int(time.time() * 1000)


def describe(label: str, outcome: Run, total: int) -> None:
    cpu = ", ".join(f"{name} {seconds / total * 1000:.2f} ms" for name, seconds in sorted(outcome.worker_cpu.items()))
    by_two, differing = outcome.published_by_two()
    print(
        f"  {label:<14} {outcome.seconds:6.1f} s; {outcome.accounted}/{total} articles accounted for;"
        f" {len(outcome.events)} events; {by_two} (event id, version) published by two workers"
        f" ({differing} with different contents); {outcome.versions_backwards()} versions backwards;"
        f" {outcome.shown_twice} shown twice by subscribe; CPU per article of the stream: {cpu}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events to generate (about 5 articles each)")
    args = parser.parse_args()
    records = [report.record for report in generate(args.events, seed=11)]
    print(f"rebalance benchmark: {len(records)} generated articles ({args.events} events), {PARTITIONS} partitions")
    with tempfile.TemporaryDirectory(prefix="wirewatch-rebalance-") as tmp:
        tmp_path = Path(tmp)
        bootstrap = start_broker(tmp_path / "kafka")
        try:
            first = run(bootstrap, tmp_path / "undisturbed-1", records, disturbed=False)
            describe("undisturbed 1", first, len(records))
            disturbed = run(bootstrap, tmp_path / "disturbed", records, disturbed=True)
            describe("disturbed", disturbed, len(records))
            second = run(bootstrap, tmp_path / "undisturbed-2", records, disturbed=False)
            describe("undisturbed 2", second, len(records))
        finally:
            stop_broker(tmp_path / "kafka")
    share, count = grouping_difference(first, second)
    print(f"  grouping, undisturbed 1 vs undisturbed 2: {count} article pairs differ ({share:.2%} of pairs)")
    share_d, count_d = grouping_difference(first, disturbed)
    print(f"  grouping, undisturbed 1 vs disturbed:     {count_d} article pairs differ ({share_d:.2%} of pairs)")
    stamps = sorted(r.timestamp for r in first.published)
    print(f"  longest gap between published events, undisturbed 1: {first.longest_gap_ms(stamps[0], stamps[-1])} ms")
    for what, at_ms in disturbed.disruptions:
        print(f"  rebalance pause after {what}: {disturbed.longest_gap_ms(at_ms, at_ms + PAUSE_WINDOW_MS)} ms")
    lost = len(records) - min(first.accounted, second.accounted, disturbed.accounted)
    bad = lost or disturbed.published_by_two()[1] or disturbed.versions_backwards() or disturbed.shown_twice
    bad = bad or count_d > count
    verdict = "nothing lost, no version decided by two workers, none shown twice, grouping within run-to-run"
    print(f"  {'DIFFERS' if bad else verdict}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
