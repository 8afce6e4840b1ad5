"""Date expressions in news text, resolved against the article's publication date.

Regular expressions find the expressions (they are cheaper and more predictable than a
generic date parser, and never mistake an age or a duration for a date); small functions
turn each into a first and last day with a precision. Resolution is past-leaning: news
reports what happened, so a date without a year is the latest such date that is not more
than a month after publication ("April 20" read on January 5 is last April).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
SMALL_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a few": 3,
    "several": 3,
}

# How far after publication a yearless date may fall before it is read as last year's.
FUTURE_WINDOW = timedelta(days=31)

_MONTH = (
    r"(?:(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)"
    r"|(?P<month_abbr>Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_LEAD = r"(?:\b(?P<prep>(?i:on|since|from|until|by|in|during|of))\s+)?"
_DAY_PART = r"(?:\s+(?i:morning|afternoon|evening|night))?"

_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("iso", r"\b(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})\b"),
        (
            "month_day",
            _LEAD
            + r"(?:(?i:the night of)\s+)?(?:"
            + _WEEKDAY
            + r",?\s+)?"
            + _MONTH
            + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4})\b)?",
        ),
        (
            "day_month",
            _LEAD
            + r"(?:"
            + _WEEKDAY
            + r",?\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+"
            + _MONTH
            + r"(?:,?\s+(?P<year>\d{4})\b)?",
        ),
        # "on 21/06", "on 3/4/2016": day first, as most of the world writes it, unless only
        # month first makes a date ("on 4/21"). Only after "on": "24/7" and "1/2" are no dates.
        ("numeric", r"\b(?P<prep>(?i:on))\s+(?P<first>\d{1,2})/(?P<second>\d{1,2})(?:/(?P<year>(?:19|20)?\d{2}))?\b"),
        ("month_year", _LEAD + r"(?:(?P<part>(?i:early|mid|late))[\s-]+)?" + _MONTH + r",?\s+(?P<year>\d{4})\b"),
        (
            "month",
            r"(?:\b(?P<prep>(?i:in|since|from|until|by|during|last|this|next))\s+)"
            r"(?:(?P<part>(?i:early|mid|late))[\s-]+)?" + _MONTH + r"(?:\s+(?P<rel>(?i:last|this|next))\s+year)?\b",
        ),
        ("month_rel", _MONTH + r"\s+(?P<rel>(?i:last|this|next))\s+year\b"),
        (
            "year_range",
            r"(?:\b(?P<prep>(?i:in|between|from|during|since))\s+)?"
            r"\b(?P<year>(?:19|20)\d{2})\s*[-–]\s*(?P<year2>(?:19|20)?\d{2})\b",
        ),
        ("year_modifier", r"\b(?i:the|a|an)\s+(?P<year>(?:19|20)\d{2})\b(?=\s+[a-z])"),
        (
            "year",
            r"\b(?P<prep>(?i:in|since|during|until|by|from|of|early|late|mid-|throughout))\s+"
            r"(?P<year>(?:19|20)\d{2})\b(?!\s*[-–]\d)",
        ),
        (
            "relative_day",
            r"\b(?P<rel>(?i:the day before yesterday|yesterday|today|tonight|last night"
            r"|this morning|this afternoon|this evening))\b",
        ),
        (
            "relative_period",
            r"\b(?:(?P<part>(?i:earlier|later))\s+)?(?P<rel>(?i:last|this|next|the past))\s+"
            r"(?P<unit>(?i:week|weekend|month|year))\b",
        ),
        (
            "weekday",
            r"(?:\b(?P<rel>(?i:last|this|next|late on|early on|on|by|until))\s+)?"
            + _WEEKDAY
            + r"(?:['’]s)?"
            + _DAY_PART
            + r"\b",
        ),
        (
            "season",
            r"\b(?:(?P<rel>(?i:last|this|next))\s+(?P<season>(?i:spring|summer|autumn|fall|winter))\b"
            r"|(?i:in\s+)?(?i:the\s+)?(?P<season_y>(?i:spring|summer|autumn|fall|winter))\s+(?:(?i:of)\s+)?"
            r"(?P<year>(?:19|20)\d{2})\b)",
        ),
        (
            "ago",
            r"\b(?P<count>\d+|(?i:a few|several|an|a|one|two|three|four|five|six|seven|eight|nine|ten))\s+"
            r"(?P<unit>(?i:day|week|month|year))s?\s+(?i:ago)\b",
        ),
    )
)


@dataclass(frozen=True, slots=True)
class TimeExpr:
    start_char: int
    end_char: int
    text: str
    start: date
    end: date
    precision: str  # day, month, year, range

    def as_dict(self, anchor: str | None) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "precision": self.precision,
            "text": self.text,
            "anchor": anchor,
        }

    def overlaps(self, other: TimeExpr) -> bool:
        return self.start <= other.end and other.start <= self.end


def find_times(text: str, anchor: date) -> list[TimeExpr]:
    """Every date expression in text, left to right; the longest wins where two overlap."""
    found = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found.append((match.start(), -(match.end() - match.start()), kind, match))
    found.sort(key=lambda item: item[:2])
    times, last_end = [], -1
    for start, _, kind, match in found:
        if start < last_end:
            continue
        groups = match.groupdict()
        if groups.get("month_abbr"):
            groups["month"] = groups["month_abbr"]
        resolved = _RESOLVERS[kind](groups, anchor)
        if resolved is None:
            continue
        first, last, precision = resolved
        if (groups.get("prep") or "").lower() == "since":
            last, precision = max(anchor, first), "range"
        phrase = match.group(0).rstrip()
        phrase = re.sub(r"['’]s$", "", phrase)
        times.append(TimeExpr(start, start + len(phrase), phrase, first, last, precision))
        last_end = match.end()
    return times


# -- resolvers: (groups, anchor) -> (first day, last day, precision) or None ---------------


def _iso(g: dict, anchor: date):
    day = _safe_date(int(g["year"]), int(g["mon"]), int(g["day"]))
    return (day, day, "day") if day else None


def _month_day(g: dict, anchor: date):
    month, day = MONTHS[g["month"].lower()], int(g["day"])
    if g.get("year"):
        found = _safe_date(int(g["year"]), month, day)
    else:
        found = _safe_date(anchor.year, month, day)
        if found and found > anchor + FUTURE_WINDOW:
            found = _safe_date(anchor.year - 1, month, day)
    return (found, found, "day") if found else None


def _numeric(g: dict, anchor: date):
    first, second = int(g["first"]), int(g["second"])
    day, month = (second, first) if first <= 12 < second else (first, second)
    if not 1 <= month <= 12:
        return None
    year = g.get("year")
    if year and len(year) == 2:
        year = str(anchor.year // 100 * 100 + int(year))
    return _month_day({"month": list(MONTHS)[month - 1], "day": day, "year": year}, anchor)


def _month_year(g: dict, anchor: date):
    return _whole_month(int(g["year"]), MONTHS[g["month"].lower()])


def _month(g: dict, anchor: date):
    month = MONTHS[g["month"].lower()]
    rel = (g.get("rel") or "").lower()
    if rel:
        return _whole_month(anchor.year + {"last": -1, "this": 0, "next": 1}[rel], month)
    prep = (g.get("prep") or "").lower()
    year = anchor.year
    if prep == "last" or (prep != "next" and date(year, month, 1) > anchor + FUTURE_WINDOW):
        year -= 1
    elif prep == "next" and month <= anchor.month:
        year += 1
    return _whole_month(year, month)


def _year_range(g: dict, anchor: date):
    first, second = int(g["year"]), g["year2"]
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    if not first < last <= first + 20:
        return None
    return date(first, 1, 1), date(last, 12, 31), "range"


def _year(g: dict, anchor: date):
    year = int(g["year"])
    return date(year, 1, 1), date(year, 12, 31), "year"


def _relative_day(g: dict, anchor: date):
    phrase = " ".join(g["rel"].lower().split())
    back = {"the day before yesterday": 2, "yesterday": 1, "last night": 1}.get(phrase, 0)
    day = anchor - timedelta(days=back)
    return day, day, "day"


def _relative_period(g: dict, anchor: date):
    rel, unit, part = g["rel"].lower(), g["unit"].lower(), (g.get("part") or "").lower()
    if rel == "the past":
        days = {"week": 7, "weekend": 3, "month": 30, "year": 365}[unit]
        return anchor - timedelta(days=days), anchor, "range"
    shift = {"last": -1, "this": 0, "next": 1}[rel]
    if unit == "year":
        first, last, precision = date(anchor.year + shift, 1, 1), date(anchor.year + shift, 12, 31), "year"
    elif unit == "month":
        year, month = divmod(anchor.year * 12 + anchor.month - 1 + shift, 12)
        first, last, precision = *_whole_month(year, month + 1)[:2], "month"
    else:
        monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=shift)
        first, last = (
            (monday, monday + timedelta(days=6))
            if unit == "week"
            else (monday + timedelta(days=5), monday + timedelta(days=6))
        )
        precision = "range"
    if part == "earlier":
        return first, max(first, min(last, anchor - timedelta(days=1))), "range"
    if part == "later":
        return max(first, anchor), last, "range"
    return first, last, precision


def _weekday(g: dict, anchor: date):
    target = WEEKDAYS[g["weekday"].lower()]
    rel = " ".join((g.get("rel") or "").lower().split())
    back = (anchor.weekday() - target) % 7
    if rel == "last" and back == 0:
        back = 7
    if rel == "next":
        day = anchor + timedelta(days=(target - anchor.weekday()) % 7 or 7)
    else:
        day = anchor - timedelta(days=back)
    return day, day, "day"


def _ago(g: dict, anchor: date):
    raw = " ".join(g["count"].lower().split())
    count = SMALL_NUMBERS.get(raw) or int(raw)
    unit = g["unit"].lower()
    if unit == "day":
        day = anchor - timedelta(days=count)
        return day, day, "day"
    if unit == "week":
        day = anchor - timedelta(weeks=count)
        return day - timedelta(days=day.weekday()), day - timedelta(days=day.weekday()) + timedelta(days=6), "range"
    if unit == "month":
        year, month = divmod(anchor.year * 12 + anchor.month - 1 - count, 12)
        return _whole_month(year, month + 1)
    return date(anchor.year - count, 1, 1), date(anchor.year - count, 12, 31), "year"


# First month of each season (northern meteorological seasons); winter runs into the next year.
SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def _season(g: dict, anchor: date):
    """'last autumn', 'this winter', 'in the spring of 2013': three months, winter across the new year."""
    name = (g.get("season") or g.get("season_y")).lower()
    first_month = SEASON_START[name]
    if g.get("year"):
        year = int(g["year"])
    else:
        # The season of that name that began most recently, up to the anchor's month.
        year = anchor.year if (anchor.month, anchor.day) >= (first_month, 1) else anchor.year - 1
        rel = g["rel"].lower()
        year += {"last": -1, "this": 0, "next": 1}[rel]
        if rel == "last" and _season_end(year + 1, first_month) < anchor:
            year += 1  # that season is over: it is the last one
        elif rel == "this" and _season_end(year, first_month) < anchor:
            year += 1  # "this winter" said in October: the one to come
    start = date(year, first_month, 1)
    return start, _season_end(year, first_month), "range"


def _season_end(year: int, first_month: int) -> date:
    end_year, end_month = divmod(year * 12 + first_month - 1 + 2, 12)
    end_month += 1
    return date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])


_RESOLVERS = {
    "iso": _iso,
    "month_day": _month_day,
    "day_month": _month_day,
    "numeric": _numeric,
    "month_year": _month_year,
    "month": _month,
    "month_rel": _month,
    "year_range": _year_range,
    "year": _year,
    "year_modifier": _year,
    "relative_day": _relative_day,
    "relative_period": _relative_period,
    "weekday": _weekday,
    "ago": _ago,
    "season": _season,
}


def _whole_month(year: int, month: int):
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month"


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
