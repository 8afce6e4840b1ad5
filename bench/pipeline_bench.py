"""The pipeline against the real broker: throughput, latency, memory, scaling.

Starts its own Kafka broker (scripts/kafka.sh) and real `wirewatch worker` processes,
feeds a generated stream (bench/stream_generator.py) through `wirewatch ingest`'s
producer, and prints:
- articles per second sustained, with 1 worker and with 2 workers on 4 partitions,
  and the speed-up;
- end-to-end latency p50/p95/p99 from ingest (the raw record's received_at) to the
  first published event version that lists the article, at full speed and at half
  the measured maximum rate;
- peak resident memory per worker (with its extraction process), and the CPU each
  article cost the workers, their extraction processes, the broker and the feed;
- how well the reports met: events B-cubed F1 of each run against the generator's labels
  (the order reports meet in varies with timing across partitions);
- beside them the bare cost of the same articles through clean + extract with no
  Kafka, measured just before and just after the 1-worker run, and the ratio of that
  run to their mean.
The measured runs follow warm-up runs over other generated streams, half the size each,
until the broker's JVM has compiled its hot code (its JIT compiler threads took under
15 % of its CPU over a round); each run prints the JIT's share of the broker's CPU.
Usage: python bench/pipeline_bench.py [--events N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.extract import EXTRACT_READY  # noqa: E402
from bench.dedup_bench import extended_bcubed  # noqa: E402
from bench.stream_generator import Report, generate  # noqa: E402
from tests.harness import Pipeline, latest_versions, metric_total, start_broker, stop_broker  # noqa: E402

# The streams the broker warms up on before the measured runs: other ones than theirs,
# half their size each, until its JIT compiler threads took under JIT_SETTLED of its CPU
# over one (at most WARM_UP_ROUNDS): sustained figures are the broker's steady state.
WARM_UP_SEED = 8
WARM_UP_ROUNDS = 6
JIT_SETTLED = 0.15


class MemoryPeak(threading.Thread):
    """Samples the resident memory of worker processes (and their children) every 0.2 s."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peaks = [0] * len(pids)
        self.running = True

    def run(self) -> None:
        while self.running:
            for i, proc in enumerate(self.processes):
                try:
                    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                self.peaks[i] = max(self.peaks[i], rss)
            time.sleep(0.2)


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def cpu_by_role(worker_pids: list[int], broker_pid: int) -> dict[str, list[psutil.Process]]:
    """The processes whose CPU a run costs: the workers' own, their extraction processes,
    the broker's JVM, and this process (it feeds the articles in)."""
    workers = [psutil.Process(pid) for pid in worker_pids]
    return {
        "worker": workers,
        "extraction": [child for worker in workers for child in worker.children(recursive=True)],
        "broker": [psutil.Process(broker_pid)],
        "feed": [psutil.Process()],
    }


def jit_seconds(pid: int) -> float:
    """CPU seconds the JVM's JIT compiler threads (C1, C2) have used so far (Linux /proc)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if not (task / "comm").read_text().startswith(("C1 Compiler", "C2 Compiler")):
                continue
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return total


async def produce_paced(pipeline: Pipeline, records: list[dict], rate: float | None) -> None:
    """Send raw records as `wirewatch ingest` does, stamping received_at at send time; rate=None: flat out."""
    from agents.ingest import new_producer

    producer = new_producer(pipeline.settings())
    await producer.start()
    topic = pipeline.topic("articles.raw")
    started = time.monotonic()
    pending = []
    try:
        for i, record in enumerate(records):
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            record = {**record, "received_at": datetime.now().astimezone().isoformat()}
            pending.append(await producer.send(topic, orjson.dumps(record), key=record["article_id"].encode()))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def run_once(
    bootstrap: str, broker_pid: int, workdir: Path, reports: list[Report], workers: int, rate: float | None
) -> dict:
    records = [report.record for report in reports]
    pipeline = Pipeline(bootstrap, workdir, partitions=4)
    try:
        procs = [pipeline.start_worker(f"w{i + 1}", ready_timeout=180) for i in range(workers)]
        memory = MemoryPeak([p.pid for p in procs])
        memory.start()
        wait_for_log(procs, EXTRACT_READY, timeout=180)
        time.sleep(3)  # let the group settle on its partition assignment
        roles = cpu_by_role([p.pid for p in procs], broker_pid)
        cpu_before = {role: cpu_seconds(members) for role, members in roles.items()}
        jit_before = jit_seconds(broker_pid)
        started = time.monotonic()
        asyncio.run(produce_paced(pipeline, records, rate))
        deadline = started + 900
        # Done when the mention router has seen every article (copies included) and the
        # event stage has taken every mention the router sent.
        while time.monotonic() < deadline:
            routed = sum(metric_total(p.web_port, "wirewatch_messages_in_total", stage="mention_router") for p in procs)
            merged = sum(metric_total(p.web_port, "wirewatch_messages_in_total", stage="dedup") for p in procs)
            sent = sum(metric_total(p.web_port, "wirewatch_messages_out_total", stage="mention_router") for p in procs)
            if routed >= len(records) and merged >= sent:
                break
            time.sleep(0.5)  # each poll scrapes /metrics, which costs the worker CPU
        elapsed = time.monotonic() - started
        cpu = {role: cpu_seconds(members) - cpu_before[role] for role, members in roles.items()}
        jit = jit_seconds(broker_pid) - jit_before
        memory.running = False
        published = pipeline.read_with_timestamps("events.enriched", timeout=20)
        latencies = latencies_of(pipeline, records, published)
        precision, recall, f1 = clustering_quality(reports, [event for _, event in published])
        return {
            "workers": workers,
            "articles": len(records),
            "seconds": round(elapsed, 2),
            "articles_per_second": round(len(records) / elapsed, 1),
            "latency_p50_s": percentile(latencies, 50),
            "latency_p95_s": percentile(latencies, 95),
            "latency_p99_s": percentile(latencies, 99),
            "peak_rss_mb_per_worker": [round(peak / 2**20) for peak in memory.peaks],
            "cpu_ms_per_article": {role: round(1000 * seconds / len(records), 2) for role, seconds in cpu.items()},
            "broker_jit_share": round(jit / cpu["broker"], 2) if cpu["broker"] else 0.0,
            "events_bcubed": {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)},
        }
    finally:
        pipeline.stop_all()


def wait_for_log(procs: list, line: str, timeout: float) -> None:
    """Until every worker's log holds the line: the clock starts once all workers can work."""
    deadline = time.monotonic() + timeout
    while not all(line in Path(p.log_path).read_text(errors="replace") for p in procs):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {line!r} in the workers' logs after {timeout} s")
        time.sleep(0.2)


def latencies_of(pipeline: Pipeline, records: list[dict], published: list[tuple[int, dict]]) -> list[float]:
    """Seconds from each article's ingest to the first event version that lists it."""
    raw = {
        r["article_id"]: r["received_at"] for r in pipeline.read_json("articles.raw", lambda v: len(v) >= len(records))
    }
    first_listed: dict[str, float] = {}
    for timestamp_ms, event in published:
        for source in event["sources"]:
            first_listed.setdefault(source["article_id"], timestamp_ms / 1000)
    return [
        max(0.0, first_listed[a] - datetime.fromisoformat(received).timestamp())
        for a, received in raw.items()
        if a in first_listed
    ]


def clustering_quality(reports: list[Report], published: list[dict]) -> tuple[float, float, float]:
    """B-cubed of the articles' events (latest versions) against the generator's event labels;
    a noise article is an event of its own."""
    predicted: dict[str, set[str]] = {}
    for event in latest_versions(published).values():
        for source in event["sources"]:
            predicted.setdefault(source["article_id"], set()).add(event["event_id"])
    gold = {r.record["article_id"]: {r.event or f"noise:{r.record['article_id']}"} for r in reports}
    return extended_bcubed(predicted, gold)


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3) if len(values) > 1 else values[0]


def bare_throughput(records: list[dict]) -> float:
    """Articles per second through clean + extract in this process, no Kafka: the same NLP
    work as the pipeline (copies found by the article index are not extracted)."""
    from agents.logic.clean import clean_article
    from agents.logic.dedup import received_time
    from agents.logic.extract import extract_article, prepare
    from agents.logic.near_duplicates import ArticleIndex
    from streams.settings import settings

    nlp = prepare(settings.spacy_model)  # as the worker does before its first article
    index = ArticleIndex({})
    started = time.perf_counter()
    for record in records:
        clean = clean_article(record)
        if not index.check(clean["article_id"], clean["fingerprint"], clean["body"], received_time(clean)):
            extract_article(clean, nlp)
    return len(records) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400, help="events to generate (each told 3-5 times)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    reports = generate(args.events)
    records = [report.record for report in reports]
    with tempfile.TemporaryDirectory(prefix="wirewatch-bench-") as tmp:
        tmp_path = Path(tmp)
        bootstrap = start_broker(tmp_path / "kafka")
        broker_pid = int((tmp_path / "kafka" / "pid").read_text())
        try:
            # A fresh JVM spends its first thousands of requests compiling its hot code: measured,
            # the C2 compiler thread took 44 % of the broker's CPU over the first run after a
            # 981-article warm-up, 14 % over the second.
            warm_up_jit = []
            for round_ in range(WARM_UP_ROUNDS):
                warm_up = generate(max(1, args.events // 2), seed=WARM_UP_SEED + round_)
                run = run_once(bootstrap, broker_pid, tmp_path / f"warm-up-{round_}", warm_up, workers=1, rate=None)
                warm_up_jit.append(run["broker_jit_share"])
                if run["broker_jit_share"] < JIT_SETTLED:
                    break
            # The bare figure just before and just after the run it is compared with, so that a
            # shared machine's speed drifting during the benchmark does not skew the ratio.
            bare_before = bare_throughput(records)
            one = run_once(bootstrap, broker_pid, tmp_path / "one", reports, workers=1, rate=None)
            bare_after = bare_throughput(records)
            half_rate = one["articles_per_second"] / 2
            half = run_once(bootstrap, broker_pid, tmp_path / "half", reports, workers=1, rate=half_rate)
            two = run_once(bootstrap, broker_pid, tmp_path / "two", reports, workers=2, rate=None)
        finally:
            stop_broker(tmp_path / "kafka")
    bare = (bare_before + bare_after) / 2
    figures = {
        "articles": len(records),
        "bare_clean_extract_articles_per_second": round(bare, 1),
        "bare_before_and_after": [round(bare_before, 1), round(bare_after, 1)],
        "warm_up_broker_jit_shares": warm_up_jit,
        "one_worker": one,
        "one_worker_half_rate": half,
        "two_workers": two,
        "pipeline_over_bare": round(one["articles_per_second"] / bare, 2),
        "speedup_two_over_one": round(two["articles_per_second"] / one["articles_per_second"], 2),
    }
    if args.json:
        print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"pipeline benchmark: {len(records)} generated articles ({args.events} events), 4 partitions, real broker")
    shares = ", ".join(f"{share:.0%}" for share in warm_up_jit)
    print(f"  warm-up: {len(warm_up_jit)} round(s); the broker's JIT compiler took {shares} of its CPU")
    print(
        f"  bare clean+extract, no Kafka       {bare:8.1f} articles/s  ({1000 / bare:.2f} ms per article, one core;"
        f" {bare_before:.1f} before the 1-worker run, {bare_after:.1f} after it)"
    )
    for label, run in (("1 worker, flat out", one), ("1 worker, half rate", half), ("2 workers, flat out", two)):
        print(
            f"  {label:<22} {run['articles_per_second']:8.1f} articles/s  latency p50 {run['latency_p50_s']} s"
            f"  p95 {run['latency_p95_s']} s  p99 {run['latency_p99_s']} s  peak RSS {run['peak_rss_mb_per_worker']} MB"
            f"  events B-cubed F1 {run['events_bcubed']['f1']}"
        )
        cpu = ", ".join(f"{role} {ms} ms" for role, ms in run["cpu_ms_per_article"].items())
        print(f"  {'':<22} CPU per article: {cpu} (JIT compiler {run['broker_jit_share']:.0%} of the broker's)")
    print(f"  pipeline / bare (1 worker)         {figures['pipeline_over_bare']:8.2f}")
    print(f"  speed-up 2 workers / 1             {figures['speedup_two_over_one']:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
