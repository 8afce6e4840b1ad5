"""Event-level deduplication: one canonical event, with every report as a source.

Pure logic over plain dicts. State lives in injected MutableMappings (plain dicts in tests
and `wirewatch process`, Faust tables in the workers), so every stored value is JSON -
dicts, lists, strings, numbers - and is reassigned after each change, never mutated in place.

Blocking key (`blocking_key`): type family + country, e.g. 'violence:RU'. Every candidate
match of a mention shares it, so it is also the Kafka partition key of the mentions topic.
Families group the types that reports of one incident use interchangeably (killed, clash,
attack, bombing are 'violence'); every other type is its own family, so an arrest, a
sentence and a killing of one man never merge. The country is the mention's place's; when
the mention has no place it is the country most named by the article's place entities,
and when the article names none it is UNKNOWN_COUNTRY. Such country-less mentions can
only meet each other: the price of partitioning, since a mention with an unknown country
would otherwise have to be compared with every partition.

Matching (`match_strength`): a mention joins an event under its blocking key when
  * times are compatible: the [start, end] intervals overlap once widened by
    DAY_TOLERANCE, so 'in April' fits 'April 20' but April 20 and April 23 do not; an
    unknown time fits anything; a denial's own date is ignored (it dates the denial);
  * places are compatible: unknown fits anything, a town fits the region (admin1) or
    country it lies in (and any macro-region without an admin1 of its own, such as the
    North Caucasus), two towns or districts fit when they are one place or lie within
    NEARBY_KM of each other; when a person's full name and the day agree (or the mention
    is a denial), the same region is enough (reports place one shootout in a village, a
    district or the nearest town);
  * key actors agree: if both sides name persons (victim, subject, target, perpetrator;
    the speaker too for statements) one must match across transliterations, surname-only
    forms and aliases (names.persons_match); if neither names a person but both name
    organisations, one must match; otherwise (a side without actors) both must give a
    place and the same day (within DAY_TOLERANCE), unless the event's latest mention came
    from the same article: an article's further sentences of the same type family, with
    no actor or day of their own, describe the event its earlier sentence reported.
The best compatible candidate wins: stronger name agreement, then same day, same place,
most recently seen. A denial (negated, or certainty 'denied') merges like any report and
shows up as a 'certainty' conflict; it never makes a second event.

Candidate lists are bounded: per blocking key at most MAX_CANDIDATES events, each as a
compact match profile held in memory (derived from the event states), so merging one
mention costs one event read and one write whatever the number of articles seen. A
report matches only events seen (published) within the window of its own publication
time. An event leaves its key's list, and its state goes, once no report of it was
received (ingested) within the window before the newest report of the key: expiry runs
on ingest time, so that replaying an archive, whose partitions run days or months of
publication time apart, does not expire events whose late reports are still on their
way.

Event ids: 'ev_' + sha256(blocking key | identity anchor)[:16], the anchor being
  * the key person's surname skeleton + the event's month, when the event names a person
    (the surname, not the full name: surname-only reports give the same anchor);
  * the region + month, when it names organisations only;
  * the region + day, when it names no actor.
These are the features every report of an event normally agrees on, so any arrival order
gives the same id. The id is computed from the report that creates the event; it depends
on arrival order only when reports disagree on those features (an event on the 30th
reported as the 1st, an undated report published the next month, different victims named
first). Two different events with one anchor get ids salted with a counter, in order of
creation.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, MutableMapping
from datetime import UTC, date, datetime
from typing import NamedTuple

import orjson

from agents.logic import names
from agents.logic.near_duplicates import ArticleIndex
from streams.settings import settings

VIOLENCE_TYPES = frozenset({"killed", "clash", "attack", "bombing"})
UNKNOWN_COUNTRY = "ZZ"  # ISO 3166 user-assigned code: never a real country
DAY_TOLERANCE = 1  # relative dates resolved against publication time can be a day off
NEARBY_KM = 30.0
MAX_CANDIDATES = 300

KEY_ROLES = frozenset({"victim", "subject", "target", "perpetrator"})
SPEAKER_FAMILIES = frozenset({"statement", "recruitment_call"})
ROLE_PRECEDENCE = ("victim", "subject", "perpetrator", "target", "speaker", "authority", "other")
CERTAINTY_STRENGTH = ("confirmed", "reported", "alleged", "claimed")
# When reports of one incident disagree on its type, the more specific type names it.
TYPE_PRECEDENCE = ("killed", "bombing", "attack", "clash")
PRECISION_RANK = {"point": 0, "town": 1, "district": 2, "region": 3, "country": 4, "unknown": 5}
LOCAL_PRECISIONS = frozenset({"point", "town"})
CASUALTY_FIELDS = ("killed", "injured", "arrested")

OUTCOME_VERBS = {
    "killed": "killed",
    "arrested": "arrested",
    "sentenced": "sentenced",
    "allegiance_pledge": "pledged allegiance",
    "recruitment_call": "called for recruits",
    "statement": "made a statement",
}
TYPE_NOUNS = {
    "killed": "Killing",
    "arrested": "Arrests",
    "attack": "Attack",
    "bombing": "Bombing",
    "clash": "Clash",
    "allegiance_pledge": "Allegiance pledge",
    "recruitment_call": "Recruitment call",
    "leadership_change": "Leadership change",
    "sentenced": "Sentencing",
    "statement": "Statement",
    "disaster": "Disaster",
    "election": "Election",
    "business": "Business news",
    "other": "Event",
}


# --- reports -----------------------------------------------------------------------------


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 date-time; one without an offset is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def article_time(article: dict) -> datetime:
    """When the report came out: its publication time, else when it was received."""
    stamp = article.get("published_at") or article.get("received_at")
    if not stamp:
        raise ValueError(f"article {article.get('article_id')!r} has neither published_at nor received_at")
    return parse_timestamp(stamp)


def is_denial(mention: dict) -> bool:
    return bool(mention.get("negated")) or mention["certainty"] == "denied"


def type_family(event_type: str) -> str:
    return "violence" if event_type in VIOLENCE_TYPES else event_type


def article_country(article: dict | None) -> str | None:
    """The country the article's place entities name most often (ties: alphabetical)."""
    votes: Counter[str] = Counter()
    for entity in (article or {}).get("entities", []):
        country = (entity.get("place") or {}).get("country_code")
        if entity["kind"] == "place" and country:
            votes[country] += entity.get("mentions", 1)
    return min(votes, key=lambda country: (-votes[country], country)) if votes else None


def blocking_key(mention: dict, article: dict | None = None) -> str:
    """'<type family>:<country>': every report of one event shares it (see the module docstring)."""
    country = (mention.get("location") or {}).get("country_code") or article_country(article) or UNKNOWN_COUNTRY
    return f"{type_family(mention['type'])}:{country}"


# --- match profiles ------------------------------------------------------------------------


def time_interval(time: dict | None) -> list[int] | None:
    """[first day, last day] as proleptic ordinals."""
    if not time:
        return None
    return [date.fromisoformat(time["start"]).toordinal(), date.fromisoformat(time["end"]).toordinal()]


def times_compatible(a: list[int] | None, b: list[int] | None) -> bool:
    if a is None or b is None:
        return True
    return a[0] - DAY_TOLERANCE <= b[1] and b[0] - DAY_TOLERANCE <= a[1]


def same_day(a: list[int] | None, b: list[int] | None) -> bool:
    return bool(a and b) and a[0] == a[1] and b[0] == b[1] and abs(a[0] - b[0]) <= DAY_TOLERANCE


def place_profile(place: dict | None) -> dict | None:
    """What matching needs of a place; None when the place is unknown (it then fits anything)."""
    if not place or place["precision"] == "unknown":
        return None
    if place["canonical"] is None and place["admin1"] is None and place["country_code"] is None:
        return None  # not in the gazetteer: nothing to compare it by
    return {
        "key": names.place_key(place["canonical"] or place["reported"]),
        "geonameid": place.get("geonameid"),
        "admin1": names.place_key(place["admin1"]) if place["admin1"] else None,
        "country": place["country_code"],
        "lat": place["lat"],
        "lon": place["lon"],
        "precision": place["precision"],
    }


def _distance_km(a: dict, b: dict) -> float:
    lat_a, lon_a, lat_b, lon_b = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((lat_b - lat_a) / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin((lon_b - lon_a) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def places_compatible(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return True
    if a["country"] and b["country"] and a["country"] != b["country"]:
        return False
    if a["key"] == b["key"] or (a["geonameid"] is not None and a["geonameid"] == b["geonameid"]):
        return True
    wide, narrow = sorted((a, b), key=lambda place: PRECISION_RANK[place["precision"]], reverse=True)
    if wide["precision"] == "country":
        return True
    if wide["precision"] == "region":
        # A macro-region (North Caucasus) has no admin1 of its own: nothing says what it contains.
        return None in (narrow["admin1"], wide["admin1"]) or narrow["admin1"] in (wide["key"], wide["admin1"])
    if None in (a["lat"], a["lon"], b["lat"], b["lon"]):
        return False
    return _distance_km(a, b) <= NEARBY_KM


def _actor_forms(actor: dict) -> list[str]:
    return [actor["name"], *actor.get("variants", [])]


def _is_key_actor(role: str, family: str) -> bool:
    return role in KEY_ROLES or (role == "speaker" and family in SPEAKER_FAMILIES)


def _person_keys(forms: Iterable[str]) -> list[names.PersonKey]:
    return [key for key in map(names.person_key, forms) if key is not None]


def _profile(family: str, time: dict | None, place: dict | None, actors: Iterable[tuple[str, str, list[str]]]) -> dict:
    """Match profile from (kind, role, name forms) of each actor."""
    persons: list[names.PersonKey] = []
    orgs: list[str] = []
    for kind, role, forms in actors:
        if not _is_key_actor(role, family):
            continue
        if kind == "person":
            persons.extend(key for key in _person_keys(forms) if key not in persons)
        elif kind in ("organisation", "group"):
            orgs.extend(key for key in map(names.org_key, forms) if key and key not in orgs)
    return {"time": time_interval(time), "place": place_profile(place), "persons": persons, "orgs": orgs}


def mention_profile(mention: dict) -> dict:
    actors = ((actor["kind"], actor["role"], _actor_forms(actor)) for actor in mention["actors"])
    return _profile(type_family(mention["type"]), mention["time"], mention["location"], actors)


def match_strength(
    mention: dict, event: dict, article_id: str, *, denial: bool = False, story: str | None = None
) -> int | None:
    """How well a mention's profile fits an event's: None when incompatible, else 0 (place and day,
    the same article, or the same story only) to 3 (a person's full name agrees).

    The story of the mention's article (`story`, when known) is evidence: in a story that
    already reports the event, a mention without actors of its own needs only compatible
    time and place; from a story that does not, place and day must name the same town,
    not merely compatible places."""
    same_story = bool(story) and story in event.get("stories", ())
    other_story = bool(story) and bool(event.get("stories")) and not same_story
    if not denial and not times_compatible(mention["time"], event["time"]):
        return None
    if mention["persons"] and event["persons"]:
        strength = names.persons_match(mention["persons"], event["persons"]) + 1
        if strength == 1:
            return None
    elif not mention["persons"] and not event["persons"] and mention["orgs"] and event["orgs"]:
        if not names.orgs_match(mention["orgs"], event["orgs"]):
            return None
        strength = 1
    elif (
        event["last_article"] == article_id
        or same_story
        or (
            mention["place"]
            and event["place"]
            and same_day(mention["time"], event["time"])
            and (not other_story or _same_town(mention["place"], event["place"]))
        )
    ):
        strength = 0
    else:
        return None
    if places_compatible(mention["place"], event["place"]):
        return strength
    # A denial's date is its own, so for it the full name alone bridges places in one region.
    full_name_same_day = strength == 3 and (denial or same_day(mention["time"], event["time"]))
    return strength if full_name_same_day and _same_region(mention["place"], event["place"]) else None


def _same_town(a: dict, b: dict) -> bool:
    same = a["key"] == b["key"] or (a["geonameid"] is not None and a["geonameid"] == b["geonameid"])
    return same and a["precision"] in LOCAL_PRECISIONS and b["precision"] in LOCAL_PRECISIONS


def _same_region(a: dict, b: dict) -> bool:
    return bool(a["admin1"]) and a["admin1"] == b["admin1"] and a["country"] == b["country"]


# --- event state ---------------------------------------------------------------------------


def _new_state(event_id: str, key: str) -> dict:
    return {
        "event_id": event_id,
        "blocking_key": key,
        "family": key.split(":", 1)[0],
        "version": 0,
        "digest": "",
        "seen": 0.0,
        "sources": [],
        "mentions": [],
        "actors": [],
    }


def _received_at(article: dict) -> str:
    return article.get("received_at") or article.get("published_at")


EXPIRE_EVERY = 3600.0


class StreamClock:
    """The newest report time seen, and whether expiry (every EXPIRE_EVERY seconds of it) is due."""

    def __init__(self) -> None:
        self.now: datetime | None = None
        self.last_expiry: float | None = None

    def advance(self, seen: datetime) -> bool:
        self.now = seen if self.now is None else max(self.now, seen)
        now = self.now.timestamp()
        if self.last_expiry is None:
            self.last_expiry = now
        if now - self.last_expiry < EXPIRE_EVERY:
            return False
        self.last_expiry = now
        return True


def received_time(article: dict) -> datetime:
    """When the article was ingested (else published): the clock state expires on, so that
    replaying an archive at full speed expires nothing that is still being reported."""
    return parse_timestamp(_received_at(article))


def _source(article: dict, sentence: str, duplicate_of: str | None) -> dict:
    received = _received_at(article)
    return {
        "article_id": article["article_id"],
        "outlet": article.get("source"),
        "url": article.get("url"),
        "published_at": article.get("published_at"),
        "reported": article_time(article).timestamp(),
        "received_at": received,
        "received": parse_timestamp(received).timestamp(),
        "sentence": sentence,
        "duplicate_of": duplicate_of,
        "story_id": article.get("story_id"),
    }


def _actor_matches(existing: dict, kind: str, forms: list[str]) -> bool:
    if existing["kind"] != kind:
        return False
    if kind == "person":
        return names.persons_match(_person_keys(existing["forms"]), _person_keys(forms)) > 0
    if kind == "place":
        return bool({names.place_key(form) for form in forms} & {names.place_key(form) for form in existing["forms"]})
    return names.orgs_match(map(names.org_key, existing["forms"]), map(names.org_key, forms))


def _merge_actors(actors: list[dict], mention_actors: list[dict]) -> list[dict]:
    merged = [dict(actor) for actor in actors]
    for actor in mention_actors:
        forms = _actor_forms(actor)
        target = next((known for known in merged if _actor_matches(known, actor["kind"], forms)), None)
        if target is None:
            target = {"kind": actor["kind"], "role": actor["role"], "forms": {}, "attributes": {}}
            merged.append(target)
        target["forms"] = dict(target["forms"])
        for form in dict.fromkeys(forms):
            target["forms"][form] = target["forms"].get(form, 0) + 1
        target["role"] = min(target["role"], actor["role"], key=ROLE_PRECEDENCE.index)
        target["attributes"] = {field: list(values) for field, values in target["attributes"].items()}
        for field, value in (actor.get("attributes") or {}).items():
            if value is not None:
                target["attributes"].setdefault(field, []).append(value)
    return merged


def _without_earlier_version(state: dict, article: dict) -> dict | None:
    """The state without what an earlier version of the article brought to it (its source and
    mentions); None if the state holds a later version. An arrival received later under the same
    id is a newer version: the clean stage stops older and repeated ones (agents.logic.revisions)."""
    held = next((s for s in state["sources"] if s["article_id"] == article["article_id"]), None)
    if held is None or held["duplicate_of"]:
        return state
    received = received_time(article).timestamp()
    if received <= held["received"]:
        return state if received == held["received"] else None
    mentions = [mention for mention in state["mentions"] if mention["article_id"] != article["article_id"]]
    # States stored before mentions kept their actors cannot take an article's actors back.
    rebuilt = all("actors" in mention for mention in mentions)
    actors = [actor for mention in mentions for actor in mention["actors"]] if rebuilt else None
    return {
        **state,
        "sources": [source for source in state["sources"] if source is not held],
        "mentions": mentions,
        "actors": state["actors"] if actors is None else _merge_actors([], actors),
    }


def _reported_by(profiles: list[dict], article_id: str) -> list[str]:
    return [profile["id"] for profile in profiles if article_id in profile["articles"]]


def _holds_mention(state: dict, mention: dict, article: dict) -> bool:
    """Whether the state has this mention from this version of the article."""
    received = received_time(article).timestamp()
    return any(known["mention_id"] == mention["mention_id"] for known in state["mentions"]) and any(
        source["article_id"] == article["article_id"] and source["received"] == received for source in state["sources"]
    )


def _add_mention(state: dict, mention: dict, article: dict) -> dict:
    """A new state with the mention (and its article as a source); unchanged if already merged or
    if the state holds a later version of the article. A newer version replaces the earlier one."""
    revised = _without_earlier_version(state, article)
    if revised is None:
        return state
    state = revised
    if any(known["mention_id"] == mention["mention_id"] for known in state["mentions"]):
        return state
    sources = state["sources"]
    if not any(source["article_id"] == article["article_id"] for source in sources):
        sources = [*sources, _source(article, mention["sentence"], None)]
    entry = {
        "mention_id": mention["mention_id"],
        "article_id": article["article_id"],
        "type": mention["type"],
        "time": mention["time"],
        "location": mention["location"],
        "casualties": mention.get("casualties"),
        "certainty": mention["certainty"],
        "attributed_to": mention.get("attributed_to"),
        "denied": is_denial(mention),
        "actors": mention["actors"],
    }
    return {
        **state,
        "sources": sources,
        "mentions": [*state["mentions"], entry],
        "actors": _merge_actors(state["actors"], mention["actors"]),
        "seen": max(state["seen"], article_time(article).timestamp()),
    }


def _candidate_order(profile: dict) -> tuple[float, str]:
    return profile["seen"], profile["id"]


def _event_profile(state: dict, time: dict | None, place: dict | None) -> dict:
    actors = ((actor["kind"], actor["role"], list(actor["forms"])) for actor in state["actors"])
    profile = _profile(state["family"], time, place, actors)
    last_article = state["mentions"][-1]["article_id"]
    articles = sorted({mention["article_id"] for mention in state["mentions"]})
    return {
        "id": state["event_id"],
        "seen": state["seen"],
        "received": max(source["received"] for source in state["sources"]),
        "last_article": last_article,
        "articles": articles,
        "stories": _story_ids(state),
    } | profile


def _story_ids(state: dict) -> list[str]:
    """The stories of the event's reports, in the order they were first reported in."""
    return list(dict.fromkeys(source["story_id"] for source in state["sources"] if source.get("story_id")))


# --- rendering -----------------------------------------------------------------------------


def _most_common(values: list) -> object:
    """Most frequent value; ties go to the longest, then the smallest text form."""
    counts = Counter(map(orjson.dumps, values))
    chosen = min(counts, key=lambda encoded: (-counts[encoded], -len(encoded), encoded))
    return orjson.loads(chosen)


def _render_actor(actor: dict) -> dict:
    name = (
        names.display_name(actor["forms"])
        if actor["kind"] == "person"
        else max(actor["forms"], key=lambda form: (actor["forms"][form], len(form), form))
    )
    rendered = {
        "id": names.entity_id(actor["kind"], name),
        "name": name,
        "variants": sorted(actor["forms"]),
        "kind": actor["kind"],
        "role": actor["role"],
    }
    attributes = {field: _most_common(values) for field, values in sorted(actor["attributes"].items())}
    if attributes:
        rendered["attributes"] = attributes
    return rendered


def _by_value(pairs: Iterable[tuple[str, str]], order: dict[str, tuple]) -> dict[str, list[str]]:
    """value -> article ids reporting it, in source order."""
    grouped: dict[str, list[str]] = {}
    for value, article_id in pairs:
        if article_id not in grouped.setdefault(value, []):
            grouped[value].append(article_id)
    return {value: sorted(ids, key=order.__getitem__) for value, ids in grouped.items()}


def _conflict(field: str, grouped: dict[str, list[str]]) -> list[dict]:
    if len(grouped) < 2:
        return []
    values = [{"value": value, "article_ids": ids} for value, ids in sorted(grouped.items())]
    return [{"field": field, "values": values}]


def _best(mentions: list[dict], field: str, identity, rank, order: dict[str, tuple]) -> dict | None:
    """The field's value from the most precise, then most supported group; taken from the earliest report."""
    groups: dict[str, list[dict]] = {}
    for mention in mentions:
        if mention[field]:
            groups.setdefault(identity(mention[field]), []).append(mention)
    if not groups:
        return None

    def preference(group_key: str) -> tuple:
        members = groups[group_key]
        return (rank(members[0][field]), -len({member["article_id"] for member in members}), group_key)

    chosen = min(groups, key=preference)
    return min(groups[chosen], key=lambda mention: order[mention["article_id"]])[field]


def _time_identity(time: dict) -> str:
    return f"{time['start']}/{time['end']}"


def _time_rank(time: dict) -> int:
    interval = time_interval(time)
    return interval[1] - interval[0]


def _place_identity(place: dict) -> str:
    return str(place.get("geonameid") or names.place_key(place["canonical"] or place["reported"]))


def _place_rank(place: dict) -> int:
    return PRECISION_RANK[place["precision"]]


def _casualties(mentions: list[dict], order: dict[str, tuple]) -> tuple[dict | None, list[dict]]:
    """Each count from the latest report giving it (tolls get revised upwards), and the disagreements."""
    merged: dict[str, int] = {}
    conflicts = []
    for field in CASUALTY_FIELDS:
        reports = [
            (order[mention["article_id"]], mention["casualties"][field], mention["article_id"])
            for mention in mentions
            if (mention["casualties"] or {}).get(field) is not None
        ]
        if reports:
            merged[field] = max(reports)[1]
            conflicts += _conflict("casualties", _by_value(((f"{field}={n}", aid) for _, n, aid in reports), order))
    return (merged or None), conflicts


def _place_label(place: dict) -> str:
    parts = [place["canonical"] or place["reported"], place["admin1"], place["country_code"]]
    return ", ".join(dict.fromkeys(part for part in parts if part))


def _time_label(time: dict) -> str:
    if time["start"] == time["end"]:
        return f"on {time['start']}"
    if time["precision"] == "month":
        return f"in {time['start'][:7]}"
    if time["precision"] == "year":
        return f"in {time['start'][:4]}"
    return f"between {time['start']} and {time['end']}"


def _describe_actor(actor: dict) -> str:
    attributes = actor.get("attributes", {})
    title, affiliation = attributes.get("title"), attributes.get("affiliation")
    if title and affiliation and affiliation.lower() not in title.lower():
        description = f"{affiliation} {title}"
    else:
        description = title or affiliation
    return f"{actor['name']} ({description})" if description else actor["name"]


def _named(actors: list[dict]) -> str:
    who = _describe_actor(actors[0])
    if len(actors) == 2:
        return f"{who} and {actors[1]['name']}"
    return f"{who}, {actors[1]['name']} and {len(actors) - 2} more" if len(actors) > 2 else who


def _summary(payload: dict, family: str, disputed: bool) -> str:
    event_type = payload["type"]
    key_actors = [actor for actor in payload["actors"] if _is_key_actor(actor["role"], family)]
    # "X killed" only of whom it happened to (or who spoke); a perpetrator is "Killing involving X".
    undergoing = [actor for actor in key_actors if actor["role"] not in ("perpetrator", "target")]
    persons = [actor for actor in key_actors if actor["kind"] == "person"]
    if event_type in OUTCOME_VERBS and undergoing:
        text = f"{_named([a for a in undergoing if a['kind'] == 'person'] or undergoing)} {OUTCOME_VERBS[event_type]}"
    elif key_actors:
        text = f"{TYPE_NOUNS[event_type]} involving {_named(persons or key_actors)}"
    else:
        text = TYPE_NOUNS[event_type]
    if payload["location"]:
        text += f" in {_place_label(payload['location'])}"
    if payload["time"]:
        text += f" {_time_label(payload['time'])}"
    tolls = [
        f"{payload['casualties'][field]} {field}"
        for field in CASUALTY_FIELDS
        if (payload["casualties"] or {}).get(field)
    ]
    if tolls:
        text += f" ({', '.join(tolls)})"
    if disputed:
        text += " [denial reported]"
    elif payload["certainty"] not in ("confirmed", "reported"):
        text += f" [{payload['certainty']}]"
    reports, outlets = payload["num_articles"], payload["num_sources"]
    return f"{text} — {reports} report{'s' * (reports != 1)} from {outlets} outlet{'s' * (outlets != 1)}"


def render_event(state: dict) -> dict:
    """The events.enriched payload of an event state. Independent of the order reports arrived in,
    apart from the version."""
    sources = sorted(state["sources"], key=lambda source: (source["reported"], source["article_id"]))
    order = {source["article_id"]: (source["reported"], source["article_id"]) for source in sources}
    denials = [mention for mention in state["mentions"] if mention["denied"]]
    asserting = [mention for mention in state["mentions"] if not mention["denied"]] or denials

    # One vote per article and type, however many sentences repeat it.
    type_counts = Counter(event_type for _, event_type in {(m["article_id"], m["type"]) for m in asserting})
    event_type = min(
        type_counts,
        key=lambda t: (-type_counts[t], TYPE_PRECEDENCE.index(t) if t in TYPE_PRECEDENCE else len(TYPE_PRECEDENCE), t),
    )
    time = _best(asserting, "time", _time_identity, _time_rank, order)
    location = _best(asserting, "location", _place_identity, _place_rank, order)
    casualties, casualty_conflicts = _casualties(asserting, order)

    conflicts = _conflict(
        "time",
        _by_value(
            (
                (m["time"]["start"], m["article_id"])
                for m in asserting
                if m["time"] and m["time"]["start"] == m["time"]["end"]
            ),
            order,
        ),
    )
    conflicts += _conflict(
        "location",
        _by_value(
            (
                (m["location"]["canonical"] or m["location"]["reported"], m["article_id"])
                for m in asserting
                if m["location"] and m["location"]["precision"] in LOCAL_PRECISIONS
            ),
            order,
        ),
    )
    conflicts += casualty_conflicts
    if denials and len(denials) < len(state["mentions"]):
        conflicts += _conflict(
            "certainty",
            _by_value(
                (("denied" if m["denied"] else m["certainty"], m["article_id"]) for m in state["mentions"]), order
            ),
        )

    certainties = {mention["certainty"] for mention in state["mentions"] if not mention["denied"]}
    certainty = min(certainties, key=CERTAINTY_STRENGTH.index) if certainties else "denied"
    attributed_to = list(
        dict.fromkeys(
            m["attributed_to"]
            for m in sorted(state["mentions"], key=lambda m: order[m["article_id"]])
            if m["attributed_to"]
        )
    )
    actors = sorted(map(_render_actor, state["actors"]), key=lambda a: (ROLE_PRECEDENCE.index(a["role"]), a["id"]))
    first = min(sources, key=lambda source: source["reported"])
    last = max(sources, key=lambda source: source["received"])
    outlets = {source["outlet"] or source["url"] or source["article_id"] for source in sources}

    payload = {
        "schema_version": 1,
        "event_id": state["event_id"],
        "version": state["version"],
        "type": event_type,
        "summary": "",
        "actors": actors,
        "location": location,
        "time": time,
        "casualties": casualties,
        "certainty": certainty,
        "attributed_to": attributed_to,
        "sources": [
            {key: source[key] for key in ("article_id", "outlet", "url", "published_at", "sentence", "duplicate_of")}
            for source in sources
        ],
        "num_articles": len(sources),
        "num_sources": len(outlets),
        "story_ids": _story_ids(state),
        "first_reported_at": first["published_at"] or first["received_at"],
        "last_updated_at": last["received_at"],
        "conflicts": conflicts,
    }
    payload["summary"] = _summary(payload, state["family"], disputed=any(c["field"] == "certainty" for c in conflicts))
    return payload


def _digest(payload: dict) -> str:
    content = {key: value for key, value in payload.items() if key != "version"}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


# --- stores --------------------------------------------------------------------------------


class EventStore:
    """Canonical events of the recent past, merged report by report.

    events: event_id -> event state (see _new_state), rendered by render_event; may be a Faust
    table (values are reassigned, never mutated in place). It is the store's whole state: one
    write per merge. Matching runs on candidate lists in memory derived from it: blocking key ->
    [match profile, ...], at most max_candidates events received within the window, ordered by
    when they were last seen (published), oldest first. Persisted, a key's list was rewritten and
    changelogged whole on every merge (7.3 KB a mention in the benchmark's stream) and decoded
    twice per mention. `invalidate()` drops the lists when the table may have changed under them
    (a rebalance); the next call rebuilds them from the states.
    """

    def __init__(
        self,
        events: MutableMapping,
        *,
        window_days: float | None = None,
        max_candidates: int = MAX_CANDIDATES,
    ) -> None:
        self.events = events
        self.window_seconds = (settings.dedup_window_days if window_days is None else window_days) * 86400
        self.max_candidates = max_candidates
        self._candidates: dict[str, list[dict]] | None = None

    @property
    def candidates(self) -> dict[str, list[dict]]:
        """Blocking key -> its candidate profiles, oldest first (built from the states on first use)."""
        if self._candidates is None:
            grouped: dict[str, list[dict]] = {}
            for state in self.events.values():
                payload = render_event(state)
                profile = _event_profile(state, payload["time"], payload["location"])
                grouped.setdefault(state["blocking_key"], []).append(profile)
            self._candidates = {
                key: sorted(profiles, key=_candidate_order)[-self.max_candidates :] for key, profiles in grouped.items()
            }
        return self._candidates

    def invalidate(self) -> None:
        self._candidates = None

    def merge(self, mention: dict, article: dict) -> tuple[dict, bool]:
        """Fold one event mention of an article into its event: (enriched payload, created?).

        The payload's version grows only when the mention changed the event; a mention
        merged before (a redelivery) leaves it as it was.
        """
        key = blocking_key(mention, article)
        held = self.candidates.get(key, [])
        # A redelivered mention (this very version of the article, again after a restart) is in
        # its event already: that event as it stands, not a new match against what came since.
        for event_id in _reported_by(held, article["article_id"]):
            state = self.events.get(event_id)
            if state is not None and _holds_mention(state, mention, article):
                return render_event(state), False
        now = article_time(article).timestamp()
        profile = mention_profile(mention)
        denial = is_denial(mention)
        best: tuple | None = None
        story = article.get("story_id")
        for candidate in (known for known in held if known["seen"] >= now - self.window_seconds):
            strength = match_strength(profile, candidate, article["article_id"], denial=denial, story=story)
            if strength is None:
                continue
            place_agrees = bool(
                profile["place"] and candidate["place"] and profile["place"]["key"] == candidate["place"]["key"]
            )
            rank = (
                strength + (bool(story) and story in candidate["stories"]),
                same_day(profile["time"], candidate["time"]),
                place_agrees,
                candidate["seen"],
                candidate["id"],
            )
            best = max(best or rank, rank)
        state = self.events.get(best[-1]) if best else None
        created = state is None
        if created:
            state = _new_state(self._new_event_id(key, mention, article), key)
        return self._save(_add_mention(state, mention, article)), created

    def add_copy(self, event_id: str, article: dict, first_copy_id: str) -> dict | None:
        """Count an article-level copy as a source of an event its first copy reported; None if the
        event is gone."""
        state = self.events.get(event_id)
        if state is None:
            return None
        if any(source["article_id"] == article["article_id"] for source in state["sources"]):
            return render_event(state)
        sentence = next((s["sentence"] for s in state["sources"] if s["article_id"] == first_copy_id), "")
        state = {
            **state,
            "sources": [*state["sources"], _source(article, sentence, first_copy_id)],
            "seen": max(state["seen"], article_time(article).timestamp()),
        }
        return self._save(state)

    def withdraw_earlier_version(self, event_id: str, article: dict) -> dict | None:
        """Take back from an event what an earlier version of the article brought to it, once a
        newer version no longer reports it there: the new payload, or None when nothing changed.
        An event the earlier version alone reported is left as it was: an event never has no report."""
        state = self.events.get(event_id)
        revised = None if state is None else _without_earlier_version(state, article)
        if revised is None or revised is state or not revised["mentions"]:
            return None
        return self._save(revised)

    def events_reported_by(self, key: str, article_id: str) -> list[str]:
        """Ids of the events under a blocking key that mentions of the article went into."""
        return _reported_by(self.candidates.get(key, []), article_id)

    def _save(self, state: dict) -> dict:
        """Store the state (a new version if its payload changed), refresh its candidate profile,
        and return the payload."""
        payload = render_event(state)
        digest = _digest(payload)
        if digest != state["digest"]:
            state = {**state, "version": state["version"] + 1, "digest": digest}
            payload["version"] = state["version"]
        self.events[state["event_id"]] = state
        key = state["blocking_key"]
        profile = _event_profile(state, payload["time"], payload["location"])
        held = self.candidates.get(key, [])
        received_since = profile["received"] - self.window_seconds
        others = [known for known in held if known["received"] >= received_since and known["id"] != state["event_id"]]
        kept = sorted([*others, profile], key=_candidate_order)[-self.max_candidates :]
        self.candidates[key] = kept
        # An event that is no candidate any more can take no new report: its state goes with it.
        # Expiry happens here, per key, because state may only change on the partition of the
        # key being processed (a Faust table reads and writes the current message's partition).
        kept_ids = {known["id"] for known in kept}
        for dropped in [*held, profile]:
            if dropped["id"] not in kept_ids and dropped["id"] in self.events:
                del self.events[dropped["id"]]
        return payload

    def _new_event_id(self, key: str, mention: dict, article: dict) -> str:
        anchor = f"{key}|{identity_anchor(mention, article)}"
        event_id, attempt = _hashed_id(anchor), 1
        while event_id in self.events:  # another event with the same anchor: salt, in order of creation
            attempt += 1
            event_id = _hashed_id(f"{anchor}|{attempt}")
        return event_id


def _hashed_id(anchor: str) -> str:
    return "ev_" + hashlib.sha256(anchor.encode()).hexdigest()[:16]


def identity_anchor(mention: dict, article: dict) -> str:
    """The report features an event id derives from (see the module docstring)."""
    family = type_family(mention["type"])
    interval = time_interval(mention["time"])
    published = article_time(article).astimezone(UTC).date()
    month_day = date.fromordinal(interval[1]) if interval and interval[1] - interval[0] <= 31 else published
    month = month_day.isoformat()[:7]
    surnames = []
    for actor in mention["actors"]:
        if actor["kind"] == "person" and _is_key_actor(actor["role"], family):
            keys = _person_keys(_actor_forms(actor))
            # A real name over an alias: the report that gives only the alias is the rare one.
            surnames += [key[0] for key in ([key for key in keys if not names.is_kunya(key)] or keys)]
    if surnames:
        return f"per:{min(surnames)}|{month}"
    location = mention["location"] or {}
    region = names.place_key(location.get("admin1") or location.get("canonical") or location.get("reported") or "")
    if any(
        actor["kind"] in ("organisation", "group") and _is_key_actor(actor["role"], family)
        for actor in mention["actors"]
    ):
        return f"org:{region}|{month}"
    day = date.fromordinal(interval[0]) if interval and interval[0] == interval[1] else published
    return f"plc:{region}|{day.isoformat()}"


# --- batch ---------------------------------------------------------------------------------


class ProcessedArticle(NamedTuple):
    duplicate_of: str | None  # first copy of the story, when the article is a copy
    events: list[dict]  # payloads published for this article, in order


class Deduplicator:
    """Article index and event store together over in-memory dicts: the single-process path."""

    def __init__(self, *, window_days: float | None = None, max_candidates: int = MAX_CANDIDATES) -> None:
        self.articles = ArticleIndex({}, window_days=window_days)
        self.events = EventStore({}, window_days=window_days, max_candidates=max_candidates)

    def process(self, record: dict, body: str | None = None) -> ProcessedArticle:
        """One articles.extracted record. The clean body, when given, finds near-duplicate copies;
        without it only exact copies and a duplicate_of set upstream are recognised."""
        if record.get("duplicate_of"):
            duplicate_of = self.articles.first_copy(record["duplicate_of"])
        else:
            duplicate_of = self.articles.check(record["article_id"], record["fingerprint"], body, received_time(record))
        if duplicate_of:
            refs = self.articles.event_refs(duplicate_of)
            copies = (self.events.add_copy(event_id, record, duplicate_of) for _, event_id in refs)
            return ProcessedArticle(duplicate_of, [payload for payload in copies if payload is not None])
        payloads, refs = [], []
        for mention in record["events"]:
            payload, _ = self.events.merge(mention, record)
            payloads.append(payload)
            refs.append([blocking_key(mention, record), payload["event_id"]])
        merged = {event_id for _, event_id in refs}
        for _, event_id in self.articles.event_refs(record["article_id"]):
            if event_id not in merged and (payload := self.events.withdraw_earlier_version(event_id, record)):
                payloads.append(payload)
        self.articles.link_events(record["article_id"], refs)
        return ProcessedArticle(None, payloads)


def dedup_articles(
    records: Iterable[dict], bodies: dict[str, str] | None = None, *, window_days: float | None = None
) -> list[dict]:
    """The latest version of every event a batch of articles.extracted records (in arrival order)
    yields, oldest first. bodies (article_id -> clean body) enable near-duplicate detection."""
    deduplicator = Deduplicator(window_days=window_days)
    latest: dict[str, dict] = {}
    for record in records:
        for payload in deduplicator.process(record, (bodies or {}).get(record["article_id"])).events:
            latest[payload["event_id"]] = payload
    return sorted(latest.values(), key=lambda event: (parse_timestamp(event["first_reported_at"]), event["event_id"]))
