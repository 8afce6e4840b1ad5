"""`wirewatch stats` against a real worker that got the sample feed and poisoned messages."""

from __future__ import annotations

import time

import orjson
import pytest

from tests.harness import free_port
from tests.integration.conftest import ROOT, produce

FEED = ROOT / "samples" / "feed.jsonl"
POISON = [
    (b"poison-1", b'{"schema_version": 1, "article_id": "poison-1", "body": '),  # cut-off JSON
    (b"poison-2", b"\xff\xfe\x00binary"),
]
ARTICLES = 9  # the sample feed's ten lines less the empty one, which ingest rejects


def stats(pipeline, *urls: str) -> tuple[int, dict]:
    result = pipeline.run("stats", *(arg for url in urls for arg in ("--url", url)), "--json", timeout=60)
    return result.returncode, orjson.loads(result.stdout)


def test_stats_shows_a_live_workers_health(pipeline):
    worker = pipeline.start_worker()
    url = f"http://127.0.0.1:{worker.web_port}"
    produce(pipeline, "articles.raw", POISON)
    ingested = pipeline.run("ingest", str(FEED))
    assert ingested.returncode == 0, ingested.stderr
    fed_at = time.time()

    # Drained: a gauge sample taken after everything was fed found no lag left. (The worker
    # may not answer for a few seconds while the extract stage loads its model.)
    deadline = time.monotonic() + 120
    while True:
        code, health = stats(pipeline, url)
        (state,) = health["workers"]
        if code == 0:
            clean = next(s for s in health["stages"] if s["name"] == "clean")
            fed = clean["read"] == ARTICLES + len(POISON)
            if fed and state["heartbeat_age"] < time.time() - fed_at and not any(health["consumer_lag"].values()):
                break
        assert time.monotonic() < deadline, health
        time.sleep(1)

    published = [orjson.loads(value) for _, value in pipeline.read_to_end("events.enriched")]
    events = len({event["event_id"] for event in published})
    stages = {stage["name"]: stage for stage in health["stages"]}
    assert list(stages) == ["clean", "extract", "stories", "article_index", "mention_router", "dedup"]
    assert stages["clean"]["dead_lettered"] == len(POISON)
    assert stages["clean"]["out"] == {"articles.clean": ARTICLES, "wirewatch.article-index": ARTICLES}
    assert stages["dedup"]["out"]["events.enriched"] == len(published)
    assert stages["stories"]["out"]["articles.extracted"] == ARTICLES
    for stage in stages.values():
        processing = stage["processing"]
        assert processing["count"] == stage["read"] > 0
        assert 0 < processing["p50"] <= processing["p99"] <= 5
    assert health["dead_letters"] == {"clean": {"malformed_json": 2}}
    assert health["end_to_end"]["count"] == len(published)
    assert 0 < health["end_to_end"]["p50"] <= health["end_to_end"]["p99"] <= 120
    assert health["articles"] == {"unique": ARTICLES - 1, "copy": 1, "copy_share": pytest.approx(1 / ARTICLES)}
    assert health["event_versions"]["created"] == events == health["event_mentions"]["new_event"]
    assert health["event_versions"]["updated"] == len(published) - events
    assert {"articles.raw", "wirewatch.extract-queue", "wirewatch.mentions"} <= set(health["consumer_lag"])
    assert health["table_keys"]["article-entries"] == ARTICLES and health["table_keys"]["event-states"] == events
    assert state["rebalances"] >= 1 and 0 <= state["heartbeat_age"] < 15

    # The terminal view, with a second worker that does not answer: shown, and exit status 1.
    missing = f"http://127.0.0.1:{free_port()}/metrics"
    shown = pipeline.run("stats", "--url", url, "--url", missing)
    assert shown.returncode == 1
    text = " ".join(shown.stdout.split())
    for expected in ("mention_router", "malformed_json", "copies 11.1%", "event-states", "wirewatch.mentions"):
        assert expected in text, shown.stdout
    assert f"{missing} │ unreachable" in text
    assert f"{url}/metrics" in text
