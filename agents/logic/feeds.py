"""RSS and Atom feeds as article fields, and the feeds file that `wirewatch feeds` polls.

Pure logic, no network: feedparser only ever sees bytes that `parse_xml` has already
accepted as safe, well-formed XML, wrapped in a stream so that it never takes them
for a URL or a path.
"""

from __future__ import annotations

import io
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import struct_time
from urllib.parse import urljoin, urlsplit

import feedparser
import yaml

from agents.logic.wire_formats import HTML_MEDIA_TYPES

FEED_ROOTS = frozenset({"rss", "feed", "RDF"})
DEFAULT_INTERVAL = 300.0
FEED_KEYS = frozenset({"url", "name", "outlet", "interval", "follow_links", "headers"})
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class FeedsFileError(ValueError):
    """The feeds file cannot be used; the message says which feed and why."""


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str | None = None  # the outlet: the source of the feed's articles
    interval: float = DEFAULT_INTERVAL  # seconds between polls while the feed answers
    follow_links: bool = False  # fetch each new item's page and send it as the body
    headers: Mapping[str, str] = field(default_factory=dict)


def load_feeds(path: str | os.PathLike) -> list[FeedConfig]:
    """The feeds of a YAML or TOML file holding a `feeds` list; FeedsFileError says what is wrong.

    Header values may name environment variables as ${NAME}, so tokens stay out of the file.
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise FeedsFileError(f"cannot read the feeds file {path}: {exc.strerror}") from exc
    try:
        if path.suffix.lower() == ".toml":
            document = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            document = yaml.safe_load(text)
        else:
            raise FeedsFileError(f"{path}: a feeds file ends in .yaml, .yml or .toml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise FeedsFileError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    entries = document.get("feeds") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FeedsFileError(f"{path}: expected a non-empty list under 'feeds'")
    feeds = [_feed(entry, f"{path}: feed {number}") for number, entry in enumerate(entries, start=1)]
    urls = [feed.url for feed in feeds]
    if duplicated := sorted({url for url in urls if urls.count(url) > 1}):
        raise FeedsFileError(f"{path}: feeds listed twice: {', '.join(duplicated)}")
    return feeds


def _feed(entry: object, where: str) -> FeedConfig:
    if not isinstance(entry, dict):
        raise FeedsFileError(f"{where}: expected a table with at least a url")
    if unknown := sorted(set(entry) - FEED_KEYS):
        raise FeedsFileError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(FEED_KEYS))}")
    url = entry.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedsFileError(f"{where}: url must be an http or https URL, not {url!r}")
    interval = entry.get("interval", DEFAULT_INTERVAL)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
        raise FeedsFileError(f"{where} ({url}): interval must be a positive number of seconds")
    follow_links = entry.get("follow_links", False)
    if not isinstance(follow_links, bool):
        raise FeedsFileError(f"{where} ({url}): follow_links must be true or false")
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, (str, int)) for v in headers.values()):
        raise FeedsFileError(f"{where} ({url}): headers must map header names to strings")
    name = entry.get("name") or entry.get("outlet")
    return FeedConfig(
        url=url,
        name=str(name) if name else None,
        interval=float(interval),
        follow_links=follow_links,
        headers={str(k): _expand_env(str(v), f"{where} ({url})") for k, v in headers.items()},
    )


def _expand_env(value: str, where: str) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise FeedsFileError(f"{where}: header refers to ${{{name}}}, which is not set")
        return os.environ[name]

    return _ENV_REFERENCE.sub(replace, value)


def is_feed(root_name: str) -> bool:
    return root_name in FEED_ROOTS


def feed_entries(data: bytes, base_url: str | None = None) -> list[dict]:
    """Article fields of every item of an RSS or Atom document, in document order.

    An item's id is its guid (Atom: id) as written, else its link. Atom's `updated`
    becomes version_created_at, so a re-published entry reads as a newer version of
    itself. Relative links resolve against `base_url`, where the feed was fetched.
    """
    # No base for feedparser: it would resolve a relative guid too, and the id would
    # change with the address the feed is fetched from.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True)
    channel = parsed.feed
    return [_entry_fields(entry, channel, base_url) for entry in parsed.entries]


def _entry_fields(entry: Mapping, channel: Mapping, base_url: str | None) -> dict:
    content = entry.get("content") or []
    detail = content[0] if content else entry.get("summary_detail")
    media_type = (detail.get("type") or "") if detail else ""
    link = urljoin(base_url, entry["link"]) if base_url and entry.get("link") else entry.get("link")
    link = link if _is_web_url(link) else None
    return {
        "article_id": entry.get("id") or link,
        "url": link,
        "title": entry.get("title"),
        "byline": entry.get("author"),
        "body": detail.get("value") if detail else None,
        # feedparser calls most RSS descriptions HTML; a fragment without markup reads better as text.
        "content_type": None if media_type in HTML_MEDIA_TYPES else "text",
        "published_at": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
        # Read past FeedParserDict, whose get() would answer an RSS pubDate for "updated".
        "version_created_at": _iso(dict.get(entry, "updated_parsed")),
        "language": (detail.get("language") if detail else None) or channel.get("language"),
        "subjects": [_subject(tag) for tag in entry.get("tags") or [] if tag.get("term")],
        "source": (entry.get("source") or {}).get("title"),
        # A lower-priority alias of source: the channel's title, after a configured outlet name.
        "feed": channel.get("title"),
    }


def _subject(tag: Mapping) -> dict:
    """A category: a term under a scheme (Atom) or domain (RSS) is a code, else a name."""
    term, scheme, label = tag.get("term"), tag.get("scheme"), tag.get("label")
    if not scheme:
        return {"code": None, "name": label or term}
    # An RSS domain such as "medtop" qualifies the code; an Atom scheme URI does not fit in front.
    return {"code": term if "/" in scheme else f"{scheme}:{term}", "name": label}


def _is_web_url(value: object) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def _iso(value: struct_time | None) -> str | None:
    return datetime(*value[:6], tzinfo=UTC).isoformat() if value else None
