"""Fetching feeds, wire documents and article pages over HTTP, bounded in size and time.

One GET, redirects followed, with the caller's headers and, for a conditional GET,
the validators of the last response (If-None-Match, If-Modified-Since). The body is
refused above a size limit, first by its Content-Length and then while it streams in
(decompressed size, so a gzip bomb stops at the limit too), and the whole exchange
has one deadline, so a server that drips bytes cannot hold a poll forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from streams.settings import Settings

USER_AGENT = "wirewatch/0.1 (+https://wirewatch.dev/feeds)"
RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200-class, or 304 when the document has not changed
    content: bytes
    media_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """The document could not be fetched; reason is an articles.dlq reason."""

    def __init__(self, message: str, *, reason: str = "unsupported_input", retry_after: float | None = None):
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503)


def new_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.fetch_timeout),
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT},
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    deadline: float,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET url within `deadline` seconds and `max_bytes` bytes; FetchError says why not."""
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(deadline):
            return await _get(client, url, request_headers, max_bytes)
    except TimeoutError as exc:
        raise FetchError(f"{url}: no complete answer within {deadline:g}s") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc


async def _get(client: httpx.AsyncClient, url: str, headers: dict, max_bytes: int) -> Fetched:
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            content = b""
        elif response.is_success:
            content = await _capped_body(response, url, max_bytes)
        else:
            raise FetchError(
                f"{url}: HTTP {response.status_code} {response.reason_phrase}",
                retry_after=_retry_after(response) if response.status_code in RETRY_STATUSES else None,
            )
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower() or None
        return Fetched(
            url=str(response.url),
            status=response.status_code,
            content=content,
            media_type=media_type,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )


async def _capped_body(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url}: {declared} bytes, over the limit of {max_bytes}", reason="too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: more than {max_bytes} bytes, over the limit", reason="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds, whether the server wrote seconds or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
