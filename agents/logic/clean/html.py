"""Main text and metadata of an HTML page or fragment (a feed summary), by trafilatura.

One parse per page. Metadata comes from the page's meta tags and JSON-LD (trafilatura's
readers of them, and an XPath of our own for the publication time to the second), not
from trafilatura's whole metadata pass, whose date search and author search in the
body took longer than the text extraction itself. The text comes from trafilatura's
precision mode with links kept, so that blocks made of links (related stories, "see
more") can be told from the story and dropped before the text is rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from htmldate import find_date
from lxml.etree import strip_tags
from rapidfuzz import fuzz
from trafilatura import bare_extraction
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from agents.logic.clean.dates import parse_iso_datetime

# Story text only: no comments or images. Tables stay (results, schedules, specs are
# part of many stories) and are rendered as text rows. Links are kept in the tree to
# measure link density, then unwrapped.
_EXTRACTION_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": True,
    "deduplicate": False,
    "with_metadata": False,
}
# Precision mode without trafilatura's fallback extractors (readability, jusText) first:
# on the Zyte dev pages it differs from precision mode with them on one page only, where
# it found a few words, at 1.5x the speed. Text shorter than _MIN_FAST_CHARS is taken
# again with the fallbacks, and recall mode comes last, so that a page with a story is
# never left empty.
_MODES = ({"favor_precision": True, "fast": True}, {"favor_precision": True}, {"favor_recall": True})
_MIN_FAST_CHARS = 500
# Sharing and social widgets, removed before extraction: their links otherwise make a
# short paragraph beside them (a live blog's entry) look like a block of links.
_SHARING_WIDGETS = (
    ".//*[self::div or self::ul or self::section or self::aside or self::span]"
    "[contains(concat(' ', normalize-space(@class), ' '), 'share ') or contains(@class, '-share')"
    " or contains(@class, 'sharing') or contains(@class, 'social-')]"
)
# Meta tags and <time> elements that carry the publication time.
_PUBLISHED_META = frozenset(
    {
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "date",
        "dc.date",
        "dc.date.issued",
        "parsely-pub-date",
    }
)
# Where pages without an author meta tag name one: rel/itemprop author, or a byline's
# class, looked for around the headline (the page's first h1, up to this many levels up).
_AUTHOR_XPATH = (
    ".//*[@rel='author' or @itemprop='author' or contains(@class, 'author') or contains(@class, 'byline')]"
    "[not(self::meta or self::link or self::script or self::style)]"
)
_AUTHOR_LEVELS_ABOVE_HEADLINE = 3
_MAX_AUTHOR_CHARS = 80
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_DOCUMENT_START = re.compile(r"<(?:!doctype|html|head|body)\b", re.IGNORECASE)
# A block is a link block when its links make up this share of its text and it is
# short as a headline is; a long all-link paragraph is a story that links itself.
_LINK_BLOCK_SHARE = 0.8
_LINK_BLOCK_MAX_CHARS = 120
# Links in a row inside a paragraph: this many, with this much text after the first.
_MIN_LINK_RUN = 3
_MIN_LINK_RUN_CHARS = 60
_FOOTNOTE = re.compile(r"^\[\d+\]")
_BLOCKS = ("p", "item", "head", "quote")
# The title repeated as the first blocks of the text.
_TITLE_BLOCKS_SEARCHED = 3
_TITLE_SIMILARITY = 90
# Site names stand after (or before) the headline, behind one of these.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[-|\u2013\u2014\u00b7\u2022:\u00bb]|::)\s+")
_SITE_KEY = re.compile(r"[\W_]+")
_MAX_SITE_WORDS = 3


@dataclass(frozen=True)
class HtmlArticle:
    text: str
    title: str | None = None
    author: str | None = None
    published: list[datetime] | None = None  # candidates from the page's metadata, most trusted first
    canonical_url: str | None = None
    site_name: str | None = None


def extract_html(html: str, url: str | None = None) -> HtmlArticle:
    """The page's main text (one paragraph a line) and metadata; empty text when there
    is none. A fragment is wrapped in a document first, as trafilatura expects one.
    url, where the page was read from, helps tell the site's name in its title."""
    document_html = html if _DOCUMENT_START.search(html[:2000]) else f"<html><body><div>{html}</div></body></html>"
    tree = load_html(document_html)
    if tree is None:
        return HtmlArticle("")
    metadata = extract_meta_json(tree, examine_meta(tree))
    canonical_url = metadata.url or extract_url(tree)
    site_name = metadata.sitename or extract_sitename(tree)
    title = without_site_name(metadata.title or _page_title(tree), site_name, canonical_url or url)
    text = _main_text(tree, title)
    published = _published_in_metadata(tree)
    if not published and text:
        # htmldate (what trafilatura uses) reads the page itself: only when the metadata gives no time.
        found = find_date(tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
        published = [parsed] if found and (parsed := parse_iso_datetime(found)) else []
    return HtmlArticle(
        text,
        title=title,
        author=metadata.author or _author_in_page(tree),
        published=published,
        canonical_url=canonical_url,
        site_name=site_name.lstrip("@") if site_name else None,
    )


def _page_title(tree) -> str | None:
    """The page's one h1, else its <title> whole (its site name is cut by the caller),
    else trafilatura's guess. trafilatura alone would take the first part of a <title>
    such as "BBC News - Landslide cuts off villages"."""
    headings = tree.findall(".//h1")
    if len(headings) == 1 and (text := _flat_text(headings[0])):
        return text
    element = tree.find(".//head/title")
    if element is not None and (text := _flat_text(element)):
        return text
    return extract_title(tree)


def _main_text(tree, title: str | None) -> str:
    text = ""
    for mode in _MODES:
        # bare_extraction works on a copy of the tree it is given.
        document = bare_extraction(tree, prune_xpath=_SHARING_WIDGETS, **_EXTRACTION_OPTIONS, **mode)
        if document is None or document.body is None:
            continue
        body = document.body
        _drop_link_blocks(body)
        _drop_link_runs(body)
        _drop_title_blocks(body, title)
        strip_tags(body, "ref")
        found = xmltotxt(body, False).strip()
        if len(found) > len(text):
            text = found
        if len(text) >= _MIN_FAST_CHARS or (text and not mode.get("fast")):
            break
    return text


def _flat_text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _drop_link_blocks(body) -> None:
    """Drop short blocks that are mostly link text: related stories, "see more" lines."""
    for block in list(body.iter(*_BLOCKS)):
        text = _flat_text(block)
        if not text or len(text) > _LINK_BLOCK_MAX_CHARS or _FOOTNOTE.match(text):
            continue
        linked = sum(len(_flat_text(ref)) for ref in block.iter("ref"))
        if linked >= _LINK_BLOCK_SHARE * len(text) and (parent := block.getparent()) is not None:
            _remove_keeping_tail(block, parent)
    for container in list(body.iter("list")):
        if not len(container) and not _flat_text(container) and (parent := container.getparent()) is not None:
            _remove_keeping_tail(container, parent)


def _drop_link_runs(body) -> None:
    """Drop runs of links set one after another inside a paragraph with nothing but
    spaces between them, but the first: a pop-up card or teaser list hung on a name in
    a sentence ("Rep. Ilhan Omar" and the card's headlines), not words of it; prose puts
    words or commas between its links."""
    for block in list(body.iter(*_BLOCKS)):
        run: list = []
        for child in [*block, None]:
            if child is not None and child.tag == "ref":
                run.append(child)
                if not (child.tail or "").strip():
                    continue
            if len(run) >= _MIN_LINK_RUN and sum(len(_flat_text(ref)) for ref in run[1:]) >= _MIN_LINK_RUN_CHARS:
                for ref in run[1:]:
                    _remove_keeping_tail(ref, block)
            run = []


def _drop_title_blocks(body, title: str | None) -> None:
    """Drop the headline when the text repeats it at its top."""
    if not title:
        return
    wanted = " ".join(title.split()).lower()
    for block in list(body)[:_TITLE_BLOCKS_SEARCHED]:
        text = _flat_text(block).lower()
        if text and fuzz.ratio(text, wanted) >= _TITLE_SIMILARITY:
            _remove_keeping_tail(block, body)


def _remove_keeping_tail(element, parent) -> None:
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def without_site_name(title: str | None, site_name: str | None, url: str | None) -> str | None:
    """The headline without the site's name: "Rain falls - TechCrunch" -> "Rain falls".
    A part is the site's name when it matches the page's site name or a label of its
    host name, ignoring case, spaces and punctuation."""
    if not title:
        return title
    parts = _TITLE_SEPARATOR.split(title.strip())
    if len(parts) < 2:
        return title.strip()
    names = set()
    if site_name:
        names.add(_SITE_KEY.sub("", site_name.lower()))
    if url and (host := re.match(r"^(?:https?://)?(?:www\.)?([^/:?#]+)", url)):
        labels = host[1].lower().split(".")
        names.update(labels[:-1])
        names.add("".join(labels[:-1]))
        names.add("".join(labels))
    names.discard("")

    def is_site(part: str) -> bool:
        # The name itself, or a short part that starts with it ("BBC News" on bbc.co.uk).
        key = _SITE_KEY.sub("", part.lower())
        short = len(part.split()) <= _MAX_SITE_WORDS
        return bool(key) and any(key == name or (short and len(name) >= 3 and key.startswith(name)) for name in names)

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    # Rejoin what is left with the separators the title had.
    if len(parts) == len(_TITLE_SEPARATOR.split(title.strip())):
        return title.strip()
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip()


def _author_in_page(tree) -> str | None:
    """The first short text in an element marked as the author's or the byline near the
    headline (the caller reads names out of it). Around the headline only: a search of
    the whole page took as long as reading its metadata, and finds sidebars' authors."""
    headline = next(tree.iter("h1"), None)
    if headline is None:
        return None
    region = headline
    for _ in range(_AUTHOR_LEVELS_ABOVE_HEADLINE):
        if (parent := region.getparent()) is None or parent.tag == "body":
            break
        region = parent
    for element in region.xpath(_AUTHOR_XPATH):
        text = _flat_text(element)
        if text and len(text) <= _MAX_AUTHOR_CHARS:
            return text
    return None


def _published_in_metadata(tree) -> list[datetime]:
    """Publication times in the page's meta tags, <time> elements and JSON-LD, to the
    second (htmldate gives the day only), in the order found."""
    candidates = []
    for element in tree.iter("meta", "time"):
        if element.tag == "time":
            if element.get("itemprop") == "datePublished" or element.get("pubdate") is not None:
                candidates.append(element.get("datetime") or "")
            continue
        name = element.get("property") or element.get("name") or element.get("itemprop") or ""
        if name.lower() in _PUBLISHED_META:
            candidates.append(element.get("content") or "")
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        candidates.extend(_JSON_LD_PUBLISHED.findall(script))
    return [parsed for value in candidates if value and (parsed := parse_iso_datetime(value))]
