"""The pipeline on every tested Apache Kafka release, not only the one the suite runs on.

The session's broker runs KAFKA_VERSION (scripts/kafka.sh's default unless set) and the
whole suite with it; here each other release in WIREWATCH_TEST_KAFKA_VERSIONS gets a
broker of its own and the essential path: a worker, the sample feed in, its events out
and a subscriber shown each version once. Kafka 4 dropped old protocol versions, so this
is where a client too old for it would show.
"""

import os

import orjson
import pytest

from tests.harness import ROOT, Pipeline, latest_versions, start_broker, stop_broker
from tests.schema_check import validate

TESTED = os.environ.get("WIREWATCH_TEST_KAFKA_VERSIONS", "3.9.1 4.4.0").split()
FEED = ROOT / "samples" / "feed.jsonl"


@pytest.mark.parametrize("version", TESTED)
def test_the_sample_feed_runs_end_to_end_on_kafka(version, kafka, tmp_path):
    if kafka.version == version:
        pytest.skip(f"the whole suite runs on Kafka {version}")
    state = tmp_path / "kafka"
    broker = start_broker(state, version=version)
    pipeline = Pipeline(broker, tmp_path / "run")
    try:
        assert broker.version == version
        pipeline.start_worker()
        ingest = pipeline.run("ingest", str(FEED))
        assert ingest.returncode == 0, ingest.stderr

        def killing_merged(values):
            told = latest_versions(values).values()
            return any(e["type"] == "killed" and len(e["sources"]) >= 4 for e in told)

        published = pipeline.read_json("events.enriched", until=killing_merged, timeout=180)
        assert killing_merged(published)
        for event in published:
            validate("events.enriched", event)
        subscribed = pipeline.run("subscribe", "--json", "--idle-exit", "3")
        assert subscribed.returncode == 0, subscribed.stderr
        delivered = [orjson.loads(line) for line in subscribed.stdout.splitlines()]
        pairs = [(e["event_id"], e["version"]) for e in delivered]
        assert len(pairs) == len(set(pairs))
        assert {e["event_id"] for e in delivered} >= set(latest_versions(published))
    finally:
        pipeline.stop_all()
        stop_broker(state)
