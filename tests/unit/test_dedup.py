"""Deduplication across reports: names, matching rules, conflicts, ids, article copies, bounded state.

Everything runs on hand-built articles.extracted records; no Kafka, no spaCy.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import MutableMapping
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from datasketch import MinHash

from agents.logic import names
from agents.logic.dedup import Deduplicator, EventStore, blocking_key, dedup_articles, parse_timestamp
from agents.logic.near_duplicates import (
    NUM_PERM,
    SCHEME,
    SEED,
    ArticleIndex,
    lsh_band_keys,
    minhash_signature,
    shingles,
)
from streams.settings import Settings
from tests.schema_check import errors

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "events"

# name: (admin1, lat, lon)
TOWNS = {
    "Buinaksk": ("Dagestan", 42.82, 47.12),
    "Gimry": ("Dagestan", 42.76, 46.84),
    "Makhachkala": ("Dagestan", 42.98, 47.50),
    "Khasavyurt": ("Dagestan", 43.25, 46.59),
    "Nalchik": ("Kabardino-Balkaria", 43.49, 43.61),
    "Grozny": ("Chechnya", 43.32, 45.69),
}


def town(name: str, reported: str | None = None) -> dict:
    admin1, lat, lon = TOWNS[name]
    return {
        "reported": reported or name,
        "canonical": name,
        "admin1": admin1,
        "country_code": "RU",
        "lat": lat,
        "lon": lon,
        "precision": "town",
    }


def region(name: str) -> dict:
    return {
        "reported": name,
        "canonical": name,
        "admin1": name,
        "country_code": "RU",
        "lat": None,
        "lon": None,
        "precision": "region",
    }


def day(iso: str, text: str = "on Monday") -> dict:
    return {"start": iso, "end": iso, "precision": "day", "text": text}


def month(year_month: str) -> dict:
    start = f"{year_month}-01"
    year, number = map(int, year_month.split("-"))
    next_month = datetime(year + number // 12, number % 12 + 1, 1)
    end = datetime.fromordinal(next_month.toordinal() - 1).date().isoformat()
    return {"start": start, "end": end, "precision": "month", "text": "in " + year_month}


def person(name: str, role: str = "victim", variants: tuple[str, ...] = (), **attributes: object) -> dict:
    actor = {"name": name, "kind": "person", "role": role, "variants": list(variants)}
    if attributes:
        actor["attributes"] = attributes
    return actor


def org(name: str, role: str = "perpetrator") -> dict:
    return {"name": name, "kind": "organisation", "role": role, "variants": []}


def mention(
    event_type: str = "killed",
    actors: tuple[dict, ...] = (),
    location: dict | None = None,
    time: dict | None = None,
    **extra: object,
) -> dict:
    return {
        "type": event_type,
        "trigger": event_type,
        "sentence": f"{' and '.join(a['name'] for a in actors) or 'Someone'} was {event_type}.",
        "actors": list(actors),
        "location": location,
        "time": time,
        "certainty": "reported",
        "attributed_to": None,
        **extra,
    }


def article(
    article_id: str,
    *mentions: dict,
    source: str | None = None,
    published: str = "2015-04-20T12:00:00+00:00",
    fingerprint: str | None = None,
    entities: tuple[dict, ...] = (),
) -> dict:
    record = {
        "schema_version": 1,
        "article_id": article_id,
        "source": source or f"Outlet {article_id}",
        "url": f"https://news.example/{article_id}",
        "title": f"Report {article_id}",
        "published_at": published,
        "received_at": published,
        "language": "en",
        "fingerprint": fingerprint or hashlib.sha256(article_id.encode()).hexdigest(),
        "duplicate_of": None,
        "entities": list(entities),
        "events": [{**m, "mention_id": f"{article_id}#{i}"} for i, m in enumerate(mentions)],
    }
    assert not errors("articles.extracted", record), "test record must be a valid articles.extracted record"
    return record


def events_of(records: list[dict], **kwargs: object) -> list[dict]:
    events = dedup_articles(records, **kwargs)
    for event in events:
        found = errors("events.enriched", event)
        assert not found, found
    return events


DAGESTAN_ENTITY = {"name": "Dagestan", "kind": "place", "variants": [], "mentions": 2, "place": region("Dagestan")}
CHECHNYA_ENTITY = {"name": "Chechnya", "kind": "place", "variants": [], "mentions": 1, "place": region("Chechnya")}
SURNAMES = [
    "Abakarov",
    "Baysultanov",
    "Chupalaev",
    "Dadaev",
    "Eldarov",
    "Fatullaev",
    "Guseinov",
    "Ibragimov",
    "Kurbanov",
    "Lukmanov",
    "Mutaliev",
    "Nurmagomedov",
    "Osmanov",
    "Rasulov",
    "Saidov",
    "Temirov",
    "Uzdenov",
    "Vagabov",
    "Yakhyaev",
    "Zubairaev",
]


def kebekov_reports() -> list[dict]:
    leader = {"title": "leader", "affiliation": "Caucasus Emirate"}
    return [
        article(
            "a1",
            mention(actors=(person("Aliaskhab Kebekov", **leader),), location=town("Buinaksk"), time=day("2015-04-20")),
        ),
        article(
            "a2",
            mention(actors=(person("Kebekov"),), location=region("Dagestan"), time=day("2015-04-20", "yesterday")),
            published="2015-04-21T08:00:00+00:00",
        ),
        article(
            "a3",
            mention(
                actors=(person("Ali Abu Muhammad", variants=("Aliaskhab Kebekow",)),),
                location=town("Buinaksk", "Buynaksk"),
                time=month("2015-04"),
            ),
            published="2015-04-27T09:00:00+00:00",
        ),
        # No place in the sentence: the article's places give the blocking key its country.
        article("a4", mention(actors=(person("Alyaskhab Kebekov"),)), entities=(DAGESTAN_ENTITY,)),
    ]


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Gasanov", "Hasanov"),
        ("Daghestan", "Dagestan"),
        ("Khasavyurt", "Hasavyurt"),
        ("Dmitriy", "Dmitry"),
        ("Dmitrii", "Dmitry"),
        ("Abdoulaev", "Abdulaev"),
        ("Abdullaev", "Abdulaev"),
        ("Yevloyev", "Evloev"),
        ("Aliyev", "Aliev"),
        ("Dzhabrailov", "Jabrailov"),
        ("Kebekow", "Kebekov"),
        ("Sulejman", "Suleyman"),
    ],
)
def test_transliteration_variants_share_a_skeleton(a: str, b: str) -> None:
    assert names.skeleton(names.fold(a)) == names.skeleton(names.fold(b))


@pytest.mark.parametrize(("a", "b"), [("Gasanov", "Isaev"), ("Magomedov", "Magomedova"), ("Nalchik", "Nazran")])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert names.persons_match([names.person_key(a)], [names.person_key(b)]) == 0


def test_person_id_is_stable_across_word_order_patronymic_and_spelling() -> None:
    forms = ["Aliaskhab Kebekov", "Kebekov Aliaskhab", "Aliaskhab Aliyevich Kebekov", "Aliaskhab Kebekow"]
    assert {names.entity_id("person", form) for form in forms} == {"per_kebekov_aliashab"}
    assert names.entity_id("person", "Abdul-Khalik Abdulkhalikov") == names.entity_id(
        "person", "Abdulkhalik Abdulkhalikov"
    )


def test_surname_only_and_initial_match_the_full_name() -> None:
    full = [names.person_key("Ruslan Gasanov")]
    assert names.persons_match(full, [names.person_key("Hasanov")]) == 1
    assert names.persons_match(full, [names.person_key("R. Gasanov")]) == 1
    assert names.persons_match(full, [names.person_key("Ruslan Hasanov")]) == 2
    assert names.persons_match(full, [names.person_key("Magomed Gasanov")]) == 0


def test_display_name_prefers_the_full_real_name_over_surname_and_alias() -> None:
    assert names.display_name({"Kebekov": 3, "Ali Abu Muhammad": 2, "Aliaskhab Kebekov": 1}) == "Aliaskhab Kebekov"
    assert names.display_name({"Khamzat Shavhalov": 1, "Khamzat Shavkhalov": 2}) == "Khamzat Shavkhalov"


# --- matching ------------------------------------------------------------------------------


def test_spelling_variants_surname_only_and_alias_reports_make_one_event() -> None:
    [event] = events_of(kebekov_reports())
    assert event["num_articles"] == 4
    assert [source["article_id"] for source in event["sources"]] == ["a1", "a4", "a2", "a3"]
    [actor] = event["actors"]
    assert actor["id"] == "per_kebekov_aliashab"
    assert actor["name"] == "Aliaskhab Kebekov"
    assert {"Kebekov", "Ali Abu Muhammad", "Aliaskhab Kebekow", "Alyaskhab Kebekov"} <= set(actor["variants"])
    assert event["time"]["start"] == "2015-04-20"
    assert event["location"]["canonical"] == "Buinaksk"
    assert event["summary"] == (
        "Aliaskhab Kebekov (Caucasus Emirate leader) killed in Buinaksk, Dagestan, RU on 2015-04-20 "
        "— 4 reports from 4 outlets"
    )


def test_month_matches_a_day_in_it_but_days_further_apart_than_one_do_not() -> None:
    gasanov = person("Ruslan Gasanov")
    same = events_of(
        [
            article("m1", mention(actors=(gasanov,), time=month("2015-05"))),
            article("m2", mention(actors=(gasanov,), time=day("2015-05-03"))),
        ]
    )
    assert len(same) == 1
    apart = events_of(
        [
            article("d1", mention(actors=(gasanov,), time=day("2015-05-03"))),
            article("d2", mention(actors=(gasanov,), time=day("2015-05-06"))),
        ]
    )
    assert len(apart) == 2


def test_unknown_time_and_place_are_compatible() -> None:
    events = events_of(
        [
            article(
                "u1", mention(actors=(person("Ruslan Gasanov"),), location=town("Khasavyurt"), time=day("2015-05-03"))
            ),
            article("u2", mention(actors=(person("Gasanov"),)), entities=(DAGESTAN_ENTITY,)),
        ]
    )
    assert [event["num_articles"] for event in events] == [2]


def test_a_town_matches_its_region_but_not_a_town_elsewhere() -> None:
    isaev = person("Magomed Isaev")
    inside = events_of(
        [
            article("p1", mention(actors=(isaev,), location=region("Dagestan"), time=day("2015-05-09"))),
            article("p2", mention(actors=(isaev,), location=town("Khasavyurt"), time=day("2015-05-09"))),
        ]
    )
    assert len(inside) == 1
    assert inside[0]["location"]["canonical"] == "Khasavyurt"  # the most precise place is kept
    macro_region = {**region("North Caucasus"), "admin1": None}
    in_macro_region = events_of(
        [
            article("p3", mention(actors=(isaev,), location=macro_region, time=day("2015-05-09"))),
            article("p4", mention(actors=(isaev,), location=town("Khasavyurt"), time=day("2015-05-09"))),
        ]
    )
    assert len(in_macro_region) == 1
    elsewhere = events_of(
        [
            article("q1", mention(actors=(isaev,), location=town("Khasavyurt"), time=day("2015-05-09"))),
            article("q2", mention(actors=(isaev,), location=town("Nalchik"), time=day("2015-05-09"))),
        ]
    )
    assert len(elsewhere) == 2


def test_two_men_killed_in_one_district_on_different_days_stay_apart() -> None:
    events = events_of(
        [
            article(
                "k1", mention(actors=(person("Ruslan Gasanov"),), location=town("Khasavyurt"), time=day("2015-05-03"))
            ),
            article(
                "k2", mention(actors=(person("Magomed Isaev"),), location=town("Khasavyurt"), time=day("2015-05-09"))
            ),
            article("k3", mention(actors=(person("Hasanov"),), location=region("Dagestan"), time=day("2015-05-03"))),
        ]
    )
    assert sorted(event["num_articles"] for event in events) == [1, 2]


def test_killed_and_sentenced_years_earlier_are_different_events() -> None:
    elmurzaev = person("Adam Elmurzaev", role="subject")
    events = events_of(
        [
            article(
                "s1",
                mention("sentenced", (elmurzaev,), town("Grozny"), day("2013-03-05")),
                published="2013-03-05T10:00:00Z",
            ),
            article(
                "s2",
                mention("killed", (person("Adam Elmurzayev"),), None, day("2016-01-16")),
                published="2016-01-16T10:00:00Z",
            ),
        ]
    )
    assert sorted(event["type"] for event in events) == ["killed", "sentenced"]
    keys = {
        blocking_key(record["events"][0]) for record in (article("x", mention("sentenced")), article("y", mention()))
    }
    assert len(keys) == 2


def test_organisation_only_reports_match_on_the_organisation_across_acronyms() -> None:
    claim = {"location": region("Dagestan"), "time": month("2015-06")}
    events = events_of(
        [
            article("og1", mention("attack", (org("Islamic State"),), **claim)),
            article("og2", mention("attack", (org("IS"),), **claim)),
            article("og3", mention("attack", (org("Caucasus Emirate"),), **claim)),
        ]
    )
    assert sorted(event["num_articles"] for event in events) == [1, 2]


def test_actorless_mentions_match_on_type_place_and_exact_day() -> None:
    bomb = {"event_type": "bombing", "location": town("Makhachkala")}
    events = events_of(
        [
            article("b1", mention(**bomb, time=day("2015-02-10"))),
            article("b2", mention(**bomb, time=day("2015-02-10"))),
            article("b3", mention(**bomb, time=day("2015-03-12")), published="2015-03-12T12:00:00Z"),
            article("b4", mention(**bomb, time=None)),  # no day: cannot be told apart, so not merged
        ]
    )
    assert sorted(event["num_articles"] for event in events) == [1, 1, 2]


def test_an_articles_undated_actorless_sentence_joins_the_event_its_earlier_sentence_reported() -> None:
    shootout = mention(actors=(person("Ruslan Gasanov"),), location=town("Khasavyurt"), time=day("2015-05-03"))
    aftermath = mention("attack", location=region("Dagestan"))  # "the shooting went on for three hours"
    [event] = events_of([article("sa1", shootout, aftermath)])
    assert event["num_articles"] == 1 and event["type"] == "killed"
    # From another article the same undated, actorless sentence cannot be placed in any event.
    events = events_of([article("sa2", shootout), article("sa3", aftermath, entities=(DAGESTAN_ENTITY,))])
    assert len(events) == 2


def test_a_full_name_on_the_same_day_bridges_two_places_in_one_region() -> None:
    named = {"actors": (person("Aliaskhab Kebekov"),), "time": day("2015-04-20")}
    [event] = events_of(
        [
            article("fr1", mention(location=town("Buinaksk"), **named)),
            article("fr2", mention(location=town("Khasavyurt"), **named)),  # 60 km away, also in Dagestan
        ]
    )
    assert [conflict["field"] for conflict in event["conflicts"]] == ["location"]
    surname_only = {"actors": (person("Kebekov"),), "time": day("2015-04-20")}
    apart = events_of(
        [
            article("fr3", mention(location=town("Buinaksk"), **surname_only)),
            article("fr4", mention(location=town("Khasavyurt"), **surname_only)),
        ]
    )
    assert len(apart) == 2


def test_a_denial_is_a_certainty_conflict_on_the_same_event() -> None:
    shavkhalov = person("Khamzat Shavkhalov")
    reports = [
        article(
            "n1",
            mention(actors=(shavkhalov,), location=town("Grozny"), time=day("2015-06-14")),
            published="2015-06-14T18:00:00Z",
        ),
        article(
            "n2",
            mention(actors=(person("Shavhalov"),), location=region("Chechnya"), attributed_to="police"),
            published="2015-06-15T08:00:00Z",
        ),
        article(
            "n3",
            mention(actors=(shavkhalov,), location=None, time=day("2015-06-18"), certainty="denied", negated=True),
            published="2015-06-18T10:00:00Z",
            entities=(CHECHNYA_ENTITY,),
        ),
    ]
    [event] = events_of(reports)
    assert event["certainty"] == "reported"
    [conflict] = [c for c in event["conflicts"] if c["field"] == "certainty"]
    assert conflict["values"] == [
        {"value": "denied", "article_ids": ["n3"]},
        {"value": "reported", "article_ids": ["n1", "n2"]},
    ]
    assert event["attributed_to"] == ["police"]
    assert "[denial reported]" in event["summary"]
    [denied_only] = events_of(reports[2:])
    assert denied_only["certainty"] == "denied"


def test_disagreements_on_date_and_toll_are_recorded_with_their_reports() -> None:
    bomb = {"event_type": "bombing", "location": town("Makhachkala")}
    [event] = events_of(
        [
            article("t1", mention(**bomb, time=day("2015-02-10"), casualties={"killed": 2, "injured": 5})),
            article(
                "t2",
                mention(**bomb, time=day("2015-02-10"), casualties={"killed": 3}),
                published="2015-04-21T09:00:00Z",
            ),
            article("t3", mention(**bomb, time=day("2015-02-11"), casualties={"killed": 3})),
        ]
    )
    conflicts = {c["field"]: c["values"] for c in event["conflicts"]}
    assert conflicts["time"] == [
        {"value": "2015-02-10", "article_ids": ["t1", "t2"]},
        {"value": "2015-02-11", "article_ids": ["t3"]},
    ]
    assert conflicts["casualties"] == [
        {"value": "killed=2", "article_ids": ["t1"]},
        {"value": "killed=3", "article_ids": ["t3", "t2"]},
    ]
    assert event["casualties"] == {"killed": 3, "injured": 5}  # the latest report's toll
    assert event["time"]["start"] == "2015-02-10"  # the date more reports give
    assert (
        event["summary"]
        == "Bombing in Makhachkala, Dagestan, RU on 2015-02-10 (3 killed, 5 injured) — 3 reports from 3 outlets"
    )


def test_nearby_towns_merge_and_the_disagreement_is_recorded() -> None:
    kebekov = person("Aliaskhab Kebekov")
    [event] = events_of(
        [
            article("g1", mention(actors=(kebekov,), location=town("Buinaksk"), time=day("2015-04-20"))),
            article("g2", mention(actors=(kebekov,), location=town("Gimry"), time=day("2015-04-20"))),
        ]
    )
    assert event["conflicts"] == [
        {
            "field": "location",
            "values": [{"value": "Buinaksk", "article_ids": ["g1"]}, {"value": "Gimry", "article_ids": ["g2"]}],
        }
    ]


# --- ids and versions ----------------------------------------------------------------------


def test_event_ids_and_payloads_do_not_depend_on_arrival_order() -> None:
    reports = kebekov_reports() + [
        article("o1", mention(actors=(person("Ruslan Gasanov"),), location=town("Khasavyurt"), time=day("2015-05-03"))),
        article("o2", mention(actors=(person("Hasanov"),), location=region("Dagestan"), time=month("2015-05"))),
    ]
    outcomes = set()
    for order in itertools.permutations(reports):
        events = events_of(list(order))
        outcomes.add(
            json.dumps([{k: v for k, v in event.items() if k != "version"} for event in events], sort_keys=True)
        )
    assert len(outcomes) == 1
    assert len(json.loads(outcomes.pop())) == 2


def test_each_change_bumps_the_version_and_a_redelivery_does_not() -> None:
    store = EventStore({})
    first, second = kebekov_reports()[:2]
    payload, created = store.merge(first["events"][0], first)
    assert (payload["version"], created) == (1, True)
    payload, created = store.merge(second["events"][0], second)
    assert (payload["version"], created) == (2, False)
    again, created = store.merge(second["events"][0], second)
    assert (again["version"], created, again) == (2, False, payload)


def test_a_redelivered_mention_stays_in_its_event_when_a_later_one_would_match_it_too() -> None:
    store = EventStore({})
    gasanov = person("Ruslan Gasanov")
    undated = article("u3", mention(actors=(gasanov,)), published="2015-05-21T10:00:00Z")
    first_time = None
    for record in (
        article("u1", mention(actors=(gasanov,), time=day("2015-05-03")), published="2015-05-04T10:00:00Z"),
        article("u2", mention(actors=(gasanov,), time=day("2015-05-20")), published="2015-05-20T18:00:00Z"),
        undated,
        article("u4", mention(actors=(gasanov,), time=day("2015-06-10")), published="2015-06-11T10:00:00Z"),
    ):
        payload, _ = store.merge(record["events"][0], record)
        first_time = payload if record is undated else first_time
    later = next(state for state in store.events.values() if state["sources"][0]["article_id"] == "u4")
    again, created = store.merge(undated["events"][0], undated)
    assert (again, created) == (first_time, False)
    assert [source["article_id"] for source in store.events[later["event_id"]]["sources"]] == ["u4"]


def test_salted_ids_keep_two_events_with_one_anchor_apart() -> None:
    gasanov = person("Ruslan Gasanov")
    events = events_of(
        [
            article("c1", mention(actors=(gasanov,), time=day("2015-05-03"))),
            article("c2", mention(actors=(gasanov,), time=day("2015-05-20"))),
        ]
    )
    assert len({event["event_id"] for event in events}) == 2


# --- article copies ------------------------------------------------------------------------

WIRE = [
    "Security forces killed Aliaskhab Kebekov, the leader of the Caucasus Emirate, in a special operation "
    "in Buinaksk on Monday, the National Antiterrorism Committee said.",
    "Kebekov, who also used the nom de guerre Ali Abu Muhammad, had led the insurgency since early 2014. "
    "Four other militants were killed when the house they were hiding in was stormed after a siege "
    "that lasted all night.",
    "Residents of the surrounding streets were evacuated before the assault began, and no civilians were hurt, "
    "according to a spokesman for the regional interior ministry.",
    "Analysts said his death would deepen the split between insurgents loyal to the Emirate and those who "
    "have pledged allegiance to the Islamic State group in recent months, a rift that has grown over the winter.",
]


def test_exact_and_near_copies_are_linked_to_the_first_copy_but_other_stories_are_not() -> None:
    index = ArticleIndex({})
    body = "\n\n".join(WIRE)
    fingerprint = hashlib.sha256(body.encode()).hexdigest()
    seen = parse_timestamp("2015-04-20T12:00:00Z")
    assert index.check("w1", fingerprint, body, seen) is None
    # A new headline leaves the body, and so the fingerprint, as it was.
    assert index.check("w2", fingerprint, body, seen) == "w1"
    dropped = "\n\n".join(WIRE[:3])
    assert index.check("w3", "0" * 64, dropped, seen) == "w1"
    signed = body + "\n\nReporting by Musa Aliev; editing by Clare Dunn."
    assert index.check("w4", "1" * 64, signed, seen) == "w1"
    assert index.check("w5", "2" * 64, "\n\n".join(WIRE[:2]), seen) == "w1"  # a copy of a copy finds the story
    other = (
        "Aliaskhab Kebekov, head of the Caucasus Emirate, died on Monday when police stormed a house in Buinaksk, "
        "officials in Makhachkala said. Four more gunmen died in the operation, which lasted through the night. "
        "He had been on the federal wanted list since 2010 and took over the group last year."
    )
    assert index.check("w6", "3" * 64, other, seen) is None
    assert index.check("w3", "0" * 64, dropped, seen) == "w1"  # redelivery: same answer


def test_signatures_are_datasketchs_minhash_for_the_fixed_seed_and_scheme() -> None:
    """Signatures are stored in the index's table: drawing the permutations once must give the
    values datasketch gives for the seed and scheme, so stored ones stay comparable."""
    shingle_set = shingles("\n\n".join(WIRE))
    reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    reference.update_batch([shingle.encode() for shingle in shingle_set])
    assert minhash_signature(shingle_set) == reference.hashvalues.tolist()
    assert minhash_signature(shingles("another story altogether, told in other words")) != minhash_signature(
        shingle_set
    )


def test_copies_count_as_sources_of_the_first_copys_events() -> None:
    original = kebekov_reports()[0]
    copy = {
        **article("a1-copy", source="Regional Daily", fingerprint=original["fingerprint"]),
        "published_at": "2015-04-20T15:00:00+00:00",
    }
    rewrite = kebekov_reports()[1]
    deduplicator = Deduplicator()
    deduplicator.process(original)
    deduplicator.process(rewrite)
    result = deduplicator.process(copy)
    assert result.duplicate_of == "a1"
    [event] = result.events
    assert event["num_articles"] == 3 and event["num_sources"] == 3
    [linked] = [source for source in event["sources"] if source["article_id"] == "a1-copy"]
    assert linked["duplicate_of"] == "a1"
    assert linked["sentence"] == original["events"][0]["sentence"]
    assert not errors("events.enriched", event)


# --- bounded state -------------------------------------------------------------------------


def test_an_event_past_the_window_is_no_candidate_and_its_state_goes() -> None:
    store = EventStore({}, window_days=30)
    gasanov = person("Ruslan Gasanov")
    early = article("e1", mention(actors=(gasanov,)), published="2015-05-03T10:00:00Z")
    late = article("e2", mention(actors=(gasanov,)), published="2015-07-01T10:00:00Z")
    first, _ = store.merge(early["events"][0], early)
    second, created = store.merge(late["events"][0], late)
    assert created and second["event_id"] != first["event_id"]
    # Dropped from its key's candidates by the later merge, the old event's state went too.
    assert set(store.events) == {second["event_id"]}
    assert [profile["id"] for profiles in store.candidates.values() for profile in profiles] == [second["event_id"]]


def test_candidate_lists_event_states_and_index_buckets_stay_bounded() -> None:
    store = EventStore({}, max_candidates=5)
    for n in range(20):
        record = article(f"v{n}", mention(actors=(person(SURNAMES[n]),), location=town("Buinaksk")))
        store.merge(record["events"][0], record)
    [(key, profiles)] = store.candidates.items()
    assert key == "violence:RU"
    assert len(profiles) == 5
    assert set(store.events) == {profile["id"] for profile in profiles}
    kept_articles = {article_id for profile in profiles for article_id in profile["articles"]}
    for profile in profiles:
        assert store.events_reported_by(key, profile["articles"][0]) == [profile["id"]]
    dropped_articles = {f"v{n}" for n in range(20)} - kept_articles
    assert len(dropped_articles) == 15
    assert all(store.events_reported_by(key, article_id) == [] for article_id in dropped_articles)
    index = ArticleIndex({}, max_bucket=3)
    body = "\n\n".join(WIRE)
    for n in range(10):
        index.check(f"c{n}", "f" * 64, body, parse_timestamp("2015-04-20T12:00:00Z"))
    keys = ["fp:" + "f" * 64, *lsh_band_keys(minhash_signature(shingles(body)))]
    assert {len(index.members(key)) for key in keys} == {3}


def test_blocking_key_falls_back_to_the_articles_country_then_to_unknown() -> None:
    with_place = article("bk1", mention(location=town("Buinaksk")))
    placeless = article("bk2", mention(), entities=(DAGESTAN_ENTITY,))
    nowhere = article("bk3", mention())
    assert blocking_key(with_place["events"][0], with_place) == "violence:RU"
    assert blocking_key(placeless["events"][0], placeless) == "violence:RU"
    assert blocking_key(nowhere["events"][0], nowhere) == "violence:ZZ"


class JsonTable(MutableMapping):
    """Stores values as JSON text, as a Faust table does: state must be JSON and reassigned to persist."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def __getitem__(self, key: str) -> object:
        return json.loads(self._data[key])

    def __setitem__(self, key: str, value: object) -> None:
        self._data[key] = json.dumps(value)

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_stores_work_over_json_serialising_tables() -> None:
    in_memory = EventStore({})
    tables = EventStore(JsonTable())
    for record in kebekov_reports():
        expected, _ = in_memory.merge(record["events"][0], record)
        payload, _ = tables.merge(record["events"][0], record)
        assert payload == expected
    index = ArticleIndex(JsonTable())
    seen = parse_timestamp("2015-04-20T12:00:00Z")
    index.check("j1", "a" * 64, "\n\n".join(WIRE), seen)
    index.link_events("j1", [["violence:RU", payload["event_id"]]])
    assert index.check("j2", "b" * 64, "\n\n".join(WIRE[:3]), seen) == "j1"
    assert index.event_refs("j1") == [["violence:RU", payload["event_id"]]]


def test_the_article_index_rebuilds_its_buckets_from_its_table() -> None:
    """The buckets live in memory: a worker that restarts, or gets the partition back after a
    rebalance, rebuilds them from the table and finds the same copies, the most recent kept."""
    table = JsonTable()
    seen = parse_timestamp("2015-04-20T12:00:00Z")
    first = ArticleIndex(table, max_bucket=3)
    first.check("r1", "a" * 64, "\n\n".join(WIRE), seen)
    for n in range(5):
        first.check(f"r-copy{n}", "c" * 64, "\n\n".join(WIRE[:4]), seen + timedelta(seconds=n + 1))
    keys = ["fp:" + "c" * 64, *lsh_band_keys(minhash_signature(shingles("\n\n".join(WIRE[:4]))))]
    built = {key: first.members(key) for key in keys}
    assert built["fp:" + "c" * 64] == ["r-copy2", "r-copy3", "r-copy4"]
    first.invalidate()
    assert {key: first.members(key) for key in keys} == built
    restarted = ArticleIndex(table, max_bucket=3)
    assert {key: restarted.members(key) for key in built} == built
    assert restarted.check("r2", "b" * 64, "\n\n".join(WIRE[:3]), seen) == "r1"
    assert restarted.check("r3", "c" * 64, "unrelated", seen) == "r1"  # exact copy of a copy
    assert ArticleIndex(table).check("r2", "b" * 64, "\n\n".join(WIRE[:3]), seen) == "r1"  # redelivery


def test_the_event_store_rebuilds_its_candidate_lists_from_its_table() -> None:
    """Candidate lists live in memory: a worker that restarts, or gets the partitions back after a
    rebalance, derives them from the event states and merges the next reports the same way."""
    table = JsonTable()
    first = EventStore(table, max_candidates=5)
    reports = kebekov_reports()
    for n in range(8):  # more events than a list keeps: the oldest drop out, their states too
        record = article(f"rb{n}", mention(actors=(person(SURNAMES[n]),), location=town("Buinaksk")))
        first.merge(record["events"][0], record)
    for record in reports[:2]:
        first.merge(record["events"][0], record)
    built = {key: list(profiles) for key, profiles in first.candidates.items()}
    assert [len(profiles) for profiles in built.values()] == [5]
    assert set(table) == {profile["id"] for profiles in built.values() for profile in profiles}
    first.invalidate()
    assert first.candidates == built
    restarted = EventStore(table, max_candidates=5)
    assert restarted.candidates == built
    for record in reports[2:]:
        expected, expected_created = first.merge(record["events"][0], record)
        payload, created = restarted.merge(record["events"][0], record)
        assert (payload, created) == (expected, expected_created)
        assert not created


# --- corpus --------------------------------------------------------------------------------


def test_the_evaluation_corpus_is_well_formed() -> None:
    raws = [orjson.loads(line) for line in (CORPUS / "articles.jsonl").read_text().splitlines()]
    gold = orjson.loads((CORPUS / "gold.json").read_bytes())
    for raw in raws:
        assert not errors("articles.raw", raw), raw["article_id"]
    ids = [raw["article_id"] for raw in raws]
    assert len(ids) == len(set(ids))
    assert set(gold["article_clusters"]) == set(ids)
    reported = {article_id for article_ids in gold["events"].values() for article_id in article_ids}
    assert reported == set(ids)
    stories_per_event = [
        len({gold["article_clusters"][a] for a in article_ids}) for article_ids in gold["events"].values()
    ]
    assert len(stories_per_event) >= 12 and min(stories_per_event) >= 3 and max(stories_per_event) <= 6
    assert all(a in gold["events"] and b in gold["events"] for a, b in gold["distractors"])
    assert len(set(gold["article_clusters"].values())) < len(ids)  # some copies
    # The hand-annotated mentions cover each story once, through its first copy.
    annotated = orjson.loads((CORPUS / "mentions.json").read_bytes())["mentions"]
    first_copies = {}
    for article_id in ids:
        first_copies.setdefault(gold["article_clusters"][article_id], article_id)
    assert set(annotated) == set(first_copies.values())


@pytest.mark.parametrize("days", ["0", "-1", "nan"])
def test_the_dedup_window_must_be_a_positive_number_of_days(monkeypatch, days):
    monkeypatch.setenv("WIREWATCH_DEDUP_WINDOW_DAYS", days)
    with pytest.raises(ValueError, match="WIREWATCH_DEDUP_WINDOW_DAYS"):
        Settings()
    monkeypatch.setenv("WIREWATCH_DEDUP_WINDOW_DAYS", "0.5")
    assert Settings().dedup_window_days == 0.5
