"""Find the story in text scraped from a page or a wire.

The text is cut into logical lines (hard-wrapped paragraphs rejoined), each line is
classified from its own features (length, final punctuation, lowercase and stop-word
counts, list and link-list shape, a compact lexicon of page furniture), section
headings take what they head with them (a blog's blurb, a list of links, comments),
and then the story is located by position: it starts after the headline (the first
heading with most of the story below it), ends at the last story line before a
sign-off, and keeps everything in between that is not furniture. The bias is towards
recall: a line that ends like a sentence and has several lowercase words is story
wherever it stands, unless the lexicon or a section claims it.

Text an extractor already took from an HTML page goes through page_story instead: the
same classes, but only what the lexicon knows is dropped, nothing for its shape.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from rapidfuzz import fuzz

from agents.logic.clean.dates import Dateline, is_bare_time, parse_date_line, parse_dateline, strip_leading_time
from agents.logic.clean.lexicon import (
    AGENCIES,
    BANNERS,
    BLURB_HEADINGS,
    CAPTION_LABELS,
    COMMENTS_HEADINGS,
    FURNITURE_PHRASES,
    LIST_HEADINGS,
    NAME_PARTICLES,
    ORGANISATION_WORDS,
    STOPWORDS,
)
from agents.logic.clean.normalise import normalise_characters, normalise_text


class Kind(Enum):
    STORY = "story"
    HEADING = "heading"  # short line without sentence shape: headline, subhead or link
    FURNITURE = "furniture"
    DATE = "date"
    BYLINE = "byline"
    SIGNOFF = "signoff"  # "-- Jane Doe" under the story
    CREDIT = "credit"  # "(Reporting by ...; Editing by ...)"
    BLURB_HEADING = "blurb_heading"  # "About This Blog": its blurb follows
    LIST_HEADING = "list_heading"  # "Latest Posts": headlines follow
    COMMENTS_HEADING = "comments_heading"  # everything after it is readers' comments and footer
    BANNER = "banner"  # "Breaking News": the headline under it is another story's
    CAPTION_LABEL = "caption_label"  # "Image caption": the line under it is the caption


@dataclass
class Line:
    text: str
    kind: Kind
    words: int
    list_item: bool = False
    stamped: bool = False  # opened with a live blog's time stamp, now cut off
    published: datetime | None = None
    byline: str | None = None


@dataclass
class Story:
    paragraphs: list[str]
    title: str | None = None
    byline: str | None = None
    dateline: Dateline | None = None
    published: datetime | None = None


_TOKEN = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_BULLET = re.compile(r"^(?:[-*\u2022\u25aa\u25cf\u25e6\u2023\u00b7]|\d{1,2}[.)])\s+(?=\S)")
_CLOSERS = "\"')]»*"
_FURNITURE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(?:read more|read also|see also|related|more|watch|listen|video|photos?|pictures?|images?|credit|source|"
        r"tags?|topics|filed under|posted in|categories|category|breaking|breaking news|advertisement)\s*[:|»›>]",
        r"^related(?: [\w']+){1,2}\s*:",
        r"^(?:image copyright|image caption|media caption|copyright\b|©|\(c\)\s*\d{4})",
        r"^(?:image|photo|picture|video) (?:source|credit|copyright)s?\b",
        r"\b(?:all rights reserved|все права защищены|tous droits réservés)\b",
        r"^(?:share|tweet|like)\s*\d*$|^share (?:this|on|via|article|story)\b",
        r"^follow (?:us|@|\S+ on)\b|\bfollow us on\b",
        r"^(?:subscribe|sign up|get our|join our)\b.*\b(?:newsletter|email|inbox|updates|channel)\b",
        r"^click here\b",
        r"^the post .* appeared first on\b",
        r"^\d+\s+(?:comments?|shares?|likes?|views?|reads?)$",
        r"^\d+\s*(?:min|mins|minute|minutes)\s+read$",
        r"^(?:updated\s+)?\d+\s+(?:seconds?|minutes?|mins?|hours?|days?|weeks?)\s+ago$",
        r"^(?:previous|next)\s+(?:article|story|post)\b",
        r"^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$",
    )
]
# A caption's credit: "Police at the scene. Photo: Ivan Sidorov / Reuters", "(AFP/Getty Images)".
_PHOTO_CREDIT = re.compile(
    r"\b(?:photo|photograph|picture|image|credit)s?\s*(?::|by\b)|"
    r"/\s*(?:reuters|ap|afp|epa|getty images|tass|ria novosti|sputnik)\W*$|\bgetty images\W*$",
    re.IGNORECASE,
)
_COOKIE_NOTICE = re.compile(r"\bcookies?\b.*\b(?:use|accept|agree|consent|settings|policy|continu)", re.IGNORECASE)
_SIZE_SWITCH_TOKEN = re.compile(r"^(?:[A-Z]{1,3}|A[+-]|[+-])$")
_NAVIGATION_SEPARATOR = re.compile(r"\s+[|›»>/·•]\s+")
_BYLINE_PREFIX = re.compile(
    r"^(?:by|posted by|written by|words by|text by|par|author:?|автор:?)\s+(?=\S)", re.IGNORECASE
)
_SIGNOFF_PREFIX = re.compile(r"^-{1,2}\s*(?=\S)")
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|produced|translated|edited)\s+by\b", re.IGNORECASE
)
_BYLINE_DATE_SEPARATOR = re.compile(r"\s+[|-]\s+|\s+on\s+")
_REPORTED_BY = re.compile(r"\breporting by\s+(?P<names>[^;)]+)", re.IGNORECASE)
# "Anna Petrova in Moscow" under a headline
_REPORTER_IN_PLACE = re.compile(r"^(.+?) in [A-ZА-ЯЁ][\w-]+$")
_REPORTER_PLACE = re.compile(r"\s+(?:in|from)\s+[A-ZА-ЯЁ][\w-]*(?:\s+[A-ZА-ЯЁ][\w-]*)*")
_NAME_LIST_CUT = re.compile(r"\s+(?:[|/]|-|on|at|for|updated|published|posted)\s+|\s*\|\s*|\s+\d", re.IGNORECASE)
_NAME_JOINER = re.compile(r"\s+(?:and|&|и|et)\s+")
_TRAILING_LINK = re.compile(r" ?(?:\[(?:\.\.\.|…)\]|\b(?:read more|continue reading) ?[»›>.]*)$", re.IGNORECASE)
_KEY_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_MAX_FURNITURE_CHARS = 300
# Headings this short are labels (a name, a section), not headlines.
_MAX_LABEL_WORDS = 2
# Columns hard-wrapped prose is wrapped at: narrower is a list, wider is paragraphs.
_MIN_WRAP_WIDTH, _MAX_WRAP_WIDTH = 30, 100


def _key(line: str) -> str:
    """A line as looked up in the lexicon: "Comments (12):" -> "comments"."""
    return _KEY_EDGES.sub("", line.lower())


def logical_lines(text: str) -> list[str]:
    """Non-empty lines, with the lines of a hard-wrapped paragraph joined by "\\n"
    (normalise_text later joins them and repairs words hyphenated at the break)."""
    raw_lines = text.split("\n")
    width = _wrap_width(raw_lines)
    paragraphs: list[list[str]] = []
    previous_raw = ""
    for raw in raw_lines:
        # One space between words: no regex below then meets a long run of blanks.
        line = " ".join(raw.split())
        if width and line and previous_raw.strip() and _continues(previous_raw, raw, line, width):
            paragraphs[-1].append(line)
        elif line:
            paragraphs.append([line])
        previous_raw = raw
    return ["\n".join(lines) for lines in paragraphs]


def _wrap_width(raw_lines: list[str]) -> int | None:
    """The column a hard-wrapped text is wrapped at, or None when its lines are paragraphs.
    Wrapped means greedy filling: where a line runs on into the next, the next line's
    first word would not have fitted on it."""
    runs_on = [
        (line.rstrip(), following.split(None, 1)[0])
        for line, following in zip(raw_lines, raw_lines[1:], strict=False)
        if line.strip() and following.strip() and not following[:1].isspace() and not _BULLET.match(following)
    ]
    if len(runs_on) < 3:
        return None
    lengths = sorted(len(line) for line, _ in runs_on)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if not _MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH:
        return None
    # Wrapped text has a right margin: hardly a line goes past it.
    lines = [line for line in raw_lines if line.strip()]
    if sum(len(line.rstrip()) > width + 10 for line in lines) > max(1, len(lines) // 20):
        return None
    filled = sum(len(line) + 1 + len(word) > width for line, word in runs_on)
    return width if filled >= 0.75 * len(runs_on) else None


def _continues(previous_raw: str, raw: str, line: str, width: int) -> bool:
    """Whether a line carries on the previous one: the previous line was full, i.e. this
    line's first word would not have fitted on it (lengths as written, indent included,
    as the width was measured)."""
    if raw[:2].isspace() or _BULLET.match(line) or _SIGNOFF_PREFIX.match(line):
        return False
    # A byline under a headline as long as the wrap width is not its continuation.
    if _BYLINE_PREFIX.match(line) and len(line.split()) <= 6:
        return False
    first_word = line.split(None, 1)[0]
    return len(previous_raw.rstrip()) + 1 + len(first_word) > width


def classify(line: str) -> Line:
    """One logical line on its own, without context."""
    unstamped = strip_leading_time(line)
    stamped, line = unstamped != line, unstamped
    # "... officials said. Read more »": the link is not the story's, the sentence is.
    line = _TRAILING_LINK.sub("", line) or line
    signoff = _SIGNOFF_PREFIX.match(line)
    bullet = _BULLET.match(line)
    content = line[bullet.end() :] if bullet else line
    words = _TOKEN.findall(content)
    result = Line("- " + content if bullet else line, Kind.HEADING, len(words), list_item=bool(bullet), stamped=stamped)
    # Furniture is short: the lexicon and its patterns only look at short lines, which
    # also bounds the cost of every pattern below.
    short = len(words) <= 25 and len(content) <= _MAX_FURNITURE_CHARS
    key = _key(content) if short else ""
    if short and is_bare_time(content):
        result.kind = Kind.DATE
    elif short and (published := parse_date_line(content)):
        result.kind, result.published = Kind.DATE, published
    elif not words:
        result.kind = Kind.FURNITURE
    elif key in COMMENTS_HEADINGS:
        result.kind = Kind.COMMENTS_HEADING
    elif key in BLURB_HEADINGS:
        result.kind = Kind.BLURB_HEADING
    elif key in BANNERS:
        result.kind = Kind.BANNER
    elif key in CAPTION_LABELS:
        result.kind = Kind.CAPTION_LABEL
    elif key in LIST_HEADINGS or key.startswith("more from "):
        result.kind = Kind.LIST_HEADING
    elif _is_furniture(content, key, words, short):
        result.kind = Kind.FURNITURE
    elif short and (prefix := _BYLINE_PREFIX.match(content)) and (names := person_names(content[prefix.end() :])):
        result.kind, result.byline, result.published = Kind.BYLINE, names, _trailing_date(content)
    elif len(words) <= 5 and (reporter := _REPORTER_IN_PLACE.match(content)) and (names := person_names(reporter[1])):
        result.kind, result.byline = Kind.BYLINE, names
    elif _CREDIT_LINE.match(content):
        result.kind = Kind.CREDIT
        reported = _REPORTED_BY.search(content)
        result.byline = person_names(_REPORTER_PLACE.sub("", reported["names"])) if reported else None
    elif signoff and len(words) <= 5 and (names := person_names(line[signoff.end() :])):
        result.kind, result.byline = Kind.SIGNOFF, names
    elif _is_sentence_like(content, words):
        result.kind = Kind.STORY
    return result


def _is_furniture(content: str, key: str, words: list[str], short: bool) -> bool:
    if len(content) <= 2 * _MAX_FURNITURE_CHARS and _COOKIE_NOTICE.search(content):
        return True
    if not short:
        return False
    # A news agency's name alone is the credit line of a byline block.
    if key in FURNITURE_PHRASES or key in AGENCIES:
        return True
    tokens = content.split()
    if len(tokens) <= 6 and all(_SIZE_SWITCH_TOKEN.match(t) for t in tokens):
        return True
    if any(p.search(content) for p in _FURNITURE_PATTERNS):
        return True
    if len(words) <= 20 and _PHOTO_CREDIT.search(content):
        return True
    parts = _NAVIGATION_SEPARATOR.split(content)
    return len(parts) >= 3 and all(len(p.split()) <= 4 for p in parts)


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS + " ").endswith((".", "!", "?"))


def _is_sentence_like(content: str, words: list[str]) -> bool:
    count = len(words)
    # Words of scripts without case (Korean, Japanese, Chinese, Arabic) count as lowercase:
    # what sets a headline apart in those is not its capitals.
    lowercase = sum(1 for w in words if not w[0].isupper())
    ending = content.rstrip(_CLOSERS + " ")
    if ending.endswith(".") and count >= 3 and lowercase >= 2:
        return True
    # Headlines may end in "?" or "!"; a sentence doing so is usually longer.
    if ending.endswith(("?", "!")) and count >= 6 and lowercase >= 3:
        return True
    if content[0].islower() and count >= 3:
        return True
    if ending.endswith((":", ";", ",")) and lowercase >= 2:
        return True
    stopwords = sum(1 for w in words if w.lower() in STOPWORDS)
    return count >= 12 and stopwords >= 3 and lowercase >= count // 2


def _trailing_date(line: str) -> datetime | None:
    """The date in "By Jane Doe | 21 April 2014 09:30"."""
    parts = _BYLINE_DATE_SEPARATOR.split(line, maxsplit=1)
    return parse_date_line(parts[1]) if len(parts) == 2 else None


def byline_names(value: str) -> str | None:
    """Author names from a byline field: "By JANE DOE, Associated Press" -> "Jane Doe"."""
    prefix = _BYLINE_PREFIX.match(value)
    return person_names(value[prefix.end() :] if prefix else value)


def person_names(text: str) -> str | None:
    """ "Jane Doe and John Roe, Associated Press | 21 April" -> "Jane Doe and John Roe";
    None when text does not start with a person's name."""
    text = _NAME_LIST_CUT.split(text.strip(), maxsplit=1)[0]
    names: list[str] = []
    for segment in text.split(","):
        people = [_person_name(p) for p in _NAME_JOINER.split(segment.strip())]
        if not all(people):
            break
        names.append(" and ".join(people))
    return ", ".join(names) or None


def _person_name(text: str) -> str | None:
    tokens = text.strip(" .;:").split()
    if not 2 <= len(tokens) <= 4 or any(t.lower().strip(".") in ORGANISATION_WORDS for t in tokens):
        return None
    for token in tokens:
        bare = token.replace("'", "").replace("-", "").replace(".", "")
        if token.lower() in NAME_PARTICLES:
            continue
        if not (bare.isalpha() and token[0].isupper()):
            return None
    if not tokens[0][0].isupper():
        return None
    return " ".join(t.capitalize() if t.isupper() and len(t) > 2 else t for t in tokens)


def find_story(text: str, *, title: str | None = None, structural_headline: bool = True) -> Story:
    """The story in text. title (from the record or HTML) marks the headline line when
    one matches it; otherwise, when structural_headline, the headline is found from the
    layout. Extracted HTML text passes structural_headline=False: the extractor already
    chose the region, so only a line repeating the title is cut."""
    lines = [classify(line) for line in logical_lines(normalise_characters(text))]
    _consume_sections(lines)
    _mark_story_lists(lines)
    story = Story(paragraphs=[])
    headline = _headline_index(lines, title, structural_headline)
    if headline is not None:
        story.title = normalise_text(lines[headline].text)
        lines[headline].kind = Kind.FURNITURE
    # Above a headline found from the layout is page furniture; extracted HTML may
    # put a story line above the title (a live blog's latest entry), so it keeps it.
    start, end = _story_span(lines, headline if structural_headline else None)
    kept = _drop_link_runs([i for i in range(start, end) if lines[i].kind in (Kind.STORY, Kind.HEADING)], lines)
    story.byline = next((line.byline for line in lines[:end] if line.kind is Kind.BYLINE), None) or next(
        (line.byline for line in lines[end:] if line.kind in (Kind.SIGNOFF, Kind.CREDIT) and line.byline), None
    )
    story.published = next((line.published for line in lines[:end] if line.published), None)
    first_story = next((i for i in kept if lines[i].kind is Kind.STORY), None)
    for index in kept:
        paragraph = normalise_text(lines[index].text)
        if index == first_story and (found := parse_dateline(paragraph)):
            story.dateline, paragraph = found
        if paragraph:
            story.paragraphs.append(paragraph)
    return story


def _story_span(lines: list[Line], headline: int | None) -> tuple[int, int]:
    """First and past-last index of the story: from below the headline (or the first
    story line) to the last story line above a sign-off."""
    if headline is not None:
        start = headline + 1
        # Between headline and story: byline, date, and labels such as an author's name.
        while start < len(lines) and lines[start].kind is not Kind.STORY and not _is_subhead(lines[start]):
            start += 1
    else:
        start = next((i for i, line in enumerate(lines) if line.kind is Kind.STORY), len(lines))
    stop = next((i for i in range(start, len(lines)) if lines[i].kind is Kind.SIGNOFF), len(lines))
    end = next((i + 1 for i in range(stop - 1, start - 1, -1) if lines[i].kind is Kind.STORY), start)
    # A story may close on a sentence too short to look like one: "Yes."
    while (
        end < stop
        and lines[end].kind is Kind.HEADING
        and lines[end].words <= _MAX_LABEL_WORDS + 1
        and _ends_sentence(lines[end].text)
    ):
        end += 1
    return start, end


def _is_subhead(line: Line) -> bool:
    return line.kind is Kind.HEADING and line.words > _MAX_LABEL_WORDS


# What each section heading takes with it, and how many lines of it at most.
_SECTION_CLAIMS = {
    Kind.BLURB_HEADING: ((Kind.STORY,), None),
    Kind.LIST_HEADING: ((Kind.HEADING,), None),
    Kind.BANNER: ((Kind.HEADING,), 1),
    Kind.CAPTION_LABEL: ((Kind.HEADING, Kind.STORY), 1),
}


def _consume_sections(lines: list[Line]) -> None:
    """Turn section headings and what they head into furniture: a blurb's paragraphs,
    a list's headlines, a banner's headline, a caption, and everything from a comments
    heading below the story on."""
    story_seen = False
    for i, line in enumerate(lines):
        if line.kind is Kind.COMMENTS_HEADING:
            if story_seen:
                for following in lines[i:]:
                    following.kind = Kind.FURNITURE
                return
            line.kind = Kind.FURNITURE
        elif line.kind in _SECTION_CLAIMS:
            claimed, limit = _SECTION_CLAIMS[line.kind]
            banner = line.kind is Kind.BANNER
            line.kind = Kind.FURNITURE
            taken = 0
            for j in range(i + 1, len(lines)):
                following = lines[j]
                if following.kind in (Kind.FURNITURE, Kind.DATE):
                    continue
                if following.kind not in claimed or taken == limit:
                    break
                # A site's "Breaking News" label over the page's own headline: the story below tells.
                if banner and _heads_story_below(following, lines[j + 1 :]):
                    break
                following.kind = Kind.FURNITURE
                taken += 1
        story_seen = story_seen or line.kind is Kind.STORY


# Of a headline's content words, this share at least recurs in its story's first lines.
_HEADLINE_WORDS_IN_STORY = 0.5
_STORY_LINES_READ = 3
_MIN_CONTENT_WORD_CHARS = 4


def _content_words(text: str) -> set[str]:
    return {
        word
        for word in (w.lower() for w in _TOKEN.findall(text))
        if len(word) >= _MIN_CONTENT_WORD_CHARS and word not in STOPWORDS
    }


def _heads_story_below(heading: Line, below: list[Line]) -> bool:
    """Whether a heading is the headline of the story that follows it: most of its
    content words come back in the story's first lines (another story's headline,
    under a banner, shares few)."""
    wanted = _content_words(heading.text)
    story = [line.text for line in below if line.kind is Kind.STORY][:_STORY_LINES_READ]
    if not wanted or not story:
        return False
    return len(wanted & _content_words(" ".join(story))) >= _HEADLINE_WORDS_IN_STORY * len(wanted)


def _mark_story_lists(lines: list[Line]) -> None:
    """Bulleted items after a line ending in ":" belong to the story, whatever their shape."""
    in_list = False
    for i, line in enumerate(lines):
        if line.list_item and line.kind in (Kind.HEADING, Kind.SIGNOFF, Kind.STORY):
            in_list = in_list or (i > 0 and lines[i - 1].text.endswith(":"))
            if in_list:
                line.kind, line.byline = Kind.STORY, None
        else:
            in_list = False


def _headline_index(lines: list[Line], title: str | None, structural: bool) -> int | None:
    story_after = _story_words_after_each(lines)
    if title:
        wanted = normalise_text(title).lower()
        for i, line in enumerate(lines[:40]):
            candidate = line.kind is Kind.HEADING or (line.kind is Kind.STORY and story_after[i])
            if candidate and fuzz.ratio(line.text.lower(), wanted) >= 90:
                return i
    if not structural:
        return None
    # A headline stands above most of its story: a heading with more story above it
    # than half what follows is a subhead, or a link, in a text without a headline.
    story_before = list(
        itertools.accumulate((line.words if line.kind is Kind.STORY else 0 for line in lines), initial=0)
    )
    runs = {
        i: story_after[i]
        for i in range(len(lines))
        if _could_be_headline(lines, i) and story_before[i] <= story_after[i] / 2
    }
    longest = max(runs.values(), default=0)
    if not longest:
        return None
    return next(i for i, words in runs.items() if words >= min(40, longest / 2))


def _could_be_headline(lines: list[Line], index: int) -> bool:
    line = lines[index]
    if line.list_item or line.stamped or not 3 <= line.words <= 25:
        return False
    if line.kind is Kind.HEADING:
        return True
    # A headline may end in "?" or "!" like a sentence; its byline or date then follows.
    if line.kind is not Kind.STORY or not _ends_sentence(line.text) or line.text.endswith("."):
        return False
    following = next((i for i in range(index + 1, len(lines)) if lines[i].kind is not Kind.FURNITURE), None)
    return following is not None and lines[following].kind in (Kind.BYLINE, Kind.DATE)


def _story_words_after_each(lines: list[Line]) -> list[int]:
    """For each line, the words of story below it, through single subheads, up to the
    next sign-off or run of two headings (labels of a word or two, such as an author's
    name or a section name, do not count). One backward pass, so a page of thousands
    of lines costs no more than its length."""
    after_heading = [0] * (len(lines) + 1)  # the line before was a heading
    after_other = [0] * (len(lines) + 1)
    for j in range(len(lines) - 1, -1, -1):
        kind = lines[j].kind
        if kind is Kind.STORY:
            after_heading[j] = after_other[j] = lines[j].words + after_other[j + 1]
        elif _is_subhead(lines[j]) and not lines[j].stamped:
            after_heading[j], after_other[j] = 0, after_heading[j + 1]
        elif kind is Kind.SIGNOFF:
            after_heading[j] = after_other[j] = 0
        else:
            after_heading[j], after_other[j] = after_heading[j + 1], after_other[j + 1]
    return after_heading[1:]


def _drop_link_runs(indexes: list[int], lines: list[Line]) -> list[int]:
    """Drop runs of two or more consecutive headings: a list of links, not subheads."""
    kept: list[int] = []
    run: list[int] = []
    for index in [*indexes, None]:
        if index is not None and lines[index].kind is Kind.HEADING:
            run.append(index)
            continue
        if len(run) == 1:
            kept.extend(run)
        run = []
        if index is not None:
            kept.append(index)
    return kept


# What the lexicon calls furniture but a page's main text keeps: table rows, addresses,
# and captions with their credits, which belong to the story they illustrate.
_KEPT_IN_PAGE_TEXT = re.compile(
    r"^\||^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$|^(?:(?:main |cover )?(?:image|photo|picture)s?\b|©|copyright\b)",
    re.IGNORECASE,
)
# Calls to subscribe, sign up or write in, set in a story's text by the site.
_PROMOTION = re.compile(
    r"\b(?:newsletters?|click here|use the code|delivered (?:to|through) your|in your inbox|tell us what you think"
    r"|listen back)\b",
    re.IGNORECASE,
)
_MAX_PROMOTION_WORDS = 50
_DROPPED_FROM_PAGE_TEXT = (Kind.COMMENTS_HEADING, Kind.LIST_HEADING, Kind.BLURB_HEADING, Kind.CREDIT, Kind.BYLINE)
# Text this long is a story even when no line of it has a sentence's shape.
_MIN_STORY_CHARS = 200
# A paragraph this long said twice in a row is a caption or pull quote shown twice
# (a meal plan or a programme may repeat a line further down, and means it).
_MIN_REPEATED_WORDS = 6


def page_story(text: str, *, title: str | None = None) -> Story:
    """The story in the main text an extractor took from a page, one paragraph a line.

    The extractor chose the region; this only drops what the lexicon knows as furniture
    inside it (section headings with the headlines under them, sharing and newsletter
    lines, calls to subscribe, bylines, credits), date lines and labels above the story,
    the title repeated and a paragraph said twice in a row. Lists, tables and captions
    stay. When nothing would be left of a text of some length, every line stays: a page
    is never emptied for lack of a sentence shape."""
    # Each line as written (list markers and numbers included) with its class.
    lines = [
        (flat, _page_line(flat)) for raw in normalise_characters(text).split("\n") if (flat := " ".join(raw.split()))
    ]
    story = Story(paragraphs=[])
    wanted = normalise_text(title).lower() if title else None
    story_started = in_list = False
    kept: list[tuple[str, Line]] = []
    for written, line in lines:
        if line.byline and not story.byline and line.kind in (Kind.BYLINE, Kind.CREDIT):
            story.byline = line.byline
        if line.published and not story.published and not story_started:
            story.published = line.published
        # A list heading ("Don't miss") takes the headlines under it with it.
        in_list = (in_list and line.kind is Kind.HEADING) or line.kind is Kind.LIST_HEADING
        if (
            in_list
            or _dropped_from_page_text(line, story_started)
            or (not story_started and wanted and fuzz.ratio(line.text.lower(), wanted) >= 90)
        ):
            continue
        if kept and line.words >= _MIN_REPEATED_WORDS and kept[-1][0] == written:
            continue
        story_started = story_started or line.kind is Kind.STORY
        kept.append((written, line))
    if not kept and sum(len(written) for written, _ in lines) >= _MIN_STORY_CHARS:
        kept = lines
    first_story = next((line for _, line in kept if line.kind is Kind.STORY), None)
    for written, line in kept:
        paragraph = normalise_text(written)
        if line is first_story and (found := parse_dateline(paragraph)):
            story.dateline, paragraph = found
        if paragraph:
            story.paragraphs.append(paragraph)
    return story


def _page_line(text: str) -> Line:
    """A line of page text with its class; a paragraph too long for anything page_story
    drops is story without classifying it (the classifier is the costly part)."""
    if len(text) > 2 * _MAX_FURNITURE_CHARS and text.count(" ") > _MAX_PROMOTION_WORDS:
        return Line(text, Kind.STORY, len(_TOKEN.findall(text)))
    return classify(text)


def _dropped_from_page_text(line: Line, story_started: bool) -> bool:
    if line.kind in _DROPPED_FROM_PAGE_TEXT:
        return True
    if line.words <= _MAX_PROMOTION_WORDS and _PROMOTION.search(line.text):
        return True
    # Above the story: date lines and labels ("Live", "Exclusive").
    if not story_started and (
        line.kind is Kind.DATE or (line.kind is Kind.HEADING and line.words <= _MAX_LABEL_WORDS - 1)
    ):
        return True
    return (
        line.kind is Kind.FURNITURE
        # One word is furniture when the lexicon says so, not for its shape alone ("GPU").
        and (line.words >= 2 or _key(line.text) in FURNITURE_PHRASES)
        and not _KEPT_IN_PAGE_TEXT.match(line.text)
        and not _PHOTO_CREDIT.search(line.text)
    )
