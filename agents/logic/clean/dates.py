"""Dates as news text writes them: datelines ("MOSCOW, April 27 (Reuters) -") and date
lines ("Published: 21 April 2014 09:30 GMT"), in English, Russian and French.

Hand-written rather than dateparser: these few shapes cover wire and web copy, and
the clean stage has a budget of a few milliseconds per article. Input is expected
to have gone through normalise_characters (ASCII dashes and quotes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from agents.logic.clean.lexicon import AGENCIES, DATE_LINE_WORDS, SENTENCE_OPENERS

_MONTH_NAMES = {
    1: "january jan janv janvier января январь янв",
    2: "february feb febr fevrier février févr fév февраля февраль фев",
    3: "march mar mars марта март мар",
    4: "april apr avr avril апреля апрель апр",
    5: "may mai мая май",
    6: "june jun juin июня июнь июн",
    7: "july jul juil juillet июля июль июл",
    8: "august aug aout août августа август авг",
    9: "september sep sept septembre сентября сентябрь сен сент",
    10: "october oct octobre октября октябрь окт",
    11: "november nov novembre ноября ноябрь ноя",
    12: "december dec decembre décembre déc декабря декабрь дек",
}
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Abbreviations seen after times in news pages; zones, not fixed offsets, so that
# Moscow's UTC+4 years (2011-2014) come out right.
_TIME_ZONES = {
    "gmt": "UTC", "utc": "UTC", "z": "UTC", "bst": "Europe/London", "msk": "Europe/Moscow",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "eet": "Europe/Athens", "eest": "Europe/Athens",
    "est": "America/New_York", "edt": "America/New_York", "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles", "мск": "Europe/Moscow",
}  # fmt: skip
_ZONE = "|".join(sorted(_TIME_ZONES, key=len, reverse=True))

_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er)?"
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?P<month>{_MONTH})\b\.?", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTH})\b\.?\s+{_DAY}\b", re.IGNORECASE)
_YEAR = re.compile(r"[\s,]*(?P<year>(?:19|20)\d\d)\b(?:\s*(?:г\.|года?))?")
_ISO_DATE = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")
_DOTTED_DATE = re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b")
_TIME = re.compile(
    rf"\b(?P<hour>[012]?\d)[:.h](?P<minute>[0-5]\d)(?!\d)(?:\s*(?P<meridiem>[ap])\.?m\b\.?)?"
    rf"(?:\s*(?:\((?P<zone_in_brackets>{_ZONE})\)|(?P<zone>{_ZONE})\b|(?P<offset>[+-][01]\d:?[0-5]\d)))?",
    re.IGNORECASE,
)
_LEFTOVER_WORD = re.compile(r"[^\W\d_]+")
_DATE_LINE_SEPARATOR = re.compile(r"\s+[|/\u00b7\u2022]\s+")
_BARE_TIME = re.compile(
    rf"^(?:updated:?\s*)?[012]?\d[:.][0-5]\d(?:\s*[ap]\.?m\.?)?(?:\s*(?:{_ZONE}))?\s*$", re.IGNORECASE
)
_LEADING_TIME = re.compile(rf"^[012]?\d[:.][0-5]\d(?:\s*[ap]\.?m\.?)?(?:\s*(?:{_ZONE})\b)?\s*[-:|]?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Dateline:
    place: str
    date_text: str | None
    agency: str | None
    text: str
    # (month, day, year or None) when the dateline carries a date
    date_parts: tuple[int, int, int | None] | None

    def as_record(self) -> dict:
        return {"place": self.place, "date_text": self.date_text, "agency": self.agency, "text": self.text}


def parse_iso_datetime(value: str) -> datetime | None:
    """ISO 8601 as records and pages write it; a missing zone is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _month_day(text: str) -> tuple[int, int, re.Match] | None:
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.search(text)
        if match and 1 <= int(match["day"]) <= 31:
            return _MONTHS[match["month"].lower()], int(match["day"]), match
    return None


def _find_date(text: str) -> tuple[date, re.Match | None] | None:
    """The first full date (with year) in text, and the time written after it (or
    before it) if any."""
    found = _month_day(text)
    if found:
        month, day, match = found
        year = _YEAR.match(text, match.end())
        if not year:
            return None
        try:
            found_date = date(int(year["year"]), month, day)
        except ValueError:
            return None
        end = year.end()
    else:
        match = _ISO_DATE.search(text) or _DOTTED_DATE.search(text)
        if not match:
            return None
        try:
            found_date = date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            return None
        end = match.end()
    time = _TIME.search(text, end) or _TIME.search(text[: match.start()])
    return found_date, time


def _with_time(found_date: date, time: re.Match | None) -> datetime:
    if time is None:
        return datetime(found_date.year, found_date.month, found_date.day, tzinfo=UTC)
    hour, minute = int(time["hour"]), int(time["minute"])
    meridiem = (time["meridiem"] or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if hour > 23:
        return datetime(found_date.year, found_date.month, found_date.day, tzinfo=UTC)
    zone_name = (time["zone"] or time["zone_in_brackets"] or "").lower()
    if time["offset"]:
        offset = time["offset"].replace(":", "")
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(timedelta(minutes=sign * (int(offset[1:3]) * 60 + int(offset[3:5]))))
    else:
        tz = ZoneInfo(_TIME_ZONES[zone_name]) if zone_name else UTC
    return datetime(found_date.year, found_date.month, found_date.day, hour, minute, tzinfo=tz)


def parse_date_line(line: str) -> datetime | None:
    """The publication time a short line like "Published: 21 April 2014 09:30" states,
    or None when the line says more than a date (a story sentence mentioning a date).
    Short notes after a separator are allowed: "May 4, 2015 / 10:12 AM / 3 years ago"."""
    first, *notes = _DATE_LINE_SEPARATOR.split(line)
    if notes and all(len(note.split()) <= 3 for note in notes):
        line = " ".join([first, *(note for note in notes if _TIME.fullmatch(note.strip()))])
    return _parse_pure_date(line)


def _parse_pure_date(line: str) -> datetime | None:
    found = _find_date(line)
    if not found:
        return None
    found_date, time = found
    leftover = _TIME.sub(" ", _ISO_DATE.sub(" ", _DOTTED_DATE.sub(" ", line)))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        leftover = pattern.sub(" ", leftover)
    words = [w.lower() for w in _LEFTOVER_WORD.findall(leftover)]
    if any(w not in DATE_LINE_WORDS and w not in _TIME_ZONES for w in words):
        return None
    return _with_time(found_date, time)


def is_bare_time(line: str) -> bool:
    """A live blog's entry stamp: "09:41", "10:32 GMT", "9.58am"."""
    return bool(_BARE_TIME.match(line))


def strip_leading_time(line: str) -> str:
    """ "09:58 Gunfire has resumed" -> "Gunfire has resumed" (a live blog entry stamp)."""
    match = _LEADING_TIME.match(line)
    if match and line[match.end() : match.end() + 1].isupper():
        return line[match.end() :]
    return line


# --- datelines -------------------------------------------------------------------------

_DATELINE_SEPARATOR = re.compile(r"\s+-{1,2}\s+|\s*/\s*(?P<slash_agency>[^/\s][^/]{0,30}?)\s*/\s*\.?\s+")
_AGENCY_IN_BRACKETS = re.compile(r"\s*\((?P<agency>[^()]{2,40})\)\s*$")
_AGENCY_AFTER_SEPARATOR = re.compile(r"(?P<agency>[^\W\d_][\w .-]{1,30}?)\.\s+")
_PLACE_WORD = re.compile(r"^(?:[A-ZА-ЯЁ][\w'.-]*|[A-ZА-ЯЁ]\.|de|la|le|du|des|al|el|sur|na|on|upon)$")
_PLACE_SEGMENTS = re.compile(r",\s*|\.\s+")
_MAX_DATELINE_CHARS = 120


def parse_dateline(paragraph: str) -> tuple[Dateline, str] | None:
    """Split a dateline off the start of a story's first paragraph: "MOSCOW, April 27
    (Reuters) - Police said..." -> (Dateline, "Police said..."). None when the paragraph
    does not open with one."""
    head = paragraph[: _MAX_DATELINE_CHARS + 40]
    separator = _DATELINE_SEPARATOR.search(head)
    if not separator or separator.start() > _MAX_DATELINE_CHARS:
        return None
    prefix, rest = paragraph[: separator.start()].strip(), paragraph[separator.end() :].lstrip()
    agency = separator["slash_agency"]
    if agency and agency.lower() not in AGENCIES:
        return None
    bracketed = _AGENCY_IN_BRACKETS.search(prefix)
    if bracketed:
        agency = bracketed["agency"].strip()
        prefix = prefix[: bracketed.start()].rstrip(" ,.")
    elif not agency:
        # RIA style: "MOSCOW, April 21 - RIA Novosti. Police said..."
        after = _AGENCY_AFTER_SEPARATOR.match(rest)
        if after and after["agency"].lower() in AGENCIES:
            agency, rest = after["agency"], rest[after.end() :]
    segments = [s.strip() for s in _PLACE_SEGMENTS.split(prefix.rstrip(" ,.")) if s.strip()]
    # Interfax style: "MAKHACHKALA. May 4. INTERFAX - ..."
    if not agency and len(segments) > 1 and segments[-1].lower() in AGENCIES:
        agency = segments.pop()
    if not segments or not rest or not (rest[0].isalnum() or rest[0] in "\"'«"):
        return None
    date_text = date_parts = None
    found = _month_day(segments[-1])
    if found and found[2].start() == 0:
        month, day, match = found
        year = _YEAR.match(segments[-1], match.end())
        date_text, date_parts = segments.pop(), (month, day, int(year["year"]) if year else None)
    if not segments or not all(_is_place(s) for s in segments) or segments[0].split()[0] in SENTENCE_OPENERS:
        return None
    place = segments[0]
    if not (agency or date_text or (place.isupper() and len(place) >= 3)):
        return None
    text = paragraph[: len(paragraph) - len(rest)].strip()
    return Dateline(place, date_text, agency, text, date_parts), rest


def _is_place(segment: str) -> bool:
    words = segment.split()
    return 1 <= len(words) <= 4 and all(_PLACE_WORD.match(w) for w in words) and not words[0].islower()


def dateline_datetime(date_parts: tuple[int, int, int | None], received: datetime) -> datetime | None:
    """The dateline's day; without a year, in the year the article was received, or the
    one before when that would put it in the future."""
    month, day, year = date_parts
    for candidate_year in (year,) if year else (received.year, received.year - 1):
        try:
            candidate = datetime(candidate_year, month, day, tzinfo=UTC)
        except ValueError:
            continue
        if year or candidate <= received + timedelta(days=2):
            return candidate
    return None
