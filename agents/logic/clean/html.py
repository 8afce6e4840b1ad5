"""Main text and metadata of an HTML page or fragment (a feed summary), by trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from trafilatura import bare_extraction
from trafilatura.utils import load_html

from agents.logic.clean.dates import parse_iso_datetime

# Story text only: no comments, no tables (sports results, market data), no images
# or links. favor_recall keeps short paragraphs such as one-sentence quotes, which
# precision mode drops; the furniture it lets through is for the line classifier.
_EXTRACTION_OPTIONS = {
    "include_comments": False,
    "include_tables": False,
    "include_images": False,
    "include_links": False,
    "favor_recall": True,
    "deduplicate": False,
    "with_metadata": True,
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}
_PUBLISHED_XPATH = (
    "//meta[@property='article:published_time' or @property='og:article:published_time'"
    " or @name='article:published_time' or @itemprop='datePublished' or @name='pubdate'"
    " or @name='publishdate' or @name='date' or @name='dc.date' or @name='DC.date.issued'"
    " or @name='parsely-pub-date']/@content"
    " | //time[@itemprop='datePublished' or @pubdate]/@datetime"
)
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_DOCUMENT_START = re.compile(r"<(?:!doctype|html|head|body)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlArticle:
    text: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical_url: str | None = None
    site_name: str | None = None


def extract_html(html: str) -> HtmlArticle:
    """The page's main text (one paragraph a line) and metadata; empty text when there
    is none. A fragment is wrapped in a document first, as trafilatura expects one."""
    document_html = html if _DOCUMENT_START.search(html[:2000]) else f"<html><body><div>{html}</div></body></html>"
    tree = load_html(document_html)
    if tree is None:
        return HtmlArticle("")
    published = _published_in_metadata(tree)
    # trafilatura prunes the tree it is given: metadata above is read first.
    document = bare_extraction(tree, **_EXTRACTION_OPTIONS)
    if document is None:
        return HtmlArticle("")
    if published is None and document.date:
        published = parse_iso_datetime(document.date)
    return HtmlArticle(
        document.text or "",
        title=document.title,
        author=document.author,
        published=published,
        canonical_url=document.url,
        site_name=document.sitename,
    )


def _published_in_metadata(tree) -> datetime | None:
    """The publication time in the page's meta tags or JSON-LD, to the second: htmldate,
    through trafilatura, gives the day only."""
    candidates = [str(value) for value in tree.xpath(_PUBLISHED_XPATH)]
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        candidates.extend(_JSON_LD_PUBLISHED.findall(script))
    return next((parsed for value in candidates if (parsed := parse_iso_datetime(value))), None)
