"""The operators' view, tested against a real Prometheus scraping a real worker.

The worker gets the sample feed (with a syndicated copy and an empty article) and three
poisoned messages; a Prometheus started from Debian's package, configured from
deploy/prometheus/prometheus.yml with the alert rules loaded, scrapes it every second.
Then every PromQL expression of the Grafana dashboard and of the alert rules is read out
of deploy/ and run through Prometheus' HTTP API, and what comes back must be plausible:
counts equal to what was fed, shares and latencies within bounds, the right alerts firing.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
import yaml

from streams.stats import gather, parse, values
from tests.harness import free_port
from tests.integration.conftest import ROOT, produce

FEED = ROOT / "samples" / "feed.jsonl"
DEPLOY = ROOT / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
DASHBOARD = json.loads((DEPLOY / "grafana" / "dashboards" / "wirewatch.json").read_text())
ALERT_RULES = [
    rule for group in yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())["groups"] for rule in group["rules"]
]
POISON = [
    (b"poison-1", b'{"schema_version": 1, "article_id": "poison-1", "body": '),  # cut-off JSON
    (b"poison-2", orjson.dumps({"schema_version": 1, "article_id": "poison-2", "body": "no content type"})),
    (b"poison-3", b"\xff\xfe\x00binary"),
]
ARTICLES = 9  # the sample feed's ten lines less the empty one, which ingest rejects
COPIES = 1  # sample-portal-118 is a syndicated copy of sample-wire-003
REFUSED_POSTS = 2


def wait_for(condition, timeout: float, what: str):
    """Poll `condition` until it returns something true; that is returned."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


class Prometheus:
    """A real Prometheus on a free loopback port, scraping the given targets every second."""

    def __init__(self, workdir: Path, targets: list[str]):
        config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
        config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
        config["rule_files"] = [str(PROMETHEUS_DIR / name) for name in config["rule_files"]]
        (job,) = config["scrape_configs"]
        job["static_configs"] = [{"targets": targets}]
        self.job = job["job_name"]
        config_path = workdir / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config))
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = workdir / "prometheus.log"
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config_path}",
                    f"--storage.tsdb.path={workdir / 'tsdb'}",
                    f"--web.listen-address={self.url.removeprefix('http://')}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started = time.monotonic()
        self.client = httpx.Client(base_url=self.url, timeout=10)
        wait_for(self.ready, 60, "Prometheus to be ready")

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"prometheus exited:\n{self.log_path.read_text()[-3000:]}")
        try:
            return self.client.get("/-/ready").status_code == 200
        except httpx.TransportError:
            return False

    def api(self, path: str, **params) -> dict:
        body = self.client.get(f"/api/v1/{path}", params=params).json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[tuple[dict[str, str], float]]:
        """An instant query at now: (labels, value) of each series of the vector."""
        data = self.api("query", query=expr)
        assert data["resultType"] == "vector", (expr, data)
        return [(series["metric"], float(series["value"][1])) for series in data["result"]]

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def prometheus_for(tmp_path):
    started: list[Prometheus] = []

    def start(*ports: int) -> Prometheus:
        workdir = tmp_path / "prometheus"
        workdir.mkdir()
        started.append(Prometheus(workdir, [f"127.0.0.1:{port}" for port in ports]))
        return started[-1]

    yield start
    for prometheus in started:
        prometheus.stop()


def by(label: str, series: list[tuple[dict[str, str], float]]) -> dict[str, float]:
    return {labels[label]: value for labels, value in series}


def assert_counts(series, label: str, expected: dict[str, float]) -> None:
    """increase() over a window reaching before the first sample extrapolates only towards its
    end (a counter never below zero): it may exceed the true count a little, never fall short."""
    got = by(label, series)
    assert set(got) == set(expected), (got, expected)
    for key, count in expected.items():
        assert count <= got[key] <= count * 1.1 + 1e-9, (key, got[key], count)


def test_dashboard_and_alert_expressions_on_a_real_prometheus_scraping_a_real_worker(pipeline, prometheus_for):
    worker = pipeline.start_worker()
    prometheus = prometheus_for(worker.web_port)
    # Counters must be scraped at zero before the first message, so that increase() sees it all.
    wait_for(lambda: prometheus.query('wirewatch_messages_in_total{stage="clean"} == 0'), 30, "a first scrape")

    produce(pipeline, "articles.raw", POISON)
    # POST /ingest is off on this worker (no token set): each is refused with 503, bodies unread.
    for _ in range(REFUSED_POSTS):
        answer = httpx.post(f"http://127.0.0.1:{worker.web_port}/ingest", content=b"{}")
        assert answer.status_code == 503, answer.text
    ingested = pipeline.run("ingest", str(FEED))
    assert ingested.returncode == 0, ingested.stderr
    fed_at = time.time()

    # Drained: the worker sampled its lag after everything was fed and found none left.
    wait_for(
        lambda: (
            prometheus.query(f"wirewatch_worker_heartbeat_seconds > {fed_at}")
            and prometheus.query("sum(wirewatch_consumer_lag) == 0")
            and prometheus.query(f'wirewatch_messages_in_total{{stage="clean"}} == {ARTICLES + len(POISON)}')
        ),
        120,
        "the worker to drain its input",
    )
    published = [orjson.loads(value) for _, value in pipeline.read_to_end("events.enriched")]
    events = len({event["event_id"] for event in published})
    assert events >= 3 and len(published) > events  # three events at least, some told by several reports
    wait_for(
        lambda: prometheus.query(f"sum(wirewatch_event_versions_total) == {len(published)}"), 30, "the last scrape"
    )
    # Rates need a few samples, and increase() extrapolates less the longer the series.
    wait_for(
        lambda: prometheus.query("count_over_time(wirewatch_worker_heartbeat_seconds[5m]) >= 30"),
        60,
        "30 seconds of samples",
    )
    own = parse(httpx.get(f"http://127.0.0.1:{worker.web_port}/metrics").text)
    stages = set(values(own, "wirewatch_messages_in_total", "stage"))
    merged = values(own, "wirewatch_event_mentions_total", "outcome")["merged"]
    dashboard_range = f"{math.ceil(time.monotonic() - prometheus.started) + 5}s"

    def check_messages_in_rate(results):
        (series,) = results
        assert set(by("stage", series)) == stages and all(v > 0 for v in by("stage", series).values())

    def check_messages_out_rate(results):
        (series,) = results
        assert {labels["stage"] for labels, _ in series} == stages
        assert {labels["topic"] for labels, _ in series} >= {"articles.clean", "articles.extracted", "events.enriched"}
        assert all(value > 0 for _, value in series)

    def check_end_to_end(results):
        (p50,), (p99,) = results
        assert 0 < p50[1] <= p99[1] <= 120, (p50, p99)

    def check_processing(results):
        p50, p99 = (by("stage", series) for series in results)
        assert set(p50) == set(p99) == stages
        assert all(0 < p50[s] <= p99[s] <= 5 for s in stages), (p50, p99)

    def check_dead_letter_rate(results):
        (series,) = results
        assert {(labels["stage"], labels["reason"]) for labels, _ in series} == {
            ("clean", "malformed_json"),
            ("clean", "schema_violation"),
        }

    def check_dead_letters_by_reason(results):
        (series,) = results
        expected = dict.fromkeys(by("reason", series), 0) | {"malformed_json": 2, "schema_violation": 1}
        assert_counts(series, "reason", expected)
        assert {"stage_error", "empty_body"} <= set(expected)  # every reason is shown, failing or not

    def check_dead_letter_share(results):
        (series,) = results
        shares = by("stage", series)
        assert set(shares) == stages
        assert shares.pop("clean") == pytest.approx(len(POISON) / (ARTICLES + len(POISON)))
        assert set(shares.values()) == {0}

    def check_copy_share(results):
        (((_, share),),) = results
        assert share == pytest.approx(COPIES / ARTICLES)

    def check_merge_share(results):
        (((_, share),),) = results
        assert share == pytest.approx(merged / (merged + events))

    def check_versions_rate(results):
        (series,) = results
        assert set(by("change", series)) == {"created", "updated"}
        assert all(value > 0 for _, value in series)

    def check_messages_in(results):
        (series,) = results
        expected = values(own, "wirewatch_messages_in_total", "stage")
        assert expected["clean"] == ARTICLES + len(POISON)
        assert_counts(series, "stage", expected)

    def check_articles_indexed(results):
        (series,) = results
        assert_counts(series, "outcome", {"unique": ARTICLES - COPIES, "copy": COPIES})

    def check_mentions(results):
        (series,) = results
        assert_counts(series, "outcome", {"new_event": events, "merged": merged})

    def check_versions(results):
        (series,) = results
        assert_counts(series, "change", {"created": events, "updated": len(published) - events})

    def check_lag(results):
        (series,) = results
        lag = by("topic", series)
        assert set(lag) == set(values(own, "wirewatch_consumer_lag", "topic"))
        assert {"articles.raw", "articles.extracted", "wirewatch.mentions"} <= set(lag)
        assert set(lag.values()) == {0}

    def check_table_keys(results):
        (series,) = results
        assert by("table", series) == values(own, "wirewatch_table_keys", "table")
        assert by("table", series)["article-entries"] == ARTICLES
        assert all(keys > 0 for keys in by("table", series).values())

    def check_fresh_workers(results):
        (((_, workers),),) = results
        assert workers == 1

    def check_heartbeat_age(results):
        (((labels, age),),) = results
        assert labels["instance"] == f"127.0.0.1:{worker.web_port}" and 0 <= age < 15

    def check_rebalances_completed(results):
        (((_, rebalances),),) = results
        assert rebalances >= 0

    def check_rebalances_in_progress(results):
        (((_, rebalancing),),) = results
        assert rebalancing == 0

    def check_http_refused(results):
        (series,) = results
        refused = by("status", series)
        assert set(refused) == {"401", "503"}
        assert refused["503"] > 0 and refused["401"] == 0

    def check_event_streams(results):
        ((_, streams_open),), dropped = results
        assert streams_open == 0  # nobody follows the stream here
        assert set(by("reason", dropped)) == {"slow", "backlog", "full"}
        assert set(by("reason", dropped).values()) == {0}

    checks = {
        "Messages in per second, by stage": check_messages_in_rate,
        "Messages out per second, by stage and topic": check_messages_out_rate,
        "End-to-end latency p50 / p99 (ingest to published event)": check_end_to_end,
        "Processing time p50 / p99, by stage": check_processing,
        "Dead-lettered per second, by stage and reason": check_dead_letter_rate,
        "Dead letters by reason (dashboard range)": check_dead_letters_by_reason,
        "Share of input dead-lettered, by stage": check_dead_letter_share,
        "Article copies (share of articles indexed)": check_copy_share,
        "Event mentions merged into an existing event (share)": check_merge_share,
        "Event versions per second: created vs updated": check_versions_rate,
        "Messages in by stage (dashboard range)": check_messages_in,
        "Articles indexed: unique vs copy (dashboard range)": check_articles_indexed,
        "Event mentions: new event vs merged (dashboard range)": check_mentions,
        "Event versions: created vs updated (dashboard range)": check_versions,
        "Consumer lag by topic": check_lag,
        "Table keys": check_table_keys,
        "Workers with a fresh heartbeat": check_fresh_workers,
        "Heartbeat age per worker": check_heartbeat_age,
        "Rebalances completed per 5 minutes": check_rebalances_completed,
        "Rebalances in progress": check_rebalances_in_progress,
        "HTTP requests refused before their body": check_http_refused,
        "Event streams (SSE)": check_event_streams,
    }
    # Every panel has its plausibility check, and every check its panel.
    assert sorted(checks) == sorted(panel["title"] for panel in DASHBOARD["panels"])

    for panel in DASHBOARD["panels"]:
        unit = panel["fieldConfig"]["defaults"]["unit"]
        results = []
        for target in panel["targets"]:
            expr = target["expr"].replace("$__range", dashboard_range)
            assert "$" not in expr, f"a Grafana variable the test does not set: {expr}"
            series = prometheus.query(expr)
            assert series, f"{panel['title']}: no data for {expr}"
            for labels, value in series:
                assert math.isfinite(value) and value >= 0, (panel["title"], labels, value)
                assert unit != "percentunit" or value <= 1, (panel["title"], labels, value)
                assert unit != "s" or value < 120, (panel["title"], labels, value)
                for label in re.findall(r"{{\s*(\w+)\s*}}", target.get("legendFormat", "")):
                    assert label in labels, f"{panel['title']}: legend label {label} missing from {labels}"
            results.append(series)
        checks[panel["title"]](results)

    # The alert rules: loaded and evaluated without error, and firing on what is wrong here.
    expected_firing = {
        "WirewatchStageStalled": [],
        "WirewatchDeadLettersGrowing": [{"stage": "clean"}],  # 3 of 12 messages poisoned
        "WirewatchStageErrors": [],
        "WirewatchConsumerLagGrowing": [],
        "WirewatchWorkerDown": [],
        "WirewatchHeartbeatStale": [],
    }
    assert sorted(expected_firing) == sorted(rule["alert"] for rule in ALERT_RULES)
    for rule in ALERT_RULES:
        firing = [labels for labels, _ in prometheus.query(rule["expr"])]
        assert firing == expected_firing[rule["alert"]], (rule["alert"], firing)
    (dead_letters,) = prometheus.query(
        next(r["expr"] for r in ALERT_RULES if r["alert"] == "WirewatchDeadLettersGrowing")
    )
    assert len(POISON) <= dead_letters[1] <= len(POISON) * 1.1

    def rules_evaluated():
        (group,) = prometheus.api("rules")["groups"]
        never = "0001-01-01T00:00:00Z"  # Go's zero time
        return all(rule["lastEvaluation"] != never for rule in group["rules"]) and group

    group = wait_for(rules_evaluated, 30, "every rule to be evaluated")
    assert sorted(rule["name"] for rule in group["rules"]) == sorted(expected_firing)
    assert all(rule["health"] == "ok" and not rule.get("lastError") for rule in group["rules"]), group["rules"]
    alerts = {alert["labels"]["alertname"]: alert for alert in prometheus.api("alerts")["alerts"]}
    assert set(alerts) == {"WirewatchDeadLettersGrowing"}
    assert alerts["WirewatchDeadLettersGrowing"]["state"] == "pending"  # for: 5m

    # `wirewatch stats` estimates the quantiles from the buckets as histogram_quantile does.
    health = gather([f"http://127.0.0.1:{worker.web_port}"])
    histograms = [(f'wirewatch_processing_seconds_bucket{{stage="{s.name}"}}', s.processing) for s in health.stages]
    for selector, latency in [*histograms, ("wirewatch_end_to_end_seconds_bucket", health.end_to_end)]:
        for q, estimate in ((0.5, latency.p50), (0.99, latency.p99)):
            ((_, value),) = prometheus.query(f"histogram_quantile({q}, {selector})")
            assert estimate == pytest.approx(value), (selector, q)
    print(
        f"\nend to end p50 {health.end_to_end.p50:.2f}s p99 {health.end_to_end.p99:.2f}s; processing p99 "
        + ", ".join(f"{s.name} {s.processing.p99 * 1000:.1f}ms" for s in health.stages),
        file=sys.stderr,
    )

    # A worker that stops answering is down.
    pipeline.stop_worker(worker)
    worker_down = next(r["expr"] for r in ALERT_RULES if r["alert"] == "WirewatchWorkerDown")
    (down,) = wait_for(lambda: prometheus.query(worker_down), 30, "the worker to be seen down")
    assert down[0] == {"__name__": "up", "job": prometheus.job, "instance": f"127.0.0.1:{worker.web_port}"}


def test_alert_rules_fire_in_their_scenarios_and_the_configuration_is_valid():
    """promtool (from the same Debian package) checks the configuration and replays the
    scenarios of deploy/prometheus/alerts_test.yml: each alert fires on its trouble only."""
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    checked = subprocess.run([promtool, "check", "config", "prometheus.yml"], cwd=PROMETHEUS_DIR, capture_output=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=PROMETHEUS_DIR, capture_output=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr

    # docker-compose mounts every rule file where prometheus.yml looks for it.
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = dict(volume.split(":")[:2] for volume in compose["services"]["prometheus"]["volumes"])
    config_dir = Path(mounts["./deploy/prometheus/prometheus.yml"]).parent
    rule_files = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())["rule_files"]
    assert {mounts[f"./deploy/prometheus/{name}"] for name in rule_files} == {str(config_dir / n) for n in rule_files}
