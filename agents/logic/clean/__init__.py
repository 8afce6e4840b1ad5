"""The clean stage's logic: an articles.raw record in, an articles.clean record out.

Pure functions, no Kafka. The body is checked (size first, then emptiness and binary
junk), repaired (mojibake, HTML entities), reduced to its story (trafilatura and
clean.text.page_story for HTML, the line classifier clean.text.find_story for plain
text), normalised, dated and tagged with its language. Input that cannot become a
story raises CleanError, whose reason is an articles.dlq reason.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import datetime, timedelta
from html import unescape as unescape_html

import ftfy
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from agents.logic.clean.dates import dateline_datetime, parse_iso_datetime
from agents.logic.clean.html import HtmlArticle, extract_html
from agents.logic.clean.normalise import fingerprint_text, normalise_characters, normalise_text
from agents.logic.clean.text import Kind, Story, byline_names, classify, find_story, logical_lines, page_story

__all__ = ["CleanError", "clean_article", "detect_language", "fingerprint", "normalise_text"]

SCHEMA_VERSION = 1
# Input as decoded text (HTML pages of real news sites run to about 1.1 MB) and the
# story extracted from it (the longest reports run to about 100 000 characters).
MAX_BODY_BYTES = 2_000_000
MAX_STORY_CHARS = 200_000
# Publication times outside these bounds are placeholders ("0001-01-01") or typos.
_EARLIEST_PUBLICATION_YEAR = 1900
_LATEST_PUBLICATION_AHEAD = timedelta(days=2)
CLEAN_ERROR_REASONS = frozenset({"empty_body", "too_large", "bad_encoding", "unsupported_input"})

# Control characters (other than line breaks and tabs), U+FFFD, private use and lone
# surrogates: what bytes that are not text leave behind once decoded.
_JUNK_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\ud800-\udfff]")
_MAX_JUNK_RATIO = 0.05
# Binary junk shows in any stretch of it: a sample from each end is enough.
_JUNK_SAMPLE_CHARS = 20_000
_MOJIBAKE_SAMPLE_CHARS = 4000
# A character that UTF-8 encoding produces as a lead byte, read as Latin-1 or
# Windows-1252, followed by one its continuation bytes turn into: "â€™", "Ã©", "Ð¿".
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_HTML_ENTITY = re.compile(r"&(?:#\d{2,6}|#x[0-9a-fA-F]{2,5}|[a-zA-Z]{2,8});")
_BINARY_SIGNATURES = ("%PDF-", "PK\x03\x04", "\x89PNG", "GIF8", "\xff\xd8\xff", "\x1f\x8b", "Rar!", "7z\xbc\xaf")
# py3langid's time grows with the sample; a thousand characters tell the language.
_LANGUAGE_SAMPLE_CHARS = 1000
_MIN_LETTERS_FOR_LANGUAGE = 30
_ONE_LINE_REPORT_WORDS = 4
_MIN_LANGUAGE_CONFIDENCE = 0.5
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


class CleanError(Exception):
    """An article the clean stage rejects; reason is an articles.dlq reason."""

    def __init__(self, reason: str, message: str):
        if reason not in CLEAN_ERROR_REASONS:
            raise ValueError(f"unknown clean error reason {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.message = message


def fingerprint(body: str) -> str:
    """sha256 (hex) of the body normalised for exact-duplicate detection: the same story
    with other quotes, dashes, case, punctuation or spacing has the same fingerprint."""
    return hashlib.sha256(fingerprint_text(body).encode("utf-8")).hexdigest()


def clean_article(raw: dict, *, max_body_bytes: int = MAX_BODY_BYTES, max_story_chars: int = MAX_STORY_CHARS) -> dict:
    """An articles.clean record for an articles.raw record; CleanError when the body is
    too large, empty, not text, holds no story once page furniture is removed, or a
    story longer than any article (a book, a log, a page of generated text)."""
    body, content_type, received = _checked_input(raw, max_body_bytes)
    record_title = _clean_field(raw.get("title"))
    page = None
    if content_type == "html":
        page = extract_html(body, url=raw.get("url"))
        story = page_story(_repaired_mojibake(page.text), title=record_title or page.title)
    else:
        if "&" in body and _HTML_ENTITY.search(body):
            body = unescape_html(body)
        story = find_story(body, title=record_title)
    if not story.paragraphs and content_type == "text" and not record_title:
        story.paragraphs = _one_line_report(body)
    if not story.paragraphs:
        raise CleanError("empty_body", "no story text left once page furniture was removed")
    story_text = "\n\n".join(story.paragraphs)
    if len(story_text) > max_story_chars:
        raise CleanError("too_large", f"story text is {len(story_text)} characters, over {max_story_chars}")
    title = record_title or (page and _clean_field(page.title)) or story.title
    published, published_source = _publication_time(raw, page, story, received)
    return {
        "schema_version": SCHEMA_VERSION,
        "article_id": raw["article_id"],
        "source": raw.get("source"),
        "url": raw.get("url"),
        "canonical_url": page.canonical_url if page else None,
        "site_name": _clean_field(page.site_name) if page else None,
        "title": title,
        "byline": _byline(raw.get("byline")) or (page and _byline(page.author)) or story.byline,
        "dateline": story.dateline.as_record() if story.dateline else None,
        "published_at": published.isoformat(timespec="seconds"),
        "published_at_source": published_source,
        "received_at": raw["received_at"],
        "language": detect_language(f"{title or ''}\n{story_text}", hint=raw.get("language")),
        "body": story_text,
        "fingerprint": fingerprint(story_text),
    }


def _one_line_report(body: str) -> list[str]:
    """A text of one headline-like line ("Gunmen attack a police post; one officer killed") is a
    one-sentence report when the record has no title: that line is the story."""
    lines = logical_lines(normalise_characters(body))
    line = classify(lines[0]) if len(lines) == 1 else None
    if line is not None and line.kind is Kind.HEADING and line.words >= _ONE_LINE_REPORT_WORDS:
        return [normalise_text(lines[0])]
    return []


def _checked_input(raw: dict, max_body_bytes: int) -> tuple[str, str, datetime]:
    """The body, repaired, after the checks that reject an article without parsing it.
    Size comes first so that a huge page costs no more than measuring it."""
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), str):
        raise CleanError("unsupported_input", "record has no string body")
    content_type = raw.get("content_type")
    if content_type not in ("text", "html"):
        raise CleanError("unsupported_input", f"content_type {content_type!r} is neither 'text' nor 'html'")
    received_at = raw.get("received_at")
    received = parse_iso_datetime(received_at) if isinstance(received_at, str) else None
    if not raw.get("article_id") or received is None:
        raise CleanError("unsupported_input", "record lacks an article_id or a valid received_at")
    body = raw["body"]
    # Each character is one to four bytes in UTF-8: only encode when the bounds disagree.
    if len(body) > max_body_bytes or (
        len(body) * 4 > max_body_bytes and len(body.encode("utf-8", "surrogatepass")) > max_body_bytes
    ):
        raise CleanError("too_large", f"body exceeds {max_body_bytes} bytes")
    if not body.strip():
        raise CleanError("empty_body", "body is empty or whitespace")
    if body.lstrip().startswith(_BINARY_SIGNATURES):
        raise CleanError("unsupported_input", "body is a binary file (PDF, image or archive), not text")
    return _checked_encoding(body, repair_mojibake=content_type == "text"), content_type, received


def _junk_ratio(text: str) -> float:
    sample = text if len(text) <= 2 * _JUNK_SAMPLE_CHARS else text[:_JUNK_SAMPLE_CHARS] + text[-_JUNK_SAMPLE_CHARS:]
    return len(_JUNK_CHARACTER.findall(sample)) / len(sample)


def _checked_encoding(body: str, *, repair_mojibake: bool) -> str:
    """The body, with mojibake repaired when asked (a page's is repaired in the text
    extracted from it, a few kilobytes instead of the whole page); CleanError("bad_encoding")
    for binary junk. On a body full of control characters ftfy first runs over a sample
    only, to learn cheaply whether they are repairable mojibake (Latin-1 read UTF-8) or junk."""
    if _junk_ratio(body) <= _MAX_JUNK_RATIO:
        return _repaired_mojibake(body) if repair_mojibake else body
    if _junk_ratio(ftfy.fix_encoding(body[:_MOJIBAKE_SAMPLE_CHARS])) <= _MAX_JUNK_RATIO:
        body = ftfy.fix_encoding(body)
        if _junk_ratio(body) <= _MAX_JUNK_RATIO:
            return body
    raise CleanError("bad_encoding", "body is mostly control or replacement characters: binary, not text")


def _repaired_mojibake(text: str) -> str:
    """ftfy's repair, run only where mojibake is likely: it is the slowest step otherwise."""
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    return ftfy.fix_encoding(text)


def _clean_field(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    return normalise_text(_repaired_mojibake(value)) or None


def _byline(value: str | None) -> str | None:
    """Author names from a record or page field: "By JANE DOE; John Roe" -> "Jane Doe, John Roe"."""
    value = _clean_field(value)
    return byline_names(value.replace(";", ",")) if value else None


def _publication_time(raw: dict, page: HtmlArticle | None, story: Story, received: datetime) -> tuple[datetime, str]:
    """published_at and where it came from, in order of trust: the record, the page's
    metadata, the dateline (its year from received_at), a date line in the text, and
    failing all of them the time ingest received the article. A time before 1900 or
    days after the article was received is a placeholder: the next source is asked."""
    candidates = [
        (raw.get("published_at") and parse_iso_datetime(raw["published_at"]), "record"),
        *((published, "html") for published in (page.published or [] if page else [])),
        (
            story.dateline and story.dateline.date_parts and dateline_datetime(story.dateline.date_parts, received),
            "dateline",
        ),
        (story.published, "text"),
    ]
    latest = received + _LATEST_PUBLICATION_AHEAD
    for published, source in candidates:
        if published and published.year >= _EARLIEST_PUBLICATION_YEAR and published <= latest:
            return published, source
    return received, "received"


@functools.cache
def _language_identifier() -> LanguageIdentifier:
    """py3langid's model, loaded on first use (about half a second), then kept."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, *, hint: str | None = None) -> str:
    """ISO 639-1 code of text; the record's hint, else "und", when the text is too short
    or too mixed to tell."""
    fallback = hint.lower() if hint and _LANGUAGE_CODE.match(hint.lower()) else "und"
    sample = text[:_LANGUAGE_SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < _MIN_LETTERS_FOR_LANGUAGE:
        return fallback
    language, confidence = _language_identifier().classify(sample)
    return language if confidence >= _MIN_LANGUAGE_CONFIDENCE else fallback
