"""Which event versions a subscriber wants: filters, start times, and one-version-once delivery.

Pure functions over events.enriched payloads, shared by the Python client, `wirewatch
subscribe` and the worker's HTTP stream, so the three select alike.

A filter holds when every criterion given holds (values of one criterion are
alternatives). Names compare by transliteration-folded words (agents.logic.names):
case, diacritics and spelling schemes do not matter ('suleymanov' finds Magomed
Suleimanov; 'Daghestan' finds Dagestan), and a query's words may be a part of the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import orjson

from agents.logic.names import phrase_key, place_key
from streams.contracts import SCHEMA_DIR

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s+ago)?$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
QUERY_PARAMETERS = ("type", "entity", "country", "place", "certainty", "min_sources", "since")


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


def _schema_enum(name: str) -> tuple[str, ...]:
    defs = orjson.loads((SCHEMA_DIR / "defs.schema.json").read_bytes())
    return tuple(defs["$defs"][name]["enum"])


# The taxonomy and certainty levels as the schema publishes them.
EVENT_TYPES = _schema_enum("event_type")
CERTAINTIES = _schema_enum("certainty")


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A point in time: ISO 8601 date or date-time (UTC when it has no offset), 'now',
    or a duration back from now such as '90s', '30m', '2h', '7d', '1w' ('2h ago' too)."""
    now = now or datetime.now(UTC)
    value = text.strip().lower()
    if value == "now":
        return now
    if duration := _DURATION.match(value):
        amount, unit = duration.groups()
        return now - timedelta(**{_DURATION_UNITS[unit]: float(amount)})
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(
            f"cannot read {text!r} as a time: give an ISO 8601 date or date-time, or a duration such as 30m, 2h, 7d"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _words(key: str) -> frozenset[str]:
    """The word keys of a phrase key ('magomed_suleimanov' -> {'magomed', 'suleimanov'})."""
    return frozenset(word for word in key.split("_") if word)


def _as_tuple(values: str | Iterable[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True)
class EventFilter:
    """What a subscriber asked for; the empty filter lets everything through."""

    types: frozenset[str] = frozenset()
    entities: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    places: tuple[str, ...] = ()
    certainties: frozenset[str] = frozenset()
    min_sources: int = 1
    since: datetime | None = None
    _entity_words: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)
    _entity_ids: frozenset[str] = field(init=False, repr=False, compare=False)
    _place_words: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_entity_words", tuple(_words(phrase_key(name)) for name in self.entities))
        object.__setattr__(self, "_entity_ids", frozenset(name.strip().lower() for name in self.entities))
        object.__setattr__(self, "_place_words", tuple(_words(place_key(name)) for name in self.places))

    @classmethod
    def build(
        cls,
        *,
        types: str | Iterable[str] | None = None,
        entities: str | Iterable[str] | None = None,
        countries: str | Iterable[str] | None = None,
        places: str | Iterable[str] | None = None,
        certainties: str | Iterable[str] | None = None,
        min_sources: int | str | None = None,
        since: datetime | str | None = None,
        now: datetime | None = None,
    ) -> EventFilter:
        """A checked filter from user input: a single value or several per criterion; FilterError when unusable."""
        chosen_types = frozenset(t.strip().lower() for t in _as_tuple(types))
        if unknown := sorted(chosen_types - set(EVENT_TYPES)):
            raise FilterError(f"unknown event type {', '.join(unknown)}; choose from {', '.join(EVENT_TYPES)}")
        chosen_certainties = frozenset(c.strip().lower() for c in _as_tuple(certainties))
        if unknown := sorted(chosen_certainties - set(CERTAINTIES)):
            raise FilterError(f"unknown certainty {', '.join(unknown)}; choose from {', '.join(CERTAINTIES)}")
        codes = frozenset(code.strip().upper() for code in _as_tuple(countries))
        if bad := sorted(code for code in codes if not _COUNTRY_CODE.match(code)):
            raise FilterError(f"country {', '.join(bad)} is not a two-letter ISO 3166 code such as RU")
        try:
            least = int(min_sources) if min_sources is not None else 1
        except ValueError:
            raise FilterError(f"min_sources {min_sources!r} is not a whole number") from None
        if least < 1:
            raise FilterError("min_sources must be at least 1")
        if isinstance(since, str):
            since = parse_when(since, now)
        elif since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return cls(
            types=chosen_types,
            entities=tuple(e for e in _as_tuple(entities) if e.strip()),
            countries=codes,
            places=tuple(p for p in _as_tuple(places) if p.strip()),
            certainties=chosen_certainties,
            min_sources=least,
            since=since,
        )

    @classmethod
    def from_query(cls, pairs: Iterable[tuple[str, str]], now: datetime | None = None) -> EventFilter:
        """A filter from URL query parameters (QUERY_PARAMETERS; type, entity, country, place and
        certainty may repeat)."""
        given: dict[str, list[str]] = {}
        for name, value in pairs:
            if name not in QUERY_PARAMETERS:
                raise FilterError(f"unknown parameter {name!r}; filters are {', '.join(QUERY_PARAMETERS)}")
            given.setdefault(name, []).append(value)
        for single in ("min_sources", "since"):
            if len(given.get(single, ())) > 1:
                raise FilterError(f"{single} may be given once")
        return cls.build(
            types=given.get("type"),
            entities=given.get("entity"),
            countries=given.get("country"),
            places=given.get("place"),
            certainties=given.get("certainty"),
            min_sources=given.get("min_sources", [None])[0],
            since=given.get("since", [None])[0],
            now=now,
        )

    def matches(self, event: dict) -> bool:
        if self.types and event["type"] not in self.types:
            return False
        if self.certainties and event["certainty"] not in self.certainties:
            return False
        if event["num_sources"] < self.min_sources:
            return False
        if self.since is not None and parse_when(event["last_updated_at"]) < self.since:
            return False
        location = event["location"] or {}
        if self.countries and location.get("country_code") not in self.countries:
            return False
        if self.places and not self._place_matches(location):
            return False
        return not self.entities or any(self._actor_matches(actor) for actor in event["actors"])

    def _actor_matches(self, actor: dict) -> bool:
        if actor["id"].lower() in self._entity_ids:
            return True
        names = [_words(phrase_key(name)) for name in {actor["name"], *actor["variants"]}]
        return any(wanted <= name for wanted in self._entity_words for name in names)

    def _place_matches(self, location: dict) -> bool:
        names = [
            _words(place_key(name))
            for name in (location.get("reported"), location.get("canonical"), location.get("admin1"))
            if name
        ]
        return any(wanted <= name for wanted in self._place_words for name in names)


class EventGate:
    """Lets each version of an event through once and in order, and keeps following an event once it matched.

    Versions are published at least once, so a version may arrive again (after a worker
    crash) or after a newer one (from another partition replay): both are dropped. Once
    an event has matched, its later versions pass even if they no longer match (its type
    was re-voted, say), so a subscriber never keeps a stale state of an event it was shown.
    """

    def __init__(self, event_filter: EventFilter | None = None) -> None:
        self.event_filter = event_filter or EventFilter()
        self._shown: dict[str, int] = {}  # event id -> the version last let through

    def admit(self, event: dict) -> bool:
        shown = self._shown.get(event["event_id"])
        if shown is None and not self.event_filter.matches(event):
            return False
        if shown is not None and event["version"] <= shown:
            return False
        self._shown[event["event_id"]] = event["version"]
        return True
