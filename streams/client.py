"""The Python client: `async for event in subscribe(...)` over events.enriched, and
`async for story in subscribe_stories(...)` over stories.enriched.

Every message is one version of one event and carries the event's whole state; the
newest version of an event id is its current state. `subscribe` hands each version over
once and in order (a version published twice after a worker crash, or an older one,
is skipped), only for events that match the filters given, and skips messages that do
not match the published schema with a warning. Start points:

- from the beginning (the default): every version the compacted topic still holds, then
  live ones, so a subscriber ends with the latest state of every event;
- from now (`from_beginning=False`): only versions published after the subscription started;
- since a point in time (`since=`): the partitions are sought to the first message
  published at or after it (Kafka's offsets-for-times), and only versions whose
  last_updated_at is at or after it pass.

`EventStream` is the layer underneath (every valid version, no filtering), for callers
that need to know when the subscription is in place or keep their own state; with
`spec=topics.STORIES` it reads the stories instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from types import TracebackType

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams import connection, topics
from streams.contracts import ContractError, validate
from streams.filters import EventFilter, EventGate
from streams.settings import Settings
from streams.settings import settings as default_settings

log = logging.getLogger(__name__)


class EventStream:
    """Every schema-valid version on events.enriched from a start point, as an async context manager.

    Once entered, the consumer's position on every partition is fixed, so 'from now'
    means from the moment `__aenter__` returned. idle_timeout ends the iteration after
    that many seconds without a message (None: run until cancelled).
    """

    def __init__(
        self,
        settings: Settings = default_settings,
        *,
        from_beginning: bool = True,
        since: datetime | None = None,
        idle_timeout: float | None = None,
        spec: topics.TopicSpec = topics.EVENTS,
    ) -> None:
        self.settings = settings
        self.from_beginning = from_beginning
        self.since = since
        self.idle_timeout = idle_timeout
        self.spec = spec
        self.topic = settings.topic(spec.name)
        self._consumer: AIOKafkaConsumer | None = None

    async def __aenter__(self) -> EventStream:
        # Like ingest and worker: make sure the compacted topic exists rather than let the
        # broker auto-create it with its defaults.
        await topics.declare_all(self.settings)
        self._consumer = AIOKafkaConsumer(
            **connection.client_kwargs(self.settings, "subscriber"),
            group_id=None,
            enable_auto_commit=False,
            # With exactly-once processing, versions of an aborted transaction are never seen.
            isolation_level="read_committed",
        )
        await self._consumer.start()
        try:
            await self._seek()
        except BaseException:
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._consumer.stop()

    async def _seek(self) -> None:
        count = topics.partitions_of(self.spec, self.settings)
        partitions = [TopicPartition(self.topic, p) for p in range(count)]
        self._consumer.assign(partitions)
        if self.since is not None:
            wanted = int(self.since.timestamp() * 1000)
            found = await self._consumer.offsets_for_times(dict.fromkeys(partitions, wanted))
            for partition, offset in found.items():
                if offset is None:  # nothing published since then on this partition
                    await self._consumer.seek_to_end(partition)
                else:
                    self._consumer.seek(partition, offset.offset)
        elif self.from_beginning:
            await self._consumer.seek_to_beginning(*partitions)
        else:
            await self._consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve lazy seeks now: the start point is this moment
            await self._consumer.position(partition)

    def __aiter__(self) -> AsyncIterator[dict]:
        if self._consumer is None:
            raise RuntimeError("enter the EventStream (async with) before iterating over it")
        return self._versions()

    async def _versions(self) -> AsyncIterator[dict]:
        last_message = time.monotonic()
        while self.idle_timeout is None or time.monotonic() - last_message < self.idle_timeout:
            batch = await self._consumer.getmany(timeout_ms=250)
            for records in batch.values():
                for record in records:
                    last_message = time.monotonic()
                    try:
                        event = orjson.loads(record.value)
                        validate(self.spec.name, event)
                    except (orjson.JSONDecodeError, ContractError) as exc:
                        log.warning(
                            "skipping an invalid %s message at offset %s: %s", self.spec.name, record.offset, exc
                        )
                        continue
                    yield event
            await asyncio.sleep(0)


async def subscribe(
    settings: Settings = default_settings,
    *,
    from_beginning: bool = True,
    since: datetime | str | None = None,
    types: str | Iterable[str] | None = None,
    entities: str | Iterable[str] | None = None,
    countries: str | Iterable[str] | None = None,
    places: str | Iterable[str] | None = None,
    certainties: str | Iterable[str] | None = None,
    min_sources: int = 1,
    idle_timeout: float | None = None,
) -> AsyncIterator[dict]:
    """Yield the versions of matching events, each once, newest last.

    Filters (see streams.filters): event types, entities (actor id, name or variant),
    country codes, place names, certainties (each one value or several alternatives),
    at least min_sources outlets, and since (a datetime, an ISO 8601 string or a duration
    back from now such as '2h'), which also sets the start point. Raises FilterError
    for an unusable filter before connecting.
    """
    event_filter = EventFilter.build(
        types=types,
        entities=entities,
        countries=countries,
        places=places,
        certainties=certainties,
        min_sources=min_sources,
        since=since,
    )
    gate = EventGate(event_filter)
    stream = EventStream(settings, from_beginning=from_beginning, since=event_filter.since, idle_timeout=idle_timeout)
    async with stream:
        async for event in stream:
            if gate.admit(event):
                yield event


async def subscribe_stories(
    settings: Settings = default_settings, *, from_beginning: bool = True, idle_timeout: float | None = None
) -> AsyncIterator[dict]:
    """Yield the versions of every story on stories.enriched, each once and newer than the last one given
    for its story (a version published again after a worker crash, or an older one, is skipped)."""
    shown: dict[str, int] = {}
    stream = EventStream(settings, from_beginning=from_beginning, idle_timeout=idle_timeout, spec=topics.STORIES)
    async with stream:
        async for story in stream:
            if story["version"] > shown.get(story["story_id"], 0):
                shown[story["story_id"]] = story["version"]
                yield story
