"""A corrected wire item replaces its earlier version: the clean stage's check, and the event store."""

from __future__ import annotations

from agents.logic.dedup import Deduplicator, EventStore
from agents.logic.revisions import admit, mark
from tests.schema_check import errors
from tests.unit.test_dedup import article, day, mention, person, town

RECEIVED = "2025-03-16T08:11:00+00:00"


def raw(version: int | None = None, created: str | None = None, received: str = RECEIVED) -> dict:
    record = {"article_id": "cw-0431", "received_at": received, "version": version, "version_created_at": created}
    return {key: value for key, value in record.items() if value is not None}


def test_the_first_arrival_a_redelivery_and_a_newer_version_go_on():
    assert admit(None, raw(1))
    seen = mark(raw(1))
    assert admit(seen, raw(1))  # the same message again: a redelivery
    assert admit(seen, raw(2, received="2025-03-16T09:30:00+00:00"))


def test_an_older_version_or_the_same_version_sent_again_stops():
    seen = mark(raw(2, "2025-03-16T09:25:00Z", received="2025-03-16T09:30:00+00:00"))
    assert not admit(seen, raw(1, "2025-03-16T08:10:00Z", received="2025-03-16T09:31:00+00:00"))
    assert not admit(seen, raw(2, "2025-03-16T09:25:00Z", received="2025-03-16T09:32:00+00:00"))
    assert not admit(seen, raw(None, "2025-03-17T00:00:00Z", received="2025-03-16T09:33:00+00:00"))


def test_without_a_number_a_later_version_time_is_newer_and_without_either_there_is_one_version():
    seen = mark(raw(None, "2025-03-16T08:10:00Z"))
    assert admit(seen, raw(None, "2025-03-16T11:10:00+02:00", received="2025-03-16T09:00:00+00:00"))
    assert not admit(seen, raw(None, "2025-03-16T10:10:00+02:00", received="2025-03-16T09:00:00+00:00"))
    assert not admit(mark(raw()), raw(received="2025-03-16T09:00:00+00:00"))


def killing(received: str, injured: int, *, name: str = "Magomed Suleimanov", when: str = "2015-03-15") -> dict:
    sentence = f"{name} was killed in Khasavyurt; {injured} officers were wounded."
    report = article(
        "cw-0431",
        mention(
            actors=(person(name),),
            location=town("Khasavyurt"),
            time=day(when),
            casualties={"killed": 1, "injured": injured, "arrested": None},
            sentence=sentence,
        ),
        source="Caspian Wire",
        published="2015-03-16T08:10:00+00:00",
    )
    return {**report, "received_at": received}


def other_report() -> dict:
    return article(
        "daily-14",
        mention(actors=(person("Suleimanov"),), location=town("Khasavyurt"), time=day("2015-03-15")),
        published="2015-03-16T12:00:00+00:00",
    )


def sources(event: dict) -> list[str]:
    return [source["article_id"] for source in event["sources"]]


def test_a_newer_version_replaces_the_earlier_one_in_its_event():
    dedup = Deduplicator()
    (first,) = dedup.process(killing("2015-03-16T08:11:00+00:00", 2, name="Magomed Suleymanov")).events
    (with_other,) = dedup.process(other_report()).events
    (corrected,) = dedup.process(killing("2015-03-16T09:30:00+00:00", 5)).events
    assert not errors("events.enriched", corrected)
    assert corrected["event_id"] == first["event_id"] and corrected["version"] == with_other["version"] + 1
    assert sorted(sources(corrected)) == ["cw-0431", "daily-14"] and corrected["num_articles"] == 2
    assert corrected["casualties"] == {"killed": 1, "injured": 5}
    assert not [c for c in corrected["conflicts"] if c["field"] == "casualties"]  # 2 is gone, not disputed
    wire = next(s for s in corrected["sources"] if s["article_id"] == "cw-0431")
    assert "5 officers" in wire["sentence"]
    # The misspelling came with the earlier version only, and went with it.
    assert corrected["actors"][0]["variants"] == ["Magomed Suleimanov", "Suleimanov"]


def test_a_redelivered_earlier_version_changes_nothing():
    store = EventStore({})
    old, new = killing("2015-03-16T08:11:00+00:00", 2), killing("2015-03-16T09:30:00+00:00", 5)
    store.merge(old["events"][0], old)
    corrected, _ = store.merge(new["events"][0], new)
    again, created = store.merge(old["events"][0], old)
    assert (again, created) == (corrected, False)


def test_a_newer_version_reporting_another_event_leaves_the_earlier_ones():
    dedup = Deduplicator()
    (before,) = dedup.process(killing("2015-03-16T08:11:00+00:00", 2, when="2015-03-15")).events
    dedup.process(other_report())
    # The correction moves the killing to a week later: another event; the first loses the wire item.
    moved, withdrawn = dedup.process(killing("2015-03-16T09:30:00+00:00", 2, when="2015-03-22")).events
    assert moved["event_id"] != before["event_id"] and sources(moved) == ["cw-0431"]
    assert withdrawn["event_id"] == before["event_id"] and sources(withdrawn) == ["daily-14"]

    # An event the earlier version alone reported keeps it: an event never has no report.
    alone = Deduplicator()
    alone.process(killing("2015-03-16T08:11:00+00:00", 2, when="2015-03-15"))
    (moved,) = alone.process(killing("2015-03-16T09:30:00+00:00", 2, when="2015-03-22")).events
    assert sources(moved) == ["cw-0431"]
