"""Subscriber-side logic without Kafka: filters, start times, one-version-once delivery, update rendering,
and the worker's bounded view of the latest events."""

import asyncio
import copy
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from streams.filters import EventFilter, EventGate, FilterError, parse_when
from streams.render import event_panel, what_changed
from tests.schema_check import validate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def source(article_id: str, outlet: str) -> dict:
    return {
        "article_id": article_id,
        "outlet": outlet,
        "url": f"https://{outlet.split()[0].lower()}.example/{article_id}",
        "published_at": "2015-03-16T08:40:00+03:00",
        "sentence": "Security forces killed militant commander Magomed Suleimanov in Khasavyurt on Sunday.",
        "duplicate_of": None,
    }


def make_event(event_id: str = "ev_35fd4013f647ca42", version: int = 1, **changes) -> dict:
    event = {
        "schema_version": 1,
        "event_id": event_id,
        "version": version,
        "type": "killed",
        "summary": "Magomed Suleimanov killed in Khasavyurt, Dagestan, RU on 2015-03-15 — 1 report from 1 outlet",
        "actors": [
            {
                "id": "per_suleimanov_mahomed",
                "name": "Magomed Suleimanov",
                "variants": ["Magomed Suleimanov", "Suleimanov"],
                "kind": "person",
                "role": "victim",
            }
        ],
        "location": {
            "reported": "Khasavyurt",
            "canonical": "Khasavyurt",
            "geonameid": 550478,
            "admin1": "Dagestan",
            "country_code": "RU",
            "lat": 43.24872,
            "lon": 46.58571,
            "precision": "town",
        },
        "time": {"start": "2015-03-15", "end": "2015-03-15", "precision": "day", "text": "on Sunday"},
        "casualties": {"killed": 1},
        "certainty": "reported",
        "attributed_to": ["the NAK"],
        "sources": [source("sample-wire-001", "North Caucasus Wire")],
        "num_articles": 1,
        "num_sources": 1,
        "first_reported_at": "2015-03-16T08:40:00+03:00",
        "last_updated_at": "2026-03-01T11:00:00+00:00",
        "conflicts": [],
    }
    event.update(changes)
    return event


def corroborated(event: dict) -> dict:
    """The next version of `event`: a second outlet's report added."""
    later = copy.deepcopy(event)
    later["version"] += 1
    later["sources"].append(source("sample-daily-014", "Dagestan Daily"))
    later["num_articles"] = later["num_sources"] = 2
    later["last_updated_at"] = "2026-03-01T11:05:00+00:00"
    return later


def test_the_test_events_are_valid_enriched_events():
    validate("events.enriched", make_event())
    validate("events.enriched", corroborated(make_event()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("2h", NOW - timedelta(hours=2)),
        ("30m ago", NOW - timedelta(minutes=30)),
        ("7d", NOW - timedelta(days=7)),
        ("1.5h", NOW - timedelta(hours=1.5)),
        ("2015-03-16", datetime(2015, 3, 16, tzinfo=UTC)),
        ("2015-03-16T08:40:00+03:00", datetime(2015, 3, 16, 5, 40, tzinfo=UTC)),
        ("2015-03-16T08:40:00Z", datetime(2015, 3, 16, 8, 40, tzinfo=UTC)),
        ("2015-03-16T08:40:00", datetime(2015, 3, 16, 8, 40, tzinfo=UTC)),  # no offset: UTC
    ],
)
def test_parse_when_reads_dates_times_and_durations_back_from_now(text, expected):
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday-ish", "2h from now", "", "2015-13-40"])
def test_parse_when_refuses_what_it_cannot_read_and_says_what_it_takes(text):
    with pytest.raises(FilterError, match="ISO 8601"):
        parse_when(text, NOW)


def test_the_empty_filter_lets_everything_through():
    assert EventFilter().matches(make_event())
    assert EventFilter.build().matches(make_event(location=None, time=None, actors=[]))


@pytest.mark.parametrize(
    "query",
    [
        "per_suleimanov_mahomed",  # the actor id
        "Magomed Suleimanov",
        "suleimanov",  # part of the name
        "SULEIMANOV magomed",  # any case and order
        "Suleymanov",  # another transliteration
        "Süleimanov",  # diacritics
        "Mahomed",
    ],
)
def test_entity_matches_actor_id_name_or_variant_in_any_spelling(query):
    assert EventFilter.build(entities=query).matches(make_event())


@pytest.mark.parametrize("query", ["Gasanov", "Magomed Gasanov", "per_suleimanov"])
def test_entity_does_not_match_someone_else(query):
    assert not EventFilter.build(entities=query).matches(make_event())


def test_several_values_of_one_criterion_are_alternatives_and_criteria_all_hold():
    event = make_event()
    assert EventFilter.build(types=["arrested", "killed"]).matches(event)
    assert EventFilter.build(entities=["Gasanov", "Suleimanov"]).matches(event)
    assert not EventFilter.build(types="killed", countries="UA").matches(event)
    assert EventFilter.build(types="killed", countries="ru", certainties="reported").matches(event)


@pytest.mark.parametrize(
    "place", ["Khasavyurt", "khasavyurt", "Hasavyurt", "Dagestan", "Daghestan", "Republic of Dagestan"]
)
def test_place_matches_the_reported_or_canonical_name_or_region_in_any_spelling(place):
    assert EventFilter.build(places=place).matches(make_event())


def test_place_and_country_need_a_location():
    assert not EventFilter.build(places="Nalchik").matches(make_event())
    assert not EventFilter.build(places="Khasavyurt").matches(make_event(location=None))
    assert not EventFilter.build(countries="RU").matches(make_event(location=None))


def test_certainty_min_sources_and_since():
    event = make_event()
    assert not EventFilter.build(certainties="confirmed").matches(event)
    assert not EventFilter.build(min_sources=2).matches(event)
    assert EventFilter.build(min_sources=2).matches(corroborated(event))
    assert EventFilter.build(since="2026-03-01T10:59:00Z").matches(event)
    assert not EventFilter.build(since="2026-03-01T11:01:00Z").matches(event)
    assert EventFilter.build(since="90m", now=NOW).matches(event)
    assert not EventFilter.build(since="30m", now=NOW).matches(event)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"types": "murder"}, "unknown event type murder"),
        ({"certainties": "sure"}, "unknown certainty sure"),
        ({"countries": "Russia"}, "two-letter"),
        ({"min_sources": 0}, "at least 1"),
        ({"min_sources": "two"}, "whole number"),
        ({"since": "last week"}, "ISO 8601"),
    ],
)
def test_unusable_filters_are_refused_with_the_reason(arguments, message):
    with pytest.raises(FilterError, match=message):
        EventFilter.build(**arguments)


def test_query_parameters_make_the_same_filter_and_repeat():
    from_query = EventFilter.from_query(
        [("type", "killed"), ("type", "attack"), ("entity", "Suleimanov"), ("country", "ru"), ("min_sources", "2")]
    )
    assert from_query == EventFilter.build(
        types=["killed", "attack"], entities="Suleimanov", countries="RU", min_sources=2
    )
    with pytest.raises(FilterError, match="unknown parameter 'colour'"):
        EventFilter.from_query([("colour", "red")])
    with pytest.raises(FilterError, match="min_sources may be given once"):
        EventFilter.from_query([("min_sources", "1"), ("min_sources", "2")])


def test_gate_lets_each_version_through_once_and_in_order():
    gate = EventGate()
    first, second = make_event(), corroborated(make_event())
    assert gate.admit(first)
    assert not gate.admit(first)  # published again after a worker crash
    assert gate.admit(second)
    assert not gate.admit(first)  # an older version arriving late
    assert not gate.admit(second)
    assert gate.admit(make_event("ev_0000000000000001"))  # another event


def test_gate_follows_an_event_once_it_matched():
    gate = EventGate(EventFilter.build(types="killed"))
    assert not gate.admit(make_event("ev_0000000000000001", type="arrested"))
    assert gate.admit(make_event())
    retyped = corroborated(make_event()) | {"type": "attack"}
    assert gate.admit(retyped)  # no longer 'killed', but the subscriber holds v1 and must see v2


def test_an_update_says_what_changed_and_highlights_the_new_source():
    before = make_event()
    after = corroborated(before) | {
        "time": {"start": "2015-03-14", "end": "2015-03-14", "precision": "day", "text": "on Saturday"},
        "conflicts": [
            {
                "field": "time",
                "values": [
                    {"value": "2015-03-14", "article_ids": ["sample-daily-014"]},
                    {"value": "2015-03-15", "article_ids": ["sample-wire-001"]},
                ],
            }
        ],
    }
    assert what_changed(before, after) == [
        "when: 2015-03-15 (day, from 'on Sunday') -> 2015-03-14 (day, from 'on Saturday')",
        "reports now disagree on time",
    ]
    console = Console(width=200, record=True)
    console.print(event_panel(after, before))
    text = console.export_text()
    assert "(update of v1)" in text
    assert "Dagestan Daily (sample-daily-014) NEW" in text
    assert "North Caucasus Wire (sample-wire-001) NEW" not in text
    console.print(event_panel(before))
    assert "v1 (new)" in console.export_text()


def test_latest_events_keeps_the_newest_version_of_the_most_recently_updated_events():
    from streams.web import LatestEvents

    latest = LatestEvents(capacity=2)
    first = make_event()
    assert latest.offer(first)
    assert latest.offer(corroborated(first))
    assert not latest.offer(first)  # older: kept version stays
    assert latest.get(first["event_id"])["version"] == 2
    other = make_event("ev_0000000000000001", type="arrested", last_updated_at="2026-03-01T11:10:00+00:00")
    latest.offer(other)
    assert [e["event_id"] for e in latest.by_update(newest_first=True)] == [other["event_id"], first["event_id"]]
    assert latest.by_update(EventFilter.build(types="arrested")) == [other]
    third = make_event("ev_0000000000000002", last_updated_at="2026-03-01T11:20:00+00:00")
    latest.offer(third)  # over capacity: the least recently updated drops out
    assert len(latest) == 2 and latest.get(first["event_id"]) is None


async def test_hub_hands_new_versions_to_listeners_and_closes_slow_ones():
    from streams import web

    hub = web.EventHub(capacity=10)
    hub.publish(make_event())
    with hub.listen() as (snapshot, listener):
        assert [e["version"] for e in snapshot] == [1]
        hub.publish(make_event())  # a repeat is not news
        hub.publish(corroborated(make_event()))
        assert listener.queue.get_nowait()["version"] == 2
        assert listener.queue.empty()
    with hub.listen() as (_, slow):
        for n in range(web.LISTENER_QUEUE_SIZE + 1):
            hub.publish(make_event(f"ev_{n:016x}", version=1))
        assert slow.queue.get_nowait() is web.CLOSED  # dropped: its browser reconnects for a fresh start
        hub.publish(make_event("ev_ffffffffffffffff"))
        assert slow.queue.empty()
    with hub.listen() as (_, open_stream):
        hub.close()
        assert await asyncio.wait_for(open_stream.queue.get(), 1) is web.CLOSED
