"""Turn input into articles.raw records: JSON lines, plain text, HTML, RSS/Atom feeds,
IPTC ninjs and NewsML-G2, from files, folders or fetched bytes.

Pure logic, no Kafka, no network. Every kind of input takes the same two steps:
`read_entries` finds each article's loosely named fields (an `Entry`) or why there is
none (a `Refused`), and `Entry.item` (`build_record`) makes the articles.raw record or
refuses it. Between the two the feed poller decides whether an entry is new and may
fetch its page. `read_bytes`, `read_file` and `read_inputs` take both steps and yield
one `Accepted` or `Refused` per article found, so the caller can send the first to
articles.raw and the second to articles.dlq; nothing is dropped.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import orjson
from charset_normalizer import from_bytes
from dateutil import parser as dateparser

from agents.logic.feeds import feed_entries, is_feed
from agents.logic.wire_formats import (
    WireFormatError,
    is_newsml_g2,
    is_ninjs,
    local_name,
    newsml_fields,
    newsml_items,
    ninjs_fields,
    parse_xml,
    xml_bytes,
)
from streams.contracts import ContractError, validate
from streams.deadletter import now_iso
from streams.settings import raw_message_limit

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
XML_SUFFIXES = {".xml", ".rss", ".atom"}
KIND_OF_SUFFIX = {
    **dict.fromkeys(JSONL_SUFFIXES, "json"),
    **dict.fromkeys(HTML_SUFFIXES, "html"),
    **dict.fromkeys(TEXT_SUFFIXES, "text"),
    **dict.fromkeys(XML_SUFFIXES, "xml"),
}
JSON_MEDIA_TYPES = {"application/json", "application/x-ndjson", "application/jsonl", "application/ninjs+json"}
XML_MEDIA_TYPES = {"application/xml", "text/xml"}
XML_ROOT_PREFIXES = (b"<?xml", b"<rss", b"<feed", b"<rdf:RDF", b"<newsItem", b"<newsMessage")
MAX_ARTICLE_ID = 200  # the articles.raw schema's limit
MAX_DOCUMENT_BYTES = 10_000_000  # a file read whole; JSON lines beyond it are read line by line
HEAD_BYTES = 65536  # of an input refused unread, the start kept as its original
READ_CHUNK = 1 << 20

# Field names seen in the wild, in order of preference, for each articles.raw field.
# "publisher" (ninjs copyrightholder) and "feed" (a channel title) name the document's
# provider rather than the item's outlet: a configured outlet name comes before them.
OWN_SOURCE_FIELDS = ("source", "outlet", "site")
FIELD_ALIASES = {
    "article_id": ("article_id", "id", "guid", "uid"),
    "source": (*OWN_SOURCE_FIELDS, "publisher", "feed"),
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


@dataclass(frozen=True)
class Entry:
    """One article's fields as the input names them, before they become a record."""

    fields: dict
    original: bytes
    origin: str

    @property
    def article_id(self) -> str:
        return article_id_of(self.fields)

    @property
    def version(self) -> int | None:
        return _bounded_int(self.fields.get("version"), 1, None)

    @property
    def version_created_at(self) -> str | None:
        return normalise_timestamp(self.fields.get("version_created_at"))

    @property
    def link(self) -> str | None:
        return _text(_first(self.fields, "url"))

    def item(self, max_body_bytes: int, *, received_at: str | None = None) -> Item:
        return build_record(
            self.fields,
            origin=self.origin,
            original=self.original,
            max_body_bytes=max_body_bytes,
            received_at=received_at,
        )

    def with_page(self, page: str, original: bytes) -> Entry:
        """The same article with a fetched page as its body (the feed's summary is dropped)."""
        return Entry({**self.fields, "body": page, "content_type": "html"}, original, self.origin)


def derive_article_id(url: str | None, body: str) -> str:
    """Stable id for a record without one: from its URL, else from its text."""
    basis = f"url:{url}" if url else f"body:{body}"
    return "art_" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def article_id_of(fields: dict) -> str:
    """The record's own id (a stable hash of it when too long for the schema), else one derived."""
    given = _text(_first(fields, "article_id"))
    if given:
        return given if len(given) <= MAX_ARTICLE_ID else "id_" + hashlib.sha256(given.encode()).hexdigest()[:40]
    body = _first(fields, "body")
    return derive_article_id(_text(_first(fields, "url")), body if isinstance(body, str) else "")


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


def _bounded_int(value: object, low: int, high: int | None) -> int | None:
    """An integer (or a string of digits) within bounds; None for anything else."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value >= low and (high is None or value <= high) else None


def _subjects(value: object) -> list[dict] | None:
    """Subjects as {code, name}: plain strings are names; entries with neither are dropped."""
    if not isinstance(value, list):
        return None
    subjects = []
    for subject in value:
        if isinstance(subject, str):
            subject = {"name": subject}
        if isinstance(subject, dict) and (subject.get("code") or subject.get("name")):
            subjects.append({"code": _text(subject.get("code")), "name": _text(subject.get("name"))})
    return subjects or None


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
        "article_id": article_id_of(fields),
        "source": _text(_first(fields, "source")),
        "url": _text(_first(fields, "url")),
        "content_type": content_type,
        "title": _text(_first(fields, "title")),
        "byline": _text(_first(fields, "byline")),
        "body": body,
        "published_at": normalise_timestamp(_first(fields, "published_at")),
        "received_at": received_at or now_iso(),
        "language": _text(_first(fields, "language")),
        "origin": origin,
    }
    # Wire metadata is optional in the schema: present only when the input carries it.
    wire = {
        "version": _bounded_int(fields.get("version"), 1, None),
        "version_created_at": normalise_timestamp(fields.get("version_created_at")),
        "first_created_at": normalise_timestamp(fields.get("first_created_at")),
        "urgency": _bounded_int(fields.get("urgency"), 1, 9),
        "dateline": _text(fields.get("dateline")),
        "located": _text(fields.get("located")),
        "subjects": _subjects(fields.get("subjects")),
    }
    record.update({name: value for name, value in wire.items() if value is not None})
    try:
        validate("articles.raw", record)
    except ContractError as exc:
        return Refused("schema_violation", str(exc), original, origin, record["article_id"])
    return Accepted(record, origin)


# ------------------------------------------------------------------- finding entries


def kind_of(data: bytes, *, suffix: str | None = None, media_type: str | None = None) -> str | None:
    """Which reader a document needs: 'json', 'xml', 'html', 'text', or None for none.

    A file is known by its suffix. Fetched bytes are known by their media type where
    it is specific, else by their first bytes (servers often label feeds text/html).
    """
    if suffix is not None:
        return KIND_OF_SUFFIX.get(suffix.lower())
    media_type = (media_type or "").split(";")[0].strip().lower()
    head = data.lstrip()[:64]
    if media_type in JSON_MEDIA_TYPES or media_type.endswith("+json"):
        return "json"
    if media_type in XML_MEDIA_TYPES or media_type.endswith("+xml") or head.startswith(XML_ROOT_PREFIXES):
        return "xml"
    if head[:1] in (b"{", b"["):
        return "json"
    if media_type == "text/html":
        return "html"
    return "html" if looks_like_html(head.decode("ascii", "ignore")) else "text"


def read_entries(
    data: bytes,
    origin: str,
    max_body_bytes: int,
    kind: str | None,
    *,
    source: str | None = None,
    url: str | None = None,
) -> Iterator[Entry | Refused]:
    """The articles in one document. `source` names the outlet of records that name none;
    `url` is where a single-article document (HTML, text) was fetched from."""
    if kind == "json":
        entries = json_entries(data, origin)
    elif kind == "xml":
        entries = xml_entries(data, origin, max_body_bytes, url)
    elif kind in ("html", "text"):
        entries = iter([document_entry(data, origin, max_body_bytes, kind, url)])
    else:
        raise ValueError(f"no reader of kind {kind!r}")
    for entry in entries:
        if isinstance(entry, Entry) and source and not any(entry.fields.get(f) for f in OWN_SOURCE_FIELDS):
            entry = Entry({**entry.fields, "source": source}, entry.original, entry.origin)
        yield entry


def json_entries(data: bytes, origin: str) -> Iterator[Entry | Refused]:
    """One article per line; a whole document holding one JSON object or array works too."""
    stripped = data.strip()
    if stripped[:1] in (b"[", b"{"):
        try:
            parsed = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            parsed = None  # not one document: read it line by line
        if parsed is not None:
            objects = parsed if isinstance(parsed, list) else [parsed]
            for index, obj in enumerate(objects):
                yield json_object_entry(obj, orjson.dumps(obj), f"{origin}#{index + 1}")
            return
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield json_line_entry(line, f"{origin}:{number}")


def json_line_entry(line: bytes, origin: str) -> Entry | Refused:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Refused("malformed_json", f"not valid JSON: {exc}", line, origin)
    return json_object_entry(obj, line, origin)


def json_object_entry(obj: object, original: bytes, origin: str) -> Entry | Refused:
    if not isinstance(obj, dict):
        return Refused("schema_violation", "an article must be a JSON object", original, origin)
    return Entry(ninjs_fields(obj) if is_ninjs(obj) else obj, original, origin)


def xml_entries(data: bytes, origin: str, max_body_bytes: int, url: str | None) -> Iterator[Entry | Refused]:
    """NewsML-G2 items, RSS or Atom items, or an XHTML page as one article."""
    try:
        root = parse_xml(data)
    except WireFormatError as exc:
        yield Refused(exc.reason, str(exc), data, origin)
        return
    root_name = local_name(root)
    if is_newsml_g2(root):
        for number, element in enumerate(newsml_items(root), start=1):
            where = f"{origin}#{number}"
            original = xml_bytes(element)
            try:
                yield Entry(newsml_fields(element), original, where)
            except WireFormatError as exc:
                yield Refused(exc.reason, str(exc), original, where, element.get("guid"))
    elif is_feed(root_name):
        for number, fields in enumerate(feed_entries(data, base_url=url), start=1):
            yield Entry(fields, orjson.dumps(fields), f"{origin}#{number}")
    elif root_name == "html":
        yield document_entry(data, origin, max_body_bytes, "html", url)
    else:
        yield Refused(
            "unsupported_input", f"XML with root <{root_name}> is neither a feed nor NewsML-G2", data[:4096], origin
        )


def document_entry(data: bytes, origin: str, max_body_bytes: int, kind: str, url: str | None) -> Entry | Refused:
    """A whole plain-text or HTML document as one article."""
    if len(data) > max_body_bytes:
        return Refused("too_large", f"document is {len(data)} bytes, over the limit of {max_body_bytes}", data, origin)
    try:
        text = decode(data)
    except ValueError as exc:
        return Refused("bad_encoding", str(exc), data, origin)
    return Entry({"body": text, "content_type": kind, "url": url}, data, origin)


# ------------------------------------------------------------------ entries to items


def read_bytes(
    data: bytes,
    origin: str,
    max_body_bytes: int,
    *,
    media_type: str | None = None,
    url: str | None = None,
    source: str | None = None,
) -> Iterator[Item]:
    """Every article in fetched bytes, read by their media type or their look."""
    entries = read_entries(data, origin, max_body_bytes, kind_of(data, media_type=media_type), source=source, url=url)
    return items(entries, max_body_bytes)


def items(entries: Iterable[Entry | Refused], max_body_bytes: int) -> Iterator[Item]:
    for entry in entries:
        yield entry.item(max_body_bytes) if isinstance(entry, Entry) else entry


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


def json_line_stream(stream: BinaryIO, origin: str, line_limit: int) -> Iterator[Entry | Refused]:
    """One article per line of a JSON lines stream, never holding more than `line_limit` bytes
    of a line: a longer one is refused (too_large) with its start as the original."""
    for number in itertools.count(1):
        line = stream.readline(line_limit + 1)
        if not line:
            return
        if len(line) > line_limit and not line.endswith(b"\n"):
            size = len(line)
            head = line[:HEAD_BYTES]
            del line
            while (rest := stream.readline(READ_CHUNK)) and not rest.endswith(b"\n"):
                size += len(rest)
            size += len(rest.rstrip(b"\r\n"))
            yield Refused(
                "too_large", f"line of {size} bytes, over the limit of {line_limit}", head, f"{origin}:{number}"
            )
        elif line.strip():
            yield json_line_entry(line.rstrip(b"\r\n"), f"{origin}:{number}")


def read_file(path: Path, max_body_bytes: int, *, max_document_bytes: int = MAX_DOCUMENT_BYTES) -> Iterator[Item]:
    """The articles in a file. Only regular files are read (a FIFO or a device is refused without
    waiting on it); a document is read whole up to `max_document_bytes`, JSON lines beyond that
    line by line, each line up to raw_message_limit(max_body_bytes)."""
    origin = str(path)
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused).
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")
    except OSError as exc:
        yield Refused("unsupported_input", f"cannot read {origin}: {exc.strerror}", b"", origin)
        return
    with handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            yield Refused("unsupported_input", f"{origin} is not a regular file (a FIFO, a device, ...)", b"", origin)
            return
        kind = kind_of(b"", suffix=path.suffix)
        if kind is None:
            head = handle.read(HEAD_BYTES)
            yield Refused("unsupported_input", f"no reader for files ending in {path.suffix!r}", head, origin)
            return
        if status.st_size > max_document_bytes:
            if kind == "json":
                entries = json_line_stream(handle, origin, raw_message_limit(max_body_bytes))
                yield from items(entries, max_body_bytes)
            else:
                error = f"file is {status.st_size} bytes, over the limit of {max_document_bytes}"
                yield Refused("too_large", error, handle.read(HEAD_BYTES), origin)
            return
        data = handle.read(max_document_bytes + 1)
    yield from items(read_entries(data, origin, max_body_bytes, kind), max_body_bytes)


def read_inputs(
    paths: Iterable[str | os.PathLike], max_body_bytes: int, *, max_document_bytes: int = MAX_DOCUMENT_BYTES
) -> Iterator[Item]:
    for path in expand_paths(paths):
        yield from read_file(path, max_body_bytes, max_document_bytes=max_document_bytes)
