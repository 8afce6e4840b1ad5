"""The Python client: `async for event in subscribe(...)` over events.enriched.

Every message is one version of one event; the last version of an event id is its
current state. Messages that do not match the published schema are skipped with a
warning rather than handed to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams import topics
from streams.contracts import ContractError, validate
from streams.settings import Settings
from streams.settings import settings as default_settings

log = logging.getLogger(__name__)


async def subscribe(
    settings: Settings = default_settings,
    *,
    from_beginning: bool = True,
    idle_timeout: float | None = None,
) -> AsyncIterator[dict]:
    """Yield enriched event versions as they are published.

    from_beginning replays every version kept on the (compacted) topic first, so a
    new subscriber ends with the latest state of each event; otherwise only new
    versions arrive. idle_timeout ends the iteration after that many seconds without
    a message (None: run until cancelled).
    """
    topic = settings.topic(topics.EVENTS.name)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.broker,
        client_id=f"{settings.app_id}-subscriber",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(topics.partitions_of(topics.EVENTS, settings))]
        consumer.assign(partitions)
        if from_beginning:
            await consumer.seek_to_beginning(*partitions)
        else:
            await consumer.seek_to_end(*partitions)
        last_message = time.monotonic()
        while idle_timeout is None or time.monotonic() - last_message < idle_timeout:
            batch = await consumer.getmany(timeout_ms=250)
            for records in batch.values():
                for record in records:
                    last_message = time.monotonic()
                    try:
                        event = orjson.loads(record.value)
                        validate("events.enriched", event)
                    except (orjson.JSONDecodeError, ContractError) as exc:
                        log.warning("skipping an invalid event at offset %s: %s", record.offset, exc)
                        continue
                    yield event
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
