"""What the subscriber tests (test_subscribe, test_web) share: their articles, and a
deployment with one worker for a whole test module.

tests/fixtures/subscribe/articles.jsonl holds six reports of four events, written for
these tests: a killing in Derbent and an arrest in Nalchik (RU), each told by two
outlets in different words and spellings (Rustam Aliyev / Aliev, Timur Kodzoev /
Kodzoyev), an arrest in Istanbul (TR) and a bombing in Batumi (GE).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import orjson

from tests.harness import ROOT, Pipeline, latest_versions
from tests.schema_check import validate

ARTICLES = {
    article["article_id"]: article
    for article in map(orjson.loads, (ROOT / "tests/fixtures/subscribe/articles.jsonl").read_bytes().splitlines())
}
DERBENT_FIRST, DERBENT_SECOND = "sub-cm-0412", "sub-dh-0413"  # two outlets, one killing
NALCHIK, NALCHIK_SECOND = "sub-nb-0413", "sub-kt-0413"  # two outlets, one arrest
ISTANBUL, BATUMI = "sub-ad-0414", "sub-gt-0415"


def ingest(pipeline: Pipeline, *article_ids: str) -> None:
    """Send these fixture articles through `wirewatch ingest`."""
    path = pipeline.workdir / f"articles-{'-'.join(article_ids)}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(ARTICLES[article_id]) + b"\n" for article_id in article_ids))
    result = pipeline.run("ingest", str(path))
    assert result.returncode == 0, result.stderr


def source_ids(event: dict) -> set[str]:
    return {source["article_id"] for source in event["sources"]}


def event_of(events: list[dict] | dict[str, dict], article_id: str) -> dict | None:
    """The event (latest version among these) that this article is a source of."""
    versions = events.values() if isinstance(events, dict) else events
    found = [event for event in versions if article_id in source_ids(event)]
    return max(found, key=lambda event: event["version"]) if found else None


def wait_for_sources(pipeline: Pipeline, *groups: set[str], timeout: float = 120) -> dict[str, dict]:
    """Read events.enriched until, for each group of article ids, one event has them all as sources;
    every message read is checked against the schema. Returns the latest version of each event."""

    def done(values: list[dict]) -> bool:
        latest = latest_versions(values).values()
        return all(any(group <= source_ids(event) for event in latest) for group in groups)

    published = pipeline.read_json("events.enriched", until=done, timeout=timeout)
    for event in published:
        validate("events.enriched", event)
    assert done(published), f"no events with sources {groups} in {timeout}s: {published}"
    return latest_versions(published)


@contextlib.contextmanager
def deployment(kafka: str, workdir: Path) -> Iterator[Pipeline]:
    """An isolated deployment with one worker running all stages and the web server, stopped after."""
    pipeline = Pipeline(kafka, workdir)
    pipeline.env["COLUMNS"] = "200"  # rich output of `wirewatch subscribe`: one line per field
    try:
        pipeline.start_worker()
        yield pipeline
    finally:
        pipeline.stop_all()
