"""The gauges a worker samples from its own state: consumer lag, table sizes, heartbeat.

A task started with the worker (streams.app) samples them every SAMPLE_SECONDS and sets
them all at once, so that a scrape never sees half of a sample.

Lag is counted per input partition this worker holds: the partition's end offset minus
the offset its consumer group has committed, as the broker knows them (what
kafka-consumer-groups reports), so the sum over all workers is the group's lag.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import faust
from aiokafka.admin import AIOKafkaAdminClient
from faust.types import TP, CollectionT

from streams import connection
from streams.metrics import CONSUMER_LAG, TABLE_KEYS, WORKER_HEARTBEAT
from streams.settings import settings

log = logging.getLogger(__name__)

SAMPLE_SECONDS = 5.0
# Counting a table's keys scans it on the event loop: a table is counted again only after
# this many times as long as its last count took, which keeps counting under 1% of the
# worker's time however big the tables grow (small tables are counted every sample).
COUNT_COST_FACTOR = 100


class TableCounter:
    """Exact key counts of the local tables, each refreshed when its turn comes."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.due: dict[str, float] = {}

    def sample(self, tables: Mapping[str, CollectionT]) -> dict[str, int]:
        for name, table in tables.items():
            started = time.monotonic()
            if started < self.due.get(name, 0.0):
                continue
            self.counts[name] = len(table)
            took = time.monotonic() - started
            self.due[name] = started + max(SAMPLE_SECONDS, COUNT_COST_FACTOR * took)
        return self.counts


async def consumer_lag(app: faust.App, admin: AIOKafkaAdminClient) -> dict[TP, int]:
    """Lag of every input partition (of the agents' topics) assigned to this worker."""
    inputs = {name for agent in app.agents.values() for name in agent.channel.topics}
    partitions = sorted(tp for tp in app.consumer.assignment() if tp.topic in inputs)
    if not partitions:
        return {}
    committed = await admin.list_consumer_group_offsets(app.conf.id, partitions=partitions)
    ends = await app.consumer.highwaters(*partitions)
    # A partition the group never committed on is read from its earliest offset.
    uncommitted = [tp for tp in partitions if committed.get(tp) is None or committed[tp].offset < 0]
    starts = await app.consumer.earliest_offsets(*uncommitted) if uncommitted else {}
    lag = {}
    for tp in partitions:
        start = starts[tp] if tp in starts else committed[tp].offset
        lag[tp] = max(0, ends[tp] - start)
    return lag


def publish(lag: dict[TP, int], table_keys: dict[str, int]) -> None:
    """Set every gauge from one sample; partitions no longer held lose their series."""
    CONSUMER_LAG.clear()
    for tp, behind in lag.items():
        CONSUMER_LAG.labels(tp.topic.removeprefix(settings.topic_prefix), str(tp.partition)).set(behind)
    for name, keys in table_keys.items():
        TABLE_KEYS.labels(name).set(keys)
    WORKER_HEARTBEAT.set_to_current_time()


async def sample_worker_gauges(app: faust.App) -> None:
    """Sample the gauges until the worker stops."""
    admin = AIOKafkaAdminClient(**connection.client_kwargs(settings, "lag"))
    await admin.start()
    tables = TableCounter()
    try:
        while not app.should_stop:
            try:
                lag = await consumer_lag(app, admin)
            except Exception as exc:  # the broker or a rebalance: no lag this time, the rest still counts
                log.warning("consumer lag not sampled: %s: %s", type(exc).__name__, exc)
                lag = {}
            publish(lag, tables.sample(app.tables))
            await app.sleep(SAMPLE_SECONDS)
    finally:
        await admin.close()
