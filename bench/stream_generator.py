"""A synthetic news stream for benchmarks and crash tests: many events, each told by
several differently worded reports (spelling variants, surname-only mentions, relative
dates), exact and near-duplicate syndicated copies, and unrelated noise.

`generate(n_events, seed=...)` returns articles.raw records in arrival order and, for
each, the label of the event it reports (None for noise), so a run can be scored.
Run as a script to write JSON lines: python bench/stream_generator.py 1000 > stream.jsonl
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import orjson

# Towns the gazetteer knows, with the region a report may name instead.
PLACES = [
    ("Makhachkala", "Dagestan"),
    ("Khasavyurt", "Dagestan"),
    ("Buynaksk", "Dagestan"),
    ("Derbent", "Dagestan"),
    ("Kaspiysk", "Dagestan"),
    ("Kizlyar", "Dagestan"),
    ("Nalchik", "Kabardino-Balkaria"),
    ("Baksan", "Kabardino-Balkaria"),
    ("Grozny", "Chechnya"),
    ("Gudermes", "Chechnya"),
    ("Nazran", "Ingushetia"),
    ("Vladikavkaz", "North Ossetia"),
]
OUTLETS = [
    "Caucasus Wire",
    "Dagestan Daily",
    "Regional Courier",
    "World Desk",
    "Mountain Post",
    "Kavkaz Monitor",
    "Evening Herald",
    "Southern Bulletin",
]
GIVEN = [
    "Magomed",
    "Ruslan",
    "Akhmed",
    "Zaur",
    "Timur",
    "Ibragim",
    "Arsen",
    "Shamil",
    "Murad",
    "Rasul",
    "Islam",
    "Aslan",
    "Said",
    "Ali",
    "Khasan",
    "Umar",
]
STEMS = [
    "Gasan",
    "Khalil",
    "Abdul",
    "Saidul",
    "Dzhabrail",
    "Kurban",
    "Magomedali",
    "Omar",
    "Yusup",
    "Gadzhi",
    "Temirkhan",
    "Alikhan",
    "Sharip",
    "Nurmagomed",
    "Khizri",
    "Rabadan",
    "Ismail",
    "Zakir",
    "Bagaudin",
    "Arslan",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

TEMPLATES = {
    "killed": [
        (
            "Militant leader killed in {place}",
            "{DATELINE}Security forces killed militant leader {full} in a special operation in {place} {when}, "
            "the National Antiterrorism Committee said.\n\n{surname}, {age}, led a group of fighters in {region}, "
            "the committee said in a statement.",
        ),
        (
            "{surname} reported dead after siege in {place}",
            "{full_variant}, the leader of an armed group in {place}, was reportedly killed {when} after a siege that "
            "lasted through the night, according to local police.\n\nResidents said they heard gunfire for hours.",
        ),
        (
            "Insurgent commander dies in {region} shootout",
            "An insurgent commander, {full_variant}, died in a gun battle with police in {place} {when}, officials "
            "said.\n\nTwo officers were wounded in the shootout, the regional interior ministry said.",
        ),
    ],
    "arrested": [
        (
            "Suspect detained in {place}",
            "{DATELINE}Police detained {full}, {age}, in {place} {when} on suspicion of financing militants, the "
            "regional interior ministry said.\n\nOfficers found weapons and cash at his home.",
        ),
        (
            "{surname} held on terrorism charges",
            "Officers of the counter-extremism centre {when} arrested {full_variant} in {place}, investigators "
            "said.\n\nHis lawyer said {surname_variant} was innocent and would appeal.",
        ),
    ],
    "bombing": [
        (
            "Blast near police post in {place}",
            "{DATELINE}A bomb exploded near a police post in {place} {when}, wounding {injured} officers, the interior "
            "ministry said. Investigators said the device had been planted by {full}.\n\nNo group has claimed "
            "responsibility.",
        ),
        (
            "Car bomb wounds {injured} in {place}",
            "A car bomb went off in {place} {when}, wounding {injured} police officers. Police named {full_variant} "
            "as the suspected bomber.\n\nThe street was closed for several hours.",
        ),
    ],
}
NOISE = [
    (
        "Grain harvest up in southern regions",
        "Farmers in the south reported a larger grain harvest this year, the "
        "agriculture ministry said, citing good weather in the spring and summer.",
    ),
    (
        "New bridge opens over the river",
        "A new road bridge opened to traffic, cutting the journey between the two "
        "districts by half an hour, local officials said.",
    ),
    (
        "Regional theatre announces new season",
        "The regional drama theatre will stage six new productions this season, its director told reporters.",
    ),
]


@dataclass(frozen=True)
class Report:
    record: dict
    event: str | None  # gold label of the event it reports


def _variant(name: str, rng: random.Random) -> str:
    """A transliteration variant of a name, as another outlet might spell it."""
    swaps = [("Kh", "H"), ("kh", "h"), ("Dzh", "J"), ("y", "i"), ("ov", "ev")]
    rng.shuffle(swaps)
    for old, new in swaps:
        if old in name:
            return name.replace(old, new, 1)
    return name


def _when(event_day: date, published: date, rng: random.Random) -> str:
    gap = (published - event_day).days
    choices = [f"on {event_day.strftime('%B')} {event_day.day}"]
    if gap == 1:
        choices.append("yesterday")
    if 0 < gap < 7:
        choices.append(f"on {WEEKDAYS[event_day.weekday()]}")
    if gap == 0:
        choices.append("today")
    return rng.choice(choices)


def generate(
    n_events: int,
    *,
    seed: int = 7,
    start: date = date(2016, 1, 4),
    reports: tuple[int, int] = (3, 5),
    exact_copy_rate: float = 0.1,
    near_copy_rate: float = 0.1,
    noise_rate: float = 0.1,
) -> list[Report]:
    rng = random.Random(seed)
    out: list[tuple[datetime, int, Report]] = []
    serial = 0
    for index in range(n_events):
        kind = rng.choice(sorted(TEMPLATES))
        # Unique surnames keep events apart; two events may share a place and a week.
        surname = f"{STEMS[index % len(STEMS)]}{'ov' if index % 3 else 'ev'}{'' if index < len(STEMS) else index}"
        given = rng.choice(GIVEN)
        place, region = rng.choice(PLACES)
        event_day = start + timedelta(days=index * 3 // 4 + rng.randint(0, 2))
        label = f"ev{index:06d}"
        for n in range(rng.randint(*reports)):
            outlet = OUTLETS[(index + n) % len(OUTLETS)]
            published = datetime.combine(event_day + timedelta(days=rng.randint(0, 2)), datetime.min.time(), UTC)
            published += timedelta(hours=rng.randint(6, 22), minutes=rng.randint(0, 59))
            title, body = rng.choice(TEMPLATES[kind])
            fields = {
                "place": place,
                "region": region,
                "full": f"{given} {surname}",
                "surname": surname,
                "full_variant": _variant(f"{given} {surname}", rng),
                "surname_variant": _variant(surname, rng),
                "age": rng.randint(22, 48),
                "injured": rng.choice(["two", "three", "four"]),
                "when": _when(event_day, published.date(), rng),
                "DATELINE": f"{place.upper()}, {published.strftime('%B')} {published.day} ({outlet}) - "
                if n == 0
                else "",
            }
            serial += 1
            record = _record(f"gen-{serial:07d}", outlet, title.format(**fields), body.format(**fields), published)
            out.append((published, serial, Report(record, label)))
            if rng.random() < exact_copy_rate + near_copy_rate:
                near = rng.random() < near_copy_rate / (exact_copy_rate + near_copy_rate)
                serial += 1
                copy_body = record["body"] + "\n\n-- Staff reporter" if near else record["body"]
                copy_title = f"UPDATE: {record['title']}" if near else record["title"]
                copy = _record(
                    f"gen-{serial:07d}",
                    rng.choice(OUTLETS),
                    copy_title,
                    copy_body,
                    published + timedelta(minutes=rng.randint(5, 120)),
                )
                out.append((published + timedelta(minutes=5), serial, Report(copy, label)))
        if rng.random() < noise_rate:
            serial += 1
            title, body = rng.choice(NOISE)
            stamp = datetime.combine(event_day, datetime.min.time(), UTC) + timedelta(hours=12)
            out.append(
                (stamp, serial, Report(_record(f"gen-{serial:07d}", rng.choice(OUTLETS), title, body, stamp), None))
            )
    out.sort(key=lambda item: (item[0], item[1]))
    return [report for _, _, report in out]


def _record(article_id: str, outlet: str, title: str, body: str, published: datetime) -> dict:
    return {
        "schema_version": 1,
        "article_id": article_id,
        "source": outlet,
        "url": f"https://{outlet.lower().replace(' ', '')}.example/{article_id}",
        "content_type": "text",
        "title": title,
        "body": body,
        "published_at": published.isoformat(),
        "received_at": published.isoformat(),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for report in generate(count):
        sys.stdout.buffer.write(orjson.dumps(report.record) + b"\n")
