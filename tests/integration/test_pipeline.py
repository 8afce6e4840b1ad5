"""End to end through the real broker and a real worker: the sample feed in, events out."""

import base64

import orjson

from streams.stats import total
from tests.harness import scrape
from tests.integration.conftest import ROOT, latest_versions, produce
from tests.schema_check import validate

FEED = ROOT / "samples" / "feed.jsonl"


def sources_of(event: dict) -> set[str]:
    return {s["article_id"] for s in event["sources"]}


def latest_stories(values: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for story in values:
        if story["version"] >= latest.get(story["story_id"], {"version": 0})["version"]:
            latest[story["story_id"]] = story
    return latest


def test_sample_feed_becomes_deduplicated_events_and_poison_goes_to_the_dead_letter_topic(pipeline):
    pipeline.start_worker()
    poison = [
        (b"poison-1", b'{"schema_version": 1, "article_id": "poison-1", "body": '),  # cut-off JSON
        (b"poison-2", orjson.dumps({"schema_version": 1, "article_id": "poison-2", "body": "no content type"})),
        (b"poison-3", b"\xff\xfe\x00binary"),
    ]
    produce(pipeline, "articles.raw", poison)
    result = pipeline.run("ingest", str(FEED))
    assert result.returncode == 0, result.stderr

    # The Khasavyurt killing is told by four English reports, the Nalchik arrests by two, the
    # Makhachkala bombing by a wire story and its syndicated copy: wait until all have merged.
    def all_reports_merged(values):
        told = [(e["type"], sources_of(e)) for e in latest_versions(values).values()]
        return (
            any(kind == "killed" and len(sources) >= 4 for kind, sources in told)
            and any(kind == "arrested" and len(sources) >= 2 for kind, sources in told)
            and any("sample-portal-118" in sources for _, sources in told)
        )

    published = pipeline.read_json("events.enriched", until=all_reports_merged, timeout=120)
    for event in published:
        validate("events.enriched", event)
    events = latest_versions(published)
    told = sorted(f"{e['type']}: {sorted(sources_of(e))}" for e in events.values())

    killings = [e for e in events.values() if e["type"] == "killed"]
    assert len(killings) == 1, told
    (killing,) = killings
    assert {"sample-wire-001", "sample-daily-014", "sample-intl-221"} <= sources_of(killing), told
    assert killing["num_sources"] >= 3
    assert killing["location"]["canonical"] == "Khasavyurt" and killing["location"]["country_code"] == "RU"
    assert killing["time"]["start"] == "2015-03-15"
    assert any("Suleimanov" in a["name"] or "Suleymanov" in a["name"] for a in killing["actors"])
    assert killing["version"] == max(e["version"] for e in published if e["event_id"] == killing["event_id"])

    (bombing,) = [e for e in events.values() if e["type"] == "bombing"]
    assert "sample-portal-118" in sources_of(bombing), told
    copy = next(s for s in bombing["sources"] if s["article_id"] == "sample-portal-118")
    assert copy["duplicate_of"] == "sample-wire-003"

    (arrest,) = [e for e in events.values() if e["type"] == "arrested"]
    assert sources_of(arrest) == {"sample-wire-002", "sample-region-031"}

    # Stories: the killing's three news reports share one story, the arrests' two reports
    # another, on stories.enriched (which lists each event once the event stage has told it)
    # and on events.enriched. (The commentary piece on the killing, and the bombing, may or
    # may not join a story of nine short articles, depending on the order they arrive in.)
    news = ("sample-wire-001", "sample-daily-014", "sample-intl-221")

    def story_of(values) -> dict[str, dict]:
        return {article_id: story for story in latest_stories(values).values() for article_id in story["article_ids"]}

    def stories_told(values):
        found = story_of(values)
        return len(found) == 9 and killing["event_id"] in found["sample-wire-001"]["event_ids"]

    published_stories = pipeline.read_json("stories.enriched", until=stories_told, timeout=60)
    for story in published_stories:
        validate("stories.enriched", story)
    stories = latest_stories(published_stories)
    found = story_of(published_stories)
    killing_story = found["sample-wire-001"]["story_id"]
    assert {found[article_id]["story_id"] for article_id in news} == {killing_story}
    assert killing_story in killing["story_ids"]
    assert "Khasavyurt" in stories[killing_story]["places"]
    arrest_story = found["sample-wire-002"]["story_id"]
    assert found["sample-region-031"]["story_id"] == arrest_story != killing_story
    assert arrest["story_ids"] == [arrest_story]
    # A subscriber of the stories sees each version once, and ends with the stories' latest state.
    followed = pipeline.run("subscribe", "--stories", "--json", "--idle-exit", "3", timeout=120)
    assert followed.returncode == 0, followed.stderr
    versions = [orjson.loads(line) for line in followed.stdout.splitlines()]
    assert len({(story["story_id"], story["version"]) for story in versions}) == len(versions)
    followed_killing = latest_stories(versions)[killing_story]
    assert followed_killing["version"] >= stories[killing_story]["version"]
    assert followed_killing["article_ids"] == stories[killing_story]["article_ids"]

    dead = pipeline.read_json("articles.dlq", until=lambda v: len(v) >= 4, timeout=60)
    for record in dead:
        validate("articles.dlq", record)
    by_key = {r["key"] or r["article_id"]: r for r in dead}
    assert by_key["poison-1"]["stage"] == "clean" and by_key["poison-1"]["reason"] == "malformed_json"
    assert base64.b64decode(by_key["poison-1"]["original"]) == poison[0][1]
    assert by_key["poison-2"]["reason"] == "schema_violation" and "content_type" in by_key["poison-2"]["error"]
    assert by_key["poison-3"]["reason"] == "malformed_json"
    assert by_key["sample-empty-009"]["stage"] == "ingest" and by_key["sample-empty-009"]["reason"] == "empty_body"

    # Every stage published what it should have, valid against its schema (the poisoned
    # messages were written to articles.raw by hand, past ingest's validation).
    ingested = [value for key, value in pipeline.read_to_end("articles.raw") if not key.startswith(b"poison-")]
    assert len(ingested) == 9
    for value in ingested:
        validate("articles.raw", orjson.loads(value))
    for topic in ("articles.clean", "articles.extracted"):
        values = pipeline.read_json(topic, until=lambda v: len(v) >= 9, timeout=30)
        assert len(values) == 9
        for value in values:
            validate(topic, value)
    # Every extracted article names its story, the one stories.enriched lists it in.
    assert {value["article_id"]: value["story_id"] for value in values} == {
        article_id: story["story_id"] for story in stories.values() for article_id in story["article_ids"]
    }

    metrics = scrape(pipeline.workers[0].web_port)
    assert metrics[("wirewatch_messages_failed_total", (("reason", "malformed_json"), ("stage", "clean")))] == 2
    assert metrics[("wirewatch_messages_failed_total", (("reason", "schema_violation"), ("stage", "clean")))] == 1
    assert metrics[("wirewatch_messages_in_total", (("stage", "clean"),))] == 12  # 9 articles + 3 poisoned
    assert metrics[("wirewatch_messages_out_total", (("stage", "dedup"), ("topic", "events.enriched")))] == len(
        published
    )
    assert total(metrics, "wirewatch_messages_failed_total", reason="stage_error") == 0


def test_the_extract_stage_works_ahead_yet_dead_letters_and_sends_message_by_message(pipeline):
    """The extract stage hands articles to its child process ahead of finishing them: a bad
    message among them is dead-lettered on its own and the ones around it go on."""
    from agents.logic.clean import clean_article
    from bench.stream_generator import generate

    first, second = (clean_article(report.record) for report in generate(2)[:2])
    pipeline.start_worker(stages="extract,stories")
    queued = [
        (b"story", orjson.dumps({"clean": first, "duplicate_of": None})),
        (b"story", b'{"clean": '),  # cut off
        (b"story", orjson.dumps({"clean": {"article_id": "no-body"}, "duplicate_of": None})),
        (b"story", orjson.dumps({"clean": second, "duplicate_of": None})),
    ]
    produce(pipeline, "wirewatch.extract-queue", queued)

    extracted = pipeline.read_json("articles.extracted", until=lambda v: len(v) >= 2, timeout=120)
    assert sorted(record["article_id"] for record in extracted) == sorted([first["article_id"], second["article_id"]])
    for record in extracted:
        validate("articles.extracted", record)
    dead = pipeline.read_json("articles.dlq", until=lambda v: len(v) >= 2, timeout=30)
    assert [(record["stage"], record["reason"]) for record in dead] == [
        ("extract", "malformed_json"),
        ("extract", "stage_error"),
    ]
    assert base64.b64decode(dead[0]["original"]) == queued[1][1]
    assert "KeyError" in dead[1]["error"]
