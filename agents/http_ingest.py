"""POST /ingest on the worker's web server: articles over HTTP into articles.raw.

One article as a JSON object (Content-Type: application/json) or a batch as JSON
lines (application/x-ndjson), one article per line; ninjs objects are read as ninjs.
The caller sends `Authorization: Bearer <WIREWATCH_INGEST_TOKEN>`, checked by
streams.http_server before any byte of the body is read; while no token is configured
the endpoint refuses everything (503).

The body may be sent gzip or deflate compressed (Content-Encoding); it is inflated here,
in a stream, never by the server: refused (413) once it inflates beyond
WIREWATCH_INGEST_MAX_BYTES or more than WIREWATCH_INGEST_MAX_INFLATE_RATIO times its
compressed size. A body above WIREWATCH_INGEST_MAX_BYTES is refused by its
Content-Length before it is read, and while it is read when it has none; a body that
stalls for WIREWATCH_WEB_IDLE_TIMEOUT seconds or takes longer than
WIREWATCH_WEB_BODY_TIMEOUT is refused (408). More than WIREWATCH_INGEST_MAX_ITEMS
articles in one request: 413, nothing sent.

Every article is read and checked as `wirewatch ingest` does (agents.logic.ingest) and
sent through the same Sender on the worker's own producer (acks=all): accepted ones
to articles.raw keyed by article id, refused ones to articles.dlq with the reason and
the original bytes (an empty body too). A batch whose refused articles outnumber its
accepted ones is refused whole: nothing goes to articles.raw and one dead letter counts
the refusals (so a request causes at most one dead letter per accepted article, plus
one). The answer comes once the broker has acknowledged them all:
202 {"accepted": n, "rejected": [{"line": i, "reason": ..., "error": ...}]} when at
least one article was accepted, 400 with the same body when none was (with
"rejected_total" and "error" when refused whole), and 401, 408, 413, 415 or 503 with
{"error": why} for a request refused before any of it was read as articles.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import Counter
from collections.abc import Awaitable

from aiokafka.errors import KafkaError
from faust.web import Request, Response, View

from agents.ingest import Sender
from agents.logic.ingest import Entry, Refused, json_line_entry
from streams.app import app, dlq_topic, raw_topic
from streams.http_server import RequestRefused, check_authorization
from streams.metrics import MESSAGES_FAILED, MESSAGES_IN, MESSAGES_OUT
from streams.settings import Settings, settings

__all__ = ["RequestRefused", "check_authorization"]  # the endpoint's decisions, for its tests

STAGE = "http_ingest"
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonlines"})
JSON_TYPES = frozenset({"application/json", "application/ninjs+json"})
# zlib window bits per Content-Encoding: 16 + 15 reads a gzip member, 15 a zlib stream.
INFLATE_WBITS = {"identity": None, "gzip": 31, "x-gzip": 31, "deflate": 15}
INFLATE_STEP = 262144  # most bytes inflated at once, so the caps are checked as it grows
RATIO_FLOOR = 1_048_576  # below this inflated size the ratio is not held against a body
REJECTED_LISTED = 100  # refused lines listed in the answer to a request refused whole


class Inflater:
    """A compressed body inflated as it arrives, refused once it grows beyond `limit`
    bytes or `ratio` times the compressed bytes it came from."""

    def __init__(self, wbits: int, limit: int, ratio: int):
        self._inflate = zlib.decompressobj(wbits)
        self.limit, self.ratio = limit, ratio
        self.consumed = self.size = 0

    def feed(self, data: bytes) -> bytes:
        pieces = []
        while data:
            if self._inflate.eof:
                raise RequestRefused(400, "there are bytes after the end of the compressed body")
            try:
                piece = self._inflate.decompress(data, min(INFLATE_STEP, self.limit + 1 - self.size))
            except zlib.error as exc:
                raise RequestRefused(400, f"the body is not valid for its Content-Encoding: {exc}") from exc
            self.consumed += len(data) - len(self._inflate.unconsumed_tail)
            data = self._inflate.unconsumed_tail or self._inflate.unused_data
            self.size += len(piece)
            if self.size > self.limit:
                raise RequestRefused(413, f"the body inflates to more than the limit of {self.limit} bytes")
            if self.size > RATIO_FLOOR and self.size > self.ratio * self.consumed:
                raise RequestRefused(413, f"the body inflates to more than {self.ratio} times its compressed size")
            pieces.append(piece)
        return b"".join(pieces)

    def finish(self) -> None:
        if not self._inflate.eof:
            raise RequestRefused(400, "the compressed body is cut off")


async def read_body(request: Request, config: Settings) -> bytes:
    """The request's body, inflated, within the size, ratio and time limits."""
    encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in INFLATE_WBITS:
        raise RequestRefused(415, f"send the body plain, gzip or deflate, not {encoding!r}")
    limit = config.ingest_max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestRefused(413, f"the body is {request.content_length} bytes, over the limit of {limit}")
    wbits = INFLATE_WBITS[encoding]
    inflater = Inflater(wbits, limit, config.ingest_max_inflate_ratio) if wbits else None
    body, received = bytearray(), 0
    try:
        async with asyncio.timeout(config.web_body_timeout):
            while True:
                async with asyncio.timeout(config.web_idle_timeout):
                    chunk = await request.content.readany()
                if not chunk:
                    break
                received += len(chunk)
                if received > limit:
                    raise RequestRefused(413, f"the body is over the limit of {limit} bytes")
                body += inflater.feed(chunk) if inflater else chunk
    except TimeoutError as exc:
        raise RequestRefused(408, "the body did not arrive in time") from exc
    if inflater:
        inflater.finish()
    return bytes(body)


def numbered_entries(body: bytes, media_type: str, origin: str) -> list[tuple[int, Entry | Refused]]:
    """(line number, entry) for each article of a body: every non-blank line of JSON lines,
    or the whole body as line 1 (an empty body is one article without a body)."""
    if media_type in NDJSON_TYPES and body.strip():
        lines = enumerate(body.splitlines(), start=1)
        return [(number, json_line_entry(line, f"{origin}:{number}")) for number, line in lines if line.strip()]
    if not body.strip():
        return [(1, Refused("empty_body", "the request has no body", body, origin))]
    return [(1, json_line_entry(body, origin))]


def count_items(body: bytes, media_type: str) -> int:
    if media_type in NDJSON_TYPES:
        return sum(1 for line in body.splitlines() if line.strip())
    return 1


def refused_whole(body: bytes, refused: list[Refused], total: int, origin: str) -> Refused:
    """One dead letter for a batch refused whole: how many of its articles were refused and why."""
    reasons = Counter(item.reason for item in refused)
    counts = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
    error = (
        f"request refused whole: {len(refused)} of its {total} articles were refused ({counts}), "
        f"more than were accepted; none was sent"
    )
    return Refused(reasons.most_common(1)[0][0], error, body, origin)


_TOPICS = {topic.get_topic_name(): topic for topic in (raw_topic, dlq_topic)}


async def _send_on_worker(topic: str, key: bytes | None, value: bytes) -> Awaitable:
    return await _TOPICS[topic].send(key=key, value=value)


sender = Sender(_send_on_worker, settings)


@app.page("/ingest")
class IngestView(View):
    async def post(self, request: Request) -> Response:
        # The token was checked (streams.http_server) before this runs.
        try:
            media_type = request.content_type
            if media_type not in NDJSON_TYPES | JSON_TYPES:
                raise RequestRefused(
                    415, f"send application/json (one article) or application/x-ndjson (a batch), not {media_type}"
                )
            body = await read_body(request, settings)
            total = count_items(body, media_type)
            if total > settings.ingest_max_items:
                raise RequestRefused(
                    413, f"{total} articles in one request, over the limit of {settings.ingest_max_items}: split it"
                )
        except RequestRefused as exc:
            return self.json({"error": str(exc)}, status=exc.status, headers=exc.headers)

        origin = f"POST /ingest from {request.remote}"
        numbered = []
        for line, entry in numbered_entries(body, media_type, origin):
            MESSAGES_IN.labels(STAGE).inc()
            numbered.append((line, entry.item(settings.max_body_bytes) if isinstance(entry, Entry) else entry))
        refused = [(line, item) for line, item in numbered if isinstance(item, Refused)]
        rejected = [{"line": line, "reason": item.reason, "error": item.error} for line, item in refused]
        accepted = len(numbered) - len(refused)
        whole = len(numbered) > 1 and len(refused) > accepted
        if whole:
            to_send = [refused_whole(body, [item for _, item in refused], total, origin)]
        else:
            to_send = [item for _, item in numbered]
        try:
            deliveries = []
            for item in to_send:
                deliveries.append(await sender.send(item))
                if isinstance(item, Refused):
                    MESSAGES_FAILED.labels(STAGE, item.reason).inc()
                else:
                    MESSAGES_OUT.labels(STAGE, "articles.raw").inc()
            await asyncio.gather(*deliveries)
        except KafkaError as exc:
            return self.json({"error": f"could not deliver to Kafka, send again: {exc}"}, status=503)
        if whole:
            answer = {"accepted": 0, "rejected": rejected[:REJECTED_LISTED], "rejected_total": len(refused)}
            return self.json(answer | {"error": to_send[0].error}, status=400)
        return self.json({"accepted": accepted, "rejected": rejected}, status=202 if accepted else 400)
