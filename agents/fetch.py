"""Fetching feeds, wire documents and article pages over HTTP, bounded in size and time.

One GET, redirects followed, with the caller's headers and, for a conditional GET,
the validators of the last response (If-None-Match, If-Modified-Since). The body is
refused above a size limit, first by its Content-Length and then while it streams in
(decompressed size, so a gzip bomb stops at the limit too), and the whole exchange
has one deadline, so a server that drips bytes cannot hold a poll forever.

Only public addresses are fetched (http and https only): every request, redirects
included, resolves its host once, refuses it when any address it resolves to is
loopback, private, link-local, multicast, unspecified or otherwise not global (IPv4
written in decimal, octal or hex and IPv4-mapped IPv6 resolve to what they mean), and
connects to exactly the address it checked, so a name that resolves differently the
second time cannot turn the check around. WIREWATCH_FETCH_ALLOW names hosts and
networks that may be fetched all the same (a wire on the LAN). HTTP(S)_PROXY is not
used: a proxy would connect to addresses this check never saw.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping
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


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


class RefusedAddress(httpx.ConnectError):
    """A URL whose scheme or host address fetching may not reach."""


def is_public(address: IPAddress) -> bool:
    """A global unicast address: not loopback, private, link-local, multicast, unspecified or reserved."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (
        address.is_multicast or address.is_loopback or address.is_link_local or address.is_unspecified
    )


class AddressPolicy:
    """Which hosts and addresses may be fetched: public ones, and those WIREWATCH_FETCH_ALLOW names
    (comma-separated host names and networks, e.g. `wire.lan,10.20.0.0/16,127.0.0.1`)."""

    def __init__(self, allow: str = "") -> None:
        self.hosts: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in (part.strip().lower().rstrip(".") for part in allow.split(",")):
            if not item:
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.hosts.add(item)

    def check(self, host: str, addresses: list[IPAddress]) -> None:
        if host.lower().rstrip(".") in self.hosts:
            return
        for address in addresses:
            if not (is_public(address) or any(address in network for network in self.networks)):
                raise RefusedAddress(f"{host} is {address}, not a public address (WIREWATCH_FETCH_ALLOW may allow it)")


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses a host name (or an IP address in any form the C library reads) stands for."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpx.ConnectError(f"{host}: {exc.strerror}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found))
    if not addresses:
        raise httpx.ConnectError(f"{host}: no address")
    return addresses


class PinnedTransport(httpx.AsyncBaseTransport):
    """Each request resolved once, checked against the policy, and sent to the address checked
    (the Host header and, for https, the name the certificate must match stay the host's)."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = resolve, **options) -> None:
        self.policy = policy
        self.resolver = resolver
        self._inner = httpx.AsyncHTTPTransport(**options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise RefusedAddress(f"only http and https URLs are fetched, not {url.scheme}", request=request)
        port = url.port or (443 if url.scheme == "https" else 80)
        host = url.raw_host.decode("ascii")  # an international name as IDNA
        try:
            addresses = await self.resolver(host, port)
            self.policy.check(host, addresses)
        except httpx.ConnectError as exc:
            raise type(exc)(str(exc), request=request) from exc
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=str(addresses[0]), port=port),
            headers=request.headers,  # Host: the name asked for
            stream=request.stream,
            extensions={**request.extensions, "sni_hostname": host},
        )
        return await self._inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._inner.aclose()


def new_client(settings: Settings, resolver: Resolver = resolve) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=PinnedTransport(AddressPolicy(settings.fetch_allow), resolver),
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
