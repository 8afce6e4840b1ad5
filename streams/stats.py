"""`wirewatch stats`: the pipeline's health at a glance, read from the workers' /metrics.

Counts are totals since each worker started (what its counters hold) and the quantiles
are estimated from the histogram buckets over the same span, the way Prometheus'
histogram_quantile does. With several workers, counts, lag and table keys add up;
heartbeat age and rebalances are shown per worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table

Labels = tuple[tuple[str, str], ...]
Samples = dict[tuple[str, Labels], float]


def metrics_url(url: str) -> str:
    """A worker's metrics URL; a bare http://host:port gets /metrics."""
    return url if urlsplit(url).path.strip("/") else url.rstrip("/") + "/metrics"


def parse(text: str) -> Samples:
    """Prometheus text exposition as {(sample name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def values(samples: Samples, name: str, by: str, **match: str) -> dict[str, float]:
    """Samples of `name` whose labels include `match`, summed per value of label `by`
    (in the order the worker exposes them)."""
    out: dict[str, float] = {}
    for (sample, labels), value in samples.items():
        found = dict(labels)
        if sample == name and all(found.get(k) == v for k, v in match.items()):
            out[found[by]] = out.get(found[by], 0.0) + value
    return out


def total(samples: Samples, name: str, **match: str) -> float:
    return sum(
        value
        for (sample, labels), value in samples.items()
        if sample == name and all(dict(labels).get(k) == v for k, v in match.items())
    )


def quantile(q: float, buckets: dict[str, float]) -> float | None:
    """The q-quantile (0 < q <= 1) from cumulative histogram buckets {le: count},
    interpolated linearly inside the bucket it falls in, as Prometheus'
    histogram_quantile does: in the +Inf bucket it is the highest finite bound.
    None without observations."""
    bounds = sorted((float(le), count) for le, count in buckets.items())
    if not bounds or bounds[-1][1] == 0:
        return None
    rank = q * bounds[-1][1]
    lower, below = 0.0, 0.0
    for upper, count in bounds:
        if count >= rank:
            break
        lower, below = upper, count
    if upper == float("inf"):
        return lower
    return lower + (upper - lower) * (rank - below) / (count - below)


@dataclass
class Latency:
    count: float
    p50: float | None
    p99: float | None

    @classmethod
    def of(cls, samples: Samples, histogram: str, **match: str) -> Latency:
        buckets = values(samples, f"{histogram}_bucket", "le", **match)
        return cls(total(samples, f"{histogram}_count", **match), quantile(0.5, buckets), quantile(0.99, buckets))


@dataclass
class Stage:
    name: str
    read: float
    out: dict[str, float]  # per output topic
    dead_lettered: float
    processing: Latency


@dataclass
class Worker:
    url: str
    error: str | None = None
    heartbeat_age: float | None = None
    rebalances: float | None = None


@dataclass
class Outcomes:
    """Two outcomes of one dedup step and the share of the second."""

    counts: dict[str, float]
    share_of: str

    @property
    def share(self) -> float | None:
        whole = sum(self.counts.values())
        return self.counts.get(self.share_of, 0.0) / whole if whole else None


@dataclass
class Health:
    workers: list[Worker]
    stages: list[Stage] = field(default_factory=list)
    end_to_end: Latency | None = None
    dead_letters: dict[str, dict[str, float]] = field(default_factory=dict)
    articles: Outcomes | None = None
    mentions: Outcomes | None = None
    versions: Outcomes | None = None
    lag: dict[str, float] = field(default_factory=dict)
    tables: dict[str, float] = field(default_factory=dict)

    @property
    def unreachable(self) -> list[Worker]:
        return [worker for worker in self.workers if worker.error]

    def as_dict(self) -> dict:
        def outcomes(o: Outcomes | None) -> dict | None:
            return None if o is None else {**o.counts, f"{o.share_of}_share": o.share}

        return {
            "workers": [vars(w) for w in self.workers],
            "stages": [{**vars(s), "processing": vars(s.processing)} for s in self.stages],
            "end_to_end": vars(self.end_to_end) if self.end_to_end else None,
            "dead_letters": self.dead_letters,
            "articles": outcomes(self.articles),
            "event_mentions": outcomes(self.mentions),
            "event_versions": outcomes(self.versions),
            "consumer_lag": self.lag,
            "table_keys": self.tables,
        }


def read_worker(url: str, client: httpx.Client, now: float) -> tuple[Worker, Samples]:
    try:
        response = client.get(url)
        response.raise_for_status()
        samples = parse(response.text)
    except (httpx.HTTPError, ValueError) as exc:
        return Worker(url, error=f"{type(exc).__name__}: {exc}"), {}
    heartbeat = samples.get(("wirewatch_worker_heartbeat_seconds", ()))
    return Worker(
        url,
        heartbeat_age=None if heartbeat is None else max(0.0, now - heartbeat),
        rebalances=samples.get(("wirewatch_rebalances_total", ())),
    ), samples


def gather(urls: list[str], timeout: float = 5.0) -> Health:
    """Read every worker's /metrics and add them up."""
    workers: list[Worker] = []
    merged: Samples = {}
    with httpx.Client(timeout=timeout) as client:
        for url in urls:
            worker, samples = read_worker(metrics_url(url), client, time.time())
            workers.append(worker)
            for key, value in samples.items():
                merged[key] = merged.get(key, 0.0) + value
    health = Health(workers)
    if not merged:
        return health
    for name, read in values(merged, "wirewatch_messages_in_total", "stage").items():
        failed = values(merged, "wirewatch_messages_failed_total", "reason", stage=name)
        health.stages.append(
            Stage(
                name,
                read,
                values(merged, "wirewatch_messages_out_total", "topic", stage=name),
                sum(failed.values()),
                Latency.of(merged, "wirewatch_processing_seconds", stage=name),
            )
        )
        if any(failed.values()):
            health.dead_letters[name] = {reason: count for reason, count in failed.items() if count}
    health.end_to_end = Latency.of(merged, "wirewatch_end_to_end_seconds")
    health.articles = Outcomes(values(merged, "wirewatch_articles_indexed_total", "outcome"), "copy")
    health.mentions = Outcomes(values(merged, "wirewatch_event_mentions_total", "outcome"), "merged")
    health.versions = Outcomes(values(merged, "wirewatch_event_versions_total", "change"), "updated")
    health.lag = values(merged, "wirewatch_consumer_lag", "topic")
    health.tables = values(merged, "wirewatch_table_keys", "table")
    return health


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f}ms" if value < 1 else f"{value:.2f}s"


def count(value: float) -> str:
    return f"{value:,.0f}"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def render(health: Health) -> Group:
    """The health as rich tables, one per concern."""
    workers = Table(title="workers", title_justify="left")
    for column, justify in (("metrics", "left"), ("heartbeat age", "right"), ("rebalances", "right")):
        workers.add_column(column, justify=justify)
    for worker in health.workers:
        if worker.error:
            workers.add_row(worker.url, f"[red]unreachable: {worker.error}[/]", "-")
        else:
            rebalances = "-" if worker.rebalances is None else count(worker.rebalances)
            workers.add_row(worker.url, seconds(worker.heartbeat_age), rebalances)
    parts: list = [workers]
    if not health.stages:
        return Group(*parts)

    stages = Table(title="stages (since the workers started)", title_justify="left")
    stages.add_column("stage", no_wrap=True)
    for column in ("in", "to dlq", "p50", "p99"):
        stages.add_column(column, justify="right", no_wrap=True)
    stages.add_column("out", no_wrap=True, overflow="ellipsis")
    for stage in health.stages:
        failed = f"[red]{count(stage.dead_lettered)}[/]" if stage.dead_lettered else "0"
        p50, p99 = seconds(stage.processing.p50), seconds(stage.processing.p99)
        out = "\n".join(f"{count(n)} {topic}" for topic, n in stage.out.items())
        stages.add_row(stage.name, count(stage.read), failed, p50, p99, out)
    end_to_end = health.end_to_end
    stages.add_section()
    stages.add_row(
        "end to end",
        "",
        "",
        seconds(end_to_end.p50),
        seconds(end_to_end.p99),
        f"{count(end_to_end.count)} event versions",
        style="bold",
    )
    parts.append(stages)

    dead = Table(title="dead letters by reason", title_justify="left")
    for column, justify in (("stage", "left"), ("reason", "left"), ("count", "right")):
        dead.add_column(column, justify=justify)
    for stage, reasons in health.dead_letters.items():
        for reason, n in reasons.items():
            dead.add_row(stage, reason, count(n))
    if not health.dead_letters:
        dead.add_row("-", "none", "0")
    parts.append(dead)

    dedup = Table(title="deduplication", title_justify="left")
    for column, justify in (("step", "left"), ("outcomes", "left"), ("rate", "right")):
        dedup.add_column(column, justify=justify)
    for step, outcomes, label in (
        ("articles indexed", health.articles, "copies"),
        ("event mentions", health.mentions, "merged"),
        ("event versions", health.versions, "updates"),
    ):
        described = ", ".join(f"{count(n)} {outcome}" for outcome, n in outcomes.counts.items())
        dedup.add_row(step, described, f"{label} {share(outcomes.share)}")
    parts.append(dedup)

    state = Table(title="consumer lag and tables", title_justify="left")
    for column, justify in (("topic or table", "left"), ("lag", "right"), ("keys", "right")):
        state.add_column(column, justify=justify)
    for topic, lag in health.lag.items():
        state.add_row(topic, count(lag), "")
    state.add_section()
    for table, keys in health.tables.items():
        state.add_row(table, "", count(keys))
    parts.append(state)
    return Group(*parts)
