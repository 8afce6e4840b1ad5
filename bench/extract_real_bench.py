"""Extraction on real conflict reporting: ACLED coders' notes against their own coding.

    python bench/extract_real_bench.py [--json] [--errors N] [--data PATH]

Each record of ../shared/data/acled-dev/notes.jsonl goes through the clean and extract
stages as `wirewatch process` runs them (model loaded once), and its events are scored by the
rules of that data set's README:

- found: at least one event from the record;
- type, strict and lenient, by acled_targets below: the README's mapping onto this project's
  types (a protest, riot, shelling or abduction is a subtype of one of them: docs/taxonomy.md);
- location: within 25 km of the coded coordinates, or the same admin1 where the coding knows
  only the region (geo_precision 3); country: the event's country is the coded one;
- date: the event's day is the coded day, over all records and over the notes that name a
  date (a day and month, or a numeric d/m date, written in the note);
- fatalities: the event's killed count (none = 0) equals the coded one, and within 1;
- spurious: events beyond the first of an in-scope record, and every event of an
  out-of-scope record (strategic developments other than arrests), per record.

The first event of a record is the one scored. Records whose note the clean stage refuses
count as not found. Speed: the extract stage per clean note against a bare spaCy NER pass over
the same texts, interleaved.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from agents.logic.clean import CleanError, clean_article  # noqa: E402
from agents.logic.extract import extract_article, load_nlp  # noqa: E402
from agents.logic.extract.gazetteer import fold_key, gazetteer  # noqa: E402
from bench.extract_bench import interleaved_rates  # noqa: E402
from streams.settings import settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "acled-dev" / "notes.jsonl"
RADIUS_KM = 25.0
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
NAMES_A_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\b|\b(?:{_MONTHS}) \d{{1,2}}\b|\b\d{{1,2}}/\d{{1,2}}\b", re.IGNORECASE
)
# Old ACLED names one type for both.
_COUNTRY_NAMES = {"Democratic Republic of Congo": "CD", "Republic of Congo": "CG"}


def acled_targets(gold: dict) -> tuple[str, set[str]] | None:
    """(strict type, lenient types) in this project's coarse scoring types, or None when the
    record is out of scope (the README's mapping)."""
    kind, sub, deaths = gold["event_type"], gold["sub_event_type"], gold["fatalities"] or 0
    if kind == "Battles":
        return ("killed" if deaths > 0 else "clash"), {"clash", "killed", "attack"}
    if kind == "Explosions/Remote violence":
        if sub == "Grenade":
            return "bombing", {"bombing", "attack"}
        if sub in ("Shelling/artillery/missile attack", "Air/drone strike"):
            return "bombing", {"bombing", "attack", "killed"}
        return "bombing", {"bombing"}
    if kind == "Violence against civilians":
        if sub.startswith("Abduction"):
            return "other", {"other"}
        return ("killed" if deaths > 0 else "attack"), {"attack", "killed"}
    if kind == "Protests":
        return "other", {"other"}
    if kind in ("Riots", "Riots/Protests"):
        return "other", {"other", "attack", "killed", "clash"}
    if kind == "Strategic developments" and sub == "Arrests":
        return "arrested", {"arrested"}
    return None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def country_code(name: str) -> str | None:
    if name in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[name]
    place = gazetteer().resolve(name)
    return place.country_code if place is not None and place.precision == "country" else None


def _same_region(gold_admin1: str, place: dict) -> bool:
    key = fold_key(gold_admin1)
    return key in {fold_key(place.get("admin1") or ""), fold_key(place.get("canonical") or "")}


def score_record(record: dict, events: list[dict]) -> dict:
    """One record's marks (booleans, or None where the metric does not apply)."""
    gold = record["gold"]
    targets = acled_targets(gold)
    if targets is None:
        return {"in_scope": False, "spurious": len(events)}
    strict, lenient = targets
    names_date = bool(NAMES_A_DATE.search(record["body"]))
    marks = {"in_scope": True, "spurious": max(0, len(events) - 1), "names_date": names_date}
    event = events[0] if events else None
    marks["found"] = event is not None
    if event is None:
        marks |= dict.fromkeys(("strict", "lenient", "location", "country", "date", "deaths", "deaths_1"), False)
        marks["miss"] = "no event"
        return marks
    coarse = event["type"]
    marks["strict"] = coarse == strict
    marks["lenient"] = coarse in lenient
    place = event.get("location") or {}
    if gold["geo_precision"] == "3":
        marks["location"] = _same_region(gold["admin1"], place)
    else:
        marks["location"] = place.get("lat") is not None and (
            haversine_km(place["lat"], place["lon"], gold["latitude"], gold["longitude"]) <= RADIUS_KM
        )
    marks["country"] = place.get("country_code") is not None and place["country_code"] == country_code(gold["country"])
    start = (event.get("time") or {}).get("start") or ""
    marks["date"] = start[:10] == gold["event_date"]
    killed = (event.get("casualties") or {}).get("killed", 0)
    marks["deaths"] = killed == (gold["fatalities"] or 0)
    marks["deaths_1"] = abs(killed - (gold["fatalities"] or 0)) <= 1
    marks["predicted"] = {
        "type": event["type"],
        "subtype": event.get("subtype"),
        "place": place.get("canonical") or place.get("reported"),
        "country": place.get("country_code"),
        "km": round(haversine_km(place["lat"], place["lon"], gold["latitude"], gold["longitude"]))
        if place.get("lat") is not None
        else None,
        "date": start[:10] or None,
        "killed": killed,
    }
    return marks


METRICS = ("found", "strict", "lenient", "location", "country", "date", "deaths", "deaths_1")


def summarise(rows: list[dict]) -> dict:
    scoped = [r for r in rows if r["in_scope"]]
    n = len(scoped) or 1
    out = {"records": len(rows), "in_scope": len(scoped)}
    for metric in METRICS:
        out[metric] = round(100 * sum(bool(r[metric]) for r in scoped) / n, 1)
    dated = [r for r in scoped if r["names_date"]]
    out["date_named"] = round(100 * sum(r["date"] for r in dated) / (len(dated) or 1), 1)
    out["notes_naming_a_date"] = len(dated)
    out["spurious_per_record"] = round(sum(r["spurious"] for r in rows) / (len(rows) or 1), 3)
    return out


def to_raw(record: dict) -> dict:
    """A note as an articles.raw record, as `wirewatch process` reads a JSON line."""
    return {
        "article_id": record["article_id"],
        "title": record.get("title") or None,
        "body": record["body"],
        "content_type": "text",
        "published_at": record["published_at"],
        "received_at": record["published_at"],
        "source": record.get("outlet"),
    }


def extract_record(record: dict, nlp) -> list[dict]:
    try:
        clean = clean_article(to_raw(record), max_body_bytes=settings.max_body_bytes)
    except CleanError:
        return []
    return extract_article(clean, nlp)["events"]


def speed(records: list[dict], nlp, rounds: int) -> dict:
    """Notes per second: the extract stage (on the clean records) against a bare spaCy NER pass
    over the same texts, interleaved rounds."""
    bare = spacy.load(settings.spacy_model)
    cleans = []
    for record in records:
        with contextlib.suppress(CleanError):
            cleans.append(clean_article(to_raw(record), max_body_bytes=settings.max_body_bytes))
    bare_rate, extract_rate = interleaved_rates(cleans, nlp, bare, rounds)
    return {
        "notes": len(cleans),
        "rounds": rounds,
        "bare_ner_per_s": round(bare_rate, 1),
        "extract_per_s": round(extract_rate, 1),
        "ratio": round(extract_rate / bare_rate, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the notes (median kept)")
    parser.add_argument("--errors", type=int, default=0, help="list this many misses per metric")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}: skipped")
        return 0
    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    nlp = load_nlp(settings.spacy_model)
    rows = []
    for record in records:
        events = extract_record(record, nlp)
        rows.append({**score_record(record, events), "record": record, "events": events})
    overall = summarise(rows)
    by_type, by_country = defaultdict(list), defaultdict(list)
    for row in rows:
        gold = row["record"]["gold"]
        by_type[f"{gold['event_type']} / {gold['sub_event_type'] or '-'}"].append(row)
        by_country[gold["country"]].append(row)
    per_type = {k: summarise(v) for k, v in sorted(by_type.items())}
    per_country = {k: summarise(v) for k, v in sorted(by_country.items(), key=lambda kv: -len(kv[1]))}
    timing = speed(records[:150], nlp, args.rounds) if args.rounds else None
    if args.json:
        print(json.dumps({"overall": overall, "by_type": per_type, "by_country": per_country, "speed": timing}))
        return 0
    print(f"ACLED dev notes: {overall['records']} records, {overall['in_scope']} in scope")
    header = (
        f"{'':44} {'n':>4} {'found':>6} {'strict':>6} {'lenien':>6} {'loc':>6} {'cntry':>6} {'date':>6} "
        f"{'dateN':>6} {'dead':>6} {'dead1':>6} {'spur':>5}"
    )
    print(header)
    _print_row("ALL", overall)
    print("by ACLED type / sub-type:")
    for name, figures in per_type.items():
        _print_row(name, figures)
    print("by country:")
    for name, figures in per_country.items():
        _print_row(name, figures)
    if timing:
        print(
            f"speed: extract {timing['extract_per_s']} notes/s, "
            f"bare spaCy NER {timing['bare_ner_per_s']} notes/s, ratio {timing['ratio']:.2f} "
            f"(median of {timing['rounds']} interleaved rounds, {timing['notes']} notes)"
        )
    if args.errors:
        _print_errors(rows, args.errors)
    return 0


def _print_row(name: str, f: dict) -> None:
    if not f["in_scope"]:
        print(f"  {name[:42]:42} {f['records']:4}  out of scope, spurious {f['spurious_per_record']:.2f}")
        return
    print(
        f"  {name[:42]:42} {f['in_scope']:4} {f['found']:6.1f} {f['strict']:6.1f} {f['lenient']:6.1f} "
        f"{f['location']:6.1f} {f['country']:6.1f} {f['date']:6.1f} {f['date_named']:6.1f} {f['deaths']:6.1f} "
        f"{f['deaths_1']:6.1f} {f['spurious_per_record']:5.2f}"
    )


def _print_errors(rows: list[dict], limit: int) -> None:
    for metric in (*METRICS, "spurious"):
        if metric == "spurious":
            misses = [r for r in rows if r["spurious"]]
        else:
            misses = [r for r in rows if r["in_scope"] and not r[metric] and (metric == "found" or r["found"])]
        print(f"\n-- {metric}: {len(misses)}")
        for row in misses[:limit]:
            gold = row["record"]["gold"]
            print(
                f"  {row['record']['article_id']} gold: {gold['event_type']}/{gold['sub_event_type']} "
                f"{gold['location']} ({gold['admin1']}, {gold['country']}) {gold['event_date']} "
                f"dead={gold['fatalities']} got: {row.get('predicted') or [e['type'] for e in row['events']]}"
            )
            print(f"     {row['record']['body'][:300]}")


if __name__ == "__main__":
    sys.exit(main())
