"""The worker's HTTP server as it faces clients it does not trust.

Faust serves the worker's pages with aiohttp; this module sets that server up (through
Faust's `web_application_options`, see streams.app) so that a request is refused before
it costs anything:

- Who may ask is decided first, by a middleware that runs as soon as the request line
  and headers are read, before a handler runs and before any byte of the body is read:
  `POST /ingest` needs the ingest token, the event endpoints and the live page the read
  token when one is set (`guard_for`). A refused request's body is never read: the
  connection is closed after the answer instead of draining it (no lingering).
- Bodies are never inflated by the server (auto-decompression off): `agents.http_ingest`
  inflates what it has accepted, in a stream, with caps on the size and the ratio.
- An idle connection, including one whose headers never end, is closed after
  WIREWATCH_WEB_IDLE_TIMEOUT seconds (aiohttp's keep-alive timer runs from the
  connection's start); bodies have their own timeouts where they are read.
- A malformed request is a 400 or 401, and is logged in one line without a traceback.
"""

from __future__ import annotations

import hmac
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from streams.metrics import HTTP_REFUSED
from streams.settings import Settings

log = logging.getLogger(__name__)

# RFC 6750: "Bearer" (exactly; one space) and a token68, nothing before or after.
BEARER = re.compile(r"Bearer ([A-Za-z0-9\-._~+/]+=*)")
READ_COOKIE = "wirewatch_read_token"
READ_QUERY = "access_token"  # RFC 6750 section 2.3, for an EventSource or a link to the page
INGEST_PATHS = ("/ingest",)
READ_PATHS = ("/events", "/ui")


class RequestRefused(Exception):
    """A request refused whole, before any of it is sent anywhere."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when it is not exactly that."""
    match = BEARER.fullmatch(header or "")
    return match.group(1) if match else None


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8", "surrogateescape"))


def check_authorization(header: str | None, token: str) -> None:
    """Raise RequestRefused unless `header` is `Bearer <token>`; compared in constant time."""
    if not token:
        raise RequestRefused(503, "HTTP ingest is disabled: set WIREWATCH_INGEST_TOKEN on the worker to enable it")
    given = bearer_token(header)
    if given is None:
        raise RequestRefused(401, "send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
    if not _same(given, token):
        raise RequestRefused(401, "the bearer token is wrong", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def check_read_access(request: web.BaseRequest, token: str) -> str | None:
    """Raise RequestRefused unless the request carries the read token (when one is set): as a
    bearer token, the page's cookie or the access_token query parameter. Returns the token
    when it came in the query, so that the page can be given the cookie."""
    if not token:
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        given = bearer_token(header)
        if given is not None and _same(given, token):
            return None
    elif (cookie := request.cookies.get(READ_COOKIE)) is not None and _same(cookie, token):
        return None
    queried = request.query.get(READ_QUERY)
    if queried is not None and _same(queried, token):
        return queried
    raise RequestRefused(
        401,
        "this worker's events need its read token: Authorization: Bearer <token>, or ?access_token=<token>",
        {"WWW-Authenticate": 'Bearer realm="events"'},
    )


@dataclass(frozen=True)
class Guard:
    """Which token the paths under `prefixes` need."""

    prefixes: tuple[str, ...]
    check: Callable[[web.BaseRequest], str | None]

    def covers(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes)


def guards(settings: Settings) -> list[Guard]:
    return [
        Guard(
            INGEST_PATHS,
            lambda request: check_authorization(request.headers.get("Authorization"), settings.ingest_token),
        ),
        Guard(READ_PATHS, lambda request: check_read_access(request, settings.web_read_token)),
    ]


def refusal(exc: RequestRefused) -> web.Response:
    HTTP_REFUSED.labels(str(exc.status)).inc()
    return web.json_response({"error": str(exc)}, status=exc.status, headers=exc.headers)


def refuse_first(settings: Settings) -> Callable:
    """The middleware: the request's guard before its handler."""
    chosen = guards(settings)

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable]) -> web.StreamResponse:
        guard = next((g for g in chosen if g.covers(request.path)), None)
        queried = None
        if guard is not None:
            try:
                queried = guard.check(request)
            except RequestRefused as exc:
                return refusal(exc)
        response = await handler(request)
        if queried and not response.prepared:  # the live page and what it loads then send the cookie
            response.set_cookie(READ_COOKIE, queried, httponly=True, samesite="Strict", path="/")
        return response

    return middleware


class OneLineClientErrors(logging.LoggerAdapter):
    """aiohttp's server log: a client's malformed request or dropped connection is one
    warning line; anything else keeps its traceback."""

    CLIENT_ERRORS = (HttpProcessingError, ConnectionError, TimeoutError)

    def exception(self, msg, *args, exc_info=True, **kwargs) -> None:
        exc = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(exc, self.CLIENT_ERRORS):
            detail = " ".join(str(exc).split())[:300]
            self.warning(f"{msg}: %s: %s", *args, type(exc).__name__, detail)
        else:
            self.logger.error(msg, *args, exc_info=exc_info, **kwargs)

    def process(self, msg, kwargs):
        return msg, kwargs


def application_options(settings: Settings) -> dict:
    """aiohttp Application options for Faust's `web_application_options`."""
    return {
        "middlewares": [refuse_first(settings)],
        "handler_args": {
            "auto_decompress": False,  # agents.http_ingest inflates, with caps, what it accepted
            "keepalive_timeout": settings.web_idle_timeout,  # also closes a connection whose headers never end
            "lingering_time": 0,  # an unread body is not drained: the connection is closed after the answer
            "logger": OneLineClientErrors(logging.getLogger("aiohttp.server"), {}),
        },
    }
