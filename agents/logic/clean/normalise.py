"""Character and whitespace normalisation for the clean stage.

Everything downstream (extraction regexes, dedup) sees one spelling of each
quote, dash and space, so this module maps the typographic variants to ASCII.
Guillemets are kept: they are the ordinary quotes of Russian and French text.
"""

from __future__ import annotations

import re
import unicodedata

from agents.logic.clean.lexicon import COMPOUND_PREFIXES

_CHARACTER_MAP = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035", "'"),
    # hyphen, non-breaking hyphen, figure dash, en dash, em dash, bar, minus, bullet hyphen
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
    **dict.fromkeys("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", " "),
    **dict.fromkeys("\u202f\u205f\u3000\t", " "),
    # soft hyphen, zero-width space, word joiner, byte-order mark
    **dict.fromkeys("\u00ad\u200b\u2060\ufeff", ""),
    "\u2026": "...",
    "\u2028": "\n",
    "\u2029": "\n\n",
    "\x0b": "\n\n",
    "\x0c": "\n\n",
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
# Remaining C0 and C1 control characters carry nothing once mojibake has been repaired.
_CHARACTER_MAP.update(dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)], ""))
_TRANSLATION = str.maketrans(_CHARACTER_MAP)

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WHITESPACE = re.compile(r"\s+")
# "--" standing alone is the ASCII spelling of a dash.
_DOUBLE_HYPHEN = re.compile(r"(?<!\S)-{2,3}(?!\S)")
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\n[ \t]*")
_WORD_START = re.compile(r"[^\W_]+")
_WORD_END = re.compile(r"[^\W_]+$")
# Longer "words" are not words; bounding the look-back keeps repair linear in the text.
_MAX_WORD_CHARS = 40
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_characters(text: str) -> str:
    """NFC, ASCII quotes and dashes, plain spaces, "\\n" line breaks, no control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text.translate(_TRANSLATION))


def normalise_text(text: str) -> str:
    """Normalise characters, repair words hyphenated across a line break, join the lines
    of each paragraph with single spaces and separate paragraphs by one blank line."""
    text = normalise_characters(text)
    if "-\n" in text or "- \n" in text:
        text = _repair_hyphenation(text)
    paragraphs = (_WHITESPACE.sub(" ", _DOUBLE_HYPHEN.sub("-", part)).strip() for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _repair_hyphenation(text: str) -> str:
    """ "gov-\\nernment" -> "government", but "counter-\\nterrorism" and "pro-\\nRussian" keep
    their hyphen. The rest of the text is the best dictionary at hand: a form it
    uses elsewhere wins."""
    words = {w.lower() for w in _WORD.findall(text)}
    pieces: list[str] = []
    done = 0
    for hyphen in _LINE_END_HYPHEN.finditer(text):
        left = _WORD_END.search(text, max(done, hyphen.start() - _MAX_WORD_CHARS), hyphen.start())
        right = _WORD_START.match(text, hyphen.end())
        if not (left and right):
            continue
        pieces.append(text[done : hyphen.start()])
        pieces.append("" if _joins(left.group(), right.group(), words) else "-")
        done = hyphen.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _joins(left: str, right: str, words: set[str]) -> bool:
    """Whether left-right, broken at a line end, is one word rather than a compound
    ("28-year-old" and "2009-10" are compounds)."""
    if not (left.isalpha() and right.isalpha()) or right[0].isupper() or f"{left}-{right}".lower() in words:
        return False
    return (left + right).lower() in words or left.lower() not in COMPOUND_PREFIXES


def fingerprint_text(text: str) -> str:
    """The body as compared for exact duplicates: normalised, case-folded, punctuation
    and whitespace runs reduced to one space."""
    return _NOT_WORD.sub(" ", normalise_text(text).casefold()).strip()
