"""A corrected wire item replaces its earlier version downstream: real broker, real worker.

Version 1 of a ninjs item and another outlet's report of the same killing make one
event; version 2 (a corrected toll) then replaces version 1 in it instead of counting
as a second report; version 1 arriving again after version 2, and version 2 sent
again, change nothing; version 3 goes through like version 2 did. Version 4 says the
man was detained, not killed: it moves to an arrest event (another blocking key, so
another partition of the event stage), and the killing keeps only the other report.
"""

from __future__ import annotations

import orjson

from tests.harness import ROOT, latest_versions
from tests.schema_check import validate

FEEDS = ROOT / "tests" / "fixtures" / "feeds"
V1, V2, V3, V4 = (FEEDS / f"ninjs_killing_v{n}.json" for n in (1, 2, 3, 4))
WIRE_ID = orjson.loads(V1.read_bytes())["uri"]
DAILY = {
    "id": "daily-2025-0316-07",
    "source": "Dagestan Daily",
    "url": "https://daily.example/news/2025/0316/07",
    "published": "2025-03-16T12:05:00+03:00",
    "title": "Suleymanov reported dead after siege",
    "body": "The leader of the Khasavyurt militant group, Magomed Suleymanov, was killed on Sunday after a siege "
    "in Khasavyurt, according to local police.\n\nResidents said they heard gunfire and several explosions.",
}


def reporting(events: list[dict], article_id: str) -> list[dict]:
    return [event for event in events if any(s["article_id"] == article_id for s in event["sources"])]


def injured(event: dict) -> int | None:
    return (event["casualties"] or {}).get("injured")


def test_a_corrected_wire_item_replaces_its_earlier_version_and_an_older_one_does_not(pipeline, tmp_path):
    pipeline.start_worker()
    daily = tmp_path / "daily.jsonl"
    daily.write_bytes(orjson.dumps(DAILY) + b"\n")

    def ingest(*paths) -> None:
        result = pipeline.run("ingest", *map(str, paths))
        assert result.returncode == 0, result.stderr

    def latest_when(condition) -> dict[str, dict]:
        published = pipeline.read_json("events.enriched", until=lambda v: condition(latest_versions(v)), timeout=120)
        for event in published:
            validate("events.enriched", event)
        return latest_versions(published)

    ingest(V1, daily)
    before = latest_when(lambda events: any(len(e["sources"]) == 2 for e in reporting(events.values(), WIRE_ID)))
    (event,) = reporting(before.values(), WIRE_ID)
    assert injured(event) == 2

    # The correction, then version 1 again (late) and version 2 again, then a further update.
    ingest(V2, V1, V2)
    ingest(V3)
    after = latest_when(lambda events: any(injured(e) == 6 for e in reporting(events.values(), WIRE_ID)))
    (event,) = reporting(after.values(), WIRE_ID)  # one event reports the wire item: no second one
    assert event["event_id"] in before
    assert sorted(s["article_id"] for s in event["sources"]) == sorted([WIRE_ID, DAILY["id"]])
    assert event["num_articles"] == 2 and event["num_sources"] == 2
    assert not [c for c in event["conflicts"] if c["field"] == "casualties"]  # 2 was corrected, not disputed

    # Every version of the event lists the item once, and the toll never went back to an older version's.
    versions = sorted(
        (e for e in read_all(pipeline, "events.enriched") if e["event_id"] == event["event_id"]),
        key=lambda e: e["version"],
    )
    assert all([s["article_id"] for s in e["sources"]].count(WIRE_ID) == 1 for e in versions if reporting([e], WIRE_ID))
    tolls = [injured(e) for e in versions if reporting([e], WIRE_ID)]
    assert tolls == sorted(tolls) and tolls[-1] == 6 and 5 in tolls

    # The stale and repeated arrivals stopped at the clean stage: each version was cleaned once.
    cleaned = [r for r in read_all(pipeline, "articles.clean") if r["article_id"] == WIRE_ID]
    assert [wounded(r["body"]) for r in cleaned] == ["Two", "Five", "Six"]

    # Detained, not killed: the item now reports an arrest, and the killing is told by the other report alone.
    ingest(V4)
    final = latest_when(lambda events: [e["type"] for e in reporting(events.values(), WIRE_ID)] == ["arrested"])
    assert [s["article_id"] for s in final[event["event_id"]]["sources"]] == [DAILY["id"]]
    assert final[event["event_id"]]["version"] > event["version"]


def read_all(pipeline, topic: str) -> list[dict]:
    return [orjson.loads(value) for _, value in pipeline.read_to_end(topic)]


def wounded(body: str) -> str:
    return next(word for word in ("Two", "Five", "Six") if f"{word} police officers" in body)
