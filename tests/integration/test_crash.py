"""Nothing lost, nothing published twice: a worker killed mid-stream, the broker restarted mid-stream."""

import pytest

from bench.stream_generator import generate
from tests import crash
from tests.harness import start_broker, stop_broker
from tests.schema_check import validate

EVENTS = 120  # about 600 articles: long enough to strike mid-stream, short enough for CI


@pytest.fixture(scope="module")
def stream():
    return [report.record for report in generate(EVENTS, seed=11)]


@pytest.fixture(scope="module")
def reference(kafka, stream, tmp_path_factory):
    """The same stream without any disruption."""
    return crash.run(kafka, tmp_path_factory.mktemp("reference"), stream)


def assert_same_outcome(outcome, reference, stream):
    for event in outcome.events.values():
        validate("events.enriched", event)
    assert not outcome.problems(reference, stream)


def test_reference_run_accounts_for_every_article(reference, stream):
    assert reference.articles_extracted == {r["article_id"] for r in stream}
    assert not reference.articles_dead_lettered
    assert len(reference.events) >= EVENTS * 0.9


def test_worker_killed_mid_stream_and_restarted(kafka, stream, reference, tmp_path):
    outcome = crash.run(kafka, tmp_path, stream, disrupt=crash.kill_worker)
    assert 0 < outcome.disruption_at < len(stream)
    assert_same_outcome(outcome, reference, stream)


def test_broker_restarted_mid_stream(stream, reference, tmp_path):
    state = tmp_path / "kafka"
    bootstrap = start_broker(state)  # its own broker: the shared one stays up for the other tests
    try:
        outcome = crash.run(bootstrap, tmp_path / "run", stream, disrupt=crash.restart_broker(state))
    finally:
        stop_broker(state)
    assert 0 < outcome.disruption_at < len(stream)
    assert_same_outcome(outcome, reference, stream)
