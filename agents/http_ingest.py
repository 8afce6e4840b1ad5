"""POST /ingest on the worker's web server: articles over HTTP into articles.raw.

One article as a JSON object (Content-Type: application/json) or a batch as JSON
lines (application/x-ndjson), one article per line; ninjs objects are read as ninjs.
The caller sends `Authorization: Bearer <WIREWATCH_INGEST_TOKEN>`; while no token is
configured the endpoint refuses everything (503). A body above
WIREWATCH_INGEST_MAX_BYTES is refused (413) by its Content-Length before it is read,
and while it is read when it has none.

Every article is read and checked as `wirewatch ingest` does (agents.logic.ingest) and
sent through the same Sender on the worker's own producer (acks=all): accepted ones
to articles.raw keyed by article id, refused ones to articles.dlq with the reason and
the original bytes. The answer comes once the broker has acknowledged them all:
202 {"accepted": n, "rejected": [{"line": i, "reason": ..., "error": ...}]} when at
least one article was accepted, 400 with the same body when none was, and 401, 413,
415 or 503 with {"error": why} for a request refused whole (nothing is sent for those).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Mapping

from aiokafka.errors import KafkaError
from faust.web import Request, Response, View

from agents.ingest import Sender
from agents.logic.ingest import Entry, Refused, json_line_entry
from streams.app import app, dlq_topic, raw_topic
from streams.metrics import MESSAGES_FAILED, MESSAGES_IN, MESSAGES_OUT
from streams.settings import settings

STAGE = "http_ingest"
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonlines"})
JSON_TYPES = frozenset({"application/json", "application/ninjs+json"})
CHUNK_BYTES = 65536


class RequestRefused(Exception):
    """A request refused whole, before any of it is sent anywhere."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def check_authorization(header: str | None, token: str) -> None:
    """Raise RequestRefused unless `header` is `Bearer <token>`; compared in constant time."""
    if not token:
        raise RequestRefused(503, "HTTP ingest is disabled: set WIREWATCH_INGEST_TOKEN on the worker to enable it")
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise RequestRefused(401, "send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise RequestRefused(401, "the bearer token is wrong", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def numbered_entries(body: bytes, media_type: str, origin: str) -> list[tuple[int, Entry | Refused]]:
    """(line number, entry) for each article of a body: every non-blank line of JSON lines,
    or the whole body as line 1."""
    if media_type in NDJSON_TYPES:
        lines = enumerate(body.splitlines(), start=1)
        return [(number, json_line_entry(line, f"{origin}:{number}")) for number, line in lines if line.strip()]
    return [(1, json_line_entry(body, origin))]


async def _read_capped(request: Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise RequestRefused(413, f"the body is {request.content_length} bytes, over the limit of {limit}")
    body = bytearray()
    async for chunk in request.content.iter_chunked(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise RequestRefused(413, f"the body is over the limit of {limit} bytes")
    return bytes(body)


_TOPICS = {topic.get_topic_name(): topic for topic in (raw_topic, dlq_topic)}


async def _send_on_worker(topic: str, key: bytes | None, value: bytes) -> Awaitable:
    return await _TOPICS[topic].send(key=key, value=value)


sender = Sender(_send_on_worker, settings)


@app.page("/ingest")
class IngestView(View):
    async def post(self, request: Request) -> Response:
        try:
            check_authorization(request.headers.get("Authorization"), settings.ingest_token)
            media_type = request.content_type
            if media_type not in NDJSON_TYPES | JSON_TYPES:
                raise RequestRefused(
                    415, f"send application/json (one article) or application/x-ndjson (a batch), not {media_type}"
                )
            body = await _read_capped(request, settings.ingest_max_bytes)
            if not body.strip():
                raise RequestRefused(400, "the request has no body")
        except RequestRefused as exc:
            return self.json({"error": str(exc)}, status=exc.status, headers=exc.headers)

        accepted, rejected, deliveries = 0, [], []
        try:
            for line, entry in numbered_entries(body, media_type, f"POST /ingest from {request.remote}"):
                MESSAGES_IN.labels(STAGE).inc()
                item = entry.item(settings.max_body_bytes) if isinstance(entry, Entry) else entry
                deliveries.append(await sender.send(item))
                if isinstance(item, Refused):
                    rejected.append({"line": line, "reason": item.reason, "error": item.error})
                    MESSAGES_FAILED.labels(STAGE, item.reason).inc()
                else:
                    accepted += 1
                    MESSAGES_OUT.labels(STAGE, "articles.raw").inc()
            await asyncio.gather(*deliveries)
        except KafkaError as exc:
            return self.json({"error": f"could not deliver to Kafka, send again: {exc}"}, status=503)
        return self.json({"accepted": accepted, "rejected": rejected}, status=202 if accepted else 400)
