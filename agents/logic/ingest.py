"""Turn files into articles.raw records: JSON lines, plain text, HTML, and folders of them.

Pure logic, no Kafka: `read_inputs` yields one `Accepted` record or one `Refused`
item (with the reason and the original bytes) per article found, so the caller can
send the first to articles.raw and the second to articles.dlq; nothing is dropped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from charset_normalizer import from_bytes
from dateutil import parser as dateparser

from streams.contracts import ContractError, validate
from streams.deadletter import now_iso

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}

# Field names seen in the wild, in order of preference, for each articles.raw field.
FIELD_ALIASES = {
    "article_id": ("article_id", "id", "guid", "uid"),
    "source": ("source", "outlet", "site", "publisher", "feed"),
    "url": ("url", "link", "href"),
    "title": ("title", "headline"),
    "byline": ("byline", "author", "authors"),
    "body": ("body", "text", "content", "html", "article"),
    "published_at": ("published_at", "published", "date", "pubDate", "datetime", "firstcreated"),
    "language": ("language", "lang"),
}


@dataclass(frozen=True)
class Accepted:
    record: dict
    origin: str


@dataclass(frozen=True)
class Refused:
    reason: str  # an articles.dlq reason
    error: str
    original: bytes
    origin: str
    article_id: str | None = None


Item = Accepted | Refused


def derive_article_id(url: str | None, body: str) -> str:
    """Stable id for a record without one: from its URL, else from its text."""
    basis = f"url:{url}" if url else f"body:{body}"
    return "art_" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head) or ("<p>" in head and "</p>" in text)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else the encoding charset-normalizer is sure of.

    Raises ValueError for bytes that are no text in any encoding it knows.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.chaos > 0.3:
        raise ValueError("bytes are not text in any encoding that could be detected")
    return str(best)


def normalise_timestamp(value: object) -> str | None:
    """ISO 8601 with a time zone (UTC assumed when absent); None when it is no date."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).isoformat()
    try:
        parsed = dateparser.parse(str(value))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


def _first(obj: dict, field: str) -> object:
    for name in FIELD_ALIASES[field]:
        value = obj.get(name)
        if value not in (None, "", []):
            return value
    return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def build_record(
    fields: dict,
    *,
    origin: str,
    original: bytes,
    max_body_bytes: int,
    received_at: str | None = None,
) -> Item:
    """An articles.raw record from loosely named fields, or why it cannot be one."""
    body = _first(fields, "body")
    url = _text(_first(fields, "url"))
    given_id = _text(_first(fields, "article_id"))
    if not isinstance(body, str) or not body.strip():
        return Refused("empty_body", "the article has no body text", original, origin, given_id)
    size = len(body.encode("utf-8"))
    if size > max_body_bytes:
        return Refused(
            "too_large", f"body is {size} bytes, over the limit of {max_body_bytes}", original, origin, given_id
        )
    content_type = fields.get("content_type")
    if content_type not in ("text", "html"):
        content_type = "html" if looks_like_html(body) else "text"
    record = {
        "schema_version": 1,
        "article_id": given_id or derive_article_id(url, body),
        "source": _text(_first(fields, "source")),
        "url": url,
        "content_type": content_type,
        "title": _text(_first(fields, "title")),
        "byline": _text(_first(fields, "byline")),
        "body": body,
        "published_at": normalise_timestamp(_first(fields, "published_at")),
        "received_at": received_at or now_iso(),
        "language": _text(_first(fields, "language")),
        "origin": origin,
    }
    try:
        validate("articles.raw", record)
    except ContractError as exc:
        return Refused("schema_violation", str(exc), original, origin, record["article_id"])
    return Accepted(record, origin)


def read_jsonl(data: bytes, origin: str, max_body_bytes: int) -> Iterator[Item]:
    """One article per line; a whole file holding one JSON object or array works too."""
    stripped = data.strip()
    if stripped[:1] in (b"[", b"{"):
        try:
            parsed = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            parsed = None  # not one document: read it line by line
        if parsed is not None:
            objects = parsed if isinstance(parsed, list) else [parsed]
            for index, obj in enumerate(objects):
                yield _from_json_object(obj, orjson.dumps(obj), f"{origin}#{index + 1}", max_body_bytes)
            return
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Refused("malformed_json", f"line {number} is not valid JSON: {exc}", line, where)
            continue
        yield _from_json_object(obj, line, where, max_body_bytes)


def _from_json_object(obj: object, original: bytes, origin: str, max_body_bytes: int) -> Item:
    if not isinstance(obj, dict):
        return Refused("schema_violation", "a JSON line must hold an object", original, origin)
    return build_record(obj, origin=origin, original=original, max_body_bytes=max_body_bytes)


def read_document(data: bytes, origin: str, max_body_bytes: int, content_type: str) -> Item:
    """A whole plain-text or HTML file as one article."""
    if len(data) > max_body_bytes:
        return Refused("too_large", f"file is {len(data)} bytes, over the limit of {max_body_bytes}", data, origin)
    try:
        text = decode(data)
    except ValueError as exc:
        return Refused("bad_encoding", str(exc), data, origin)
    return build_record(
        {"body": text, "content_type": content_type}, origin=origin, original=data, max_body_bytes=max_body_bytes
    )


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and the files inside folders named (sorted, hidden ones skipped)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        else:
            found.append(path)
    return found


def read_file(path: Path, max_body_bytes: int) -> Iterator[Item]:
    origin = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Refused("unsupported_input", f"cannot read {origin}: {exc.strerror}", b"", origin)
        return
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(data, origin, max_body_bytes)
    elif suffix in HTML_SUFFIXES:
        yield read_document(data, origin, max_body_bytes, "html")
    elif suffix in TEXT_SUFFIXES:
        yield read_document(data, origin, max_body_bytes, "text")
    else:
        yield Refused("unsupported_input", f"no reader for files ending in {suffix!r}", data[:4096], origin)


def read_inputs(paths: Iterable[str | os.PathLike], max_body_bytes: int) -> Iterator[Item]:
    for path in expand_paths(paths):
        yield from read_file(path, max_body_bytes)
