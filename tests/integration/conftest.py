"""Fixtures over the real-broker harness (tests/harness.py): one Kafka broker per test
session, and an isolated wirewatch deployment (own topics, group and state) per test.
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.harness import ROOT, HarnessError, Pipeline, latest_versions, produce, start_broker, stop_broker

__all__ = ["ROOT", "Pipeline", "latest_versions", "produce"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> str:
    state = tmp_path_factory.mktemp("kafka")
    started = time.monotonic()
    try:
        bootstrap = start_broker(state)
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    print(f"\nkafka broker {bootstrap} ready in {time.monotonic() - started:.1f}s", file=sys.stderr)
    yield bootstrap
    stop_broker(state)


@pytest.fixture
def pipeline(kafka, tmp_path):
    p = Pipeline(kafka, tmp_path)
    yield p
    p.stop_all()


@pytest.fixture(scope="session")
def secure_kafka(kafka, tmp_path_factory):
    """A broker with one SASL_SSL listener and ACLs enforced (the shared one when it is already so)."""
    if kafka.secure:
        yield kafka
        return
    state = tmp_path_factory.mktemp("kafka-sasl-ssl")
    try:
        broker = start_broker(state, security="sasl_ssl")
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield broker
    stop_broker(state)
