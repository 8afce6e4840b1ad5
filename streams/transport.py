"""Faust's Kafka transport with a short fetch wait, no records from before a seek, and no
ack for a message no stream took.

Faust builds its consumer with fetch_max_wait_ms=1500 and no setting to change it. The
consumer has one fetch in flight to a broker, and leaves out of it the partitions whose
last records it has not handed on yet; when none of the partitions in it gets a message,
the broker holds the fetch for the whole wait. A worker that consumes what it produces
(articles.clean -> index -> extract queue -> mentions) then sat up to 1.5 s with a
message waiting on a partition left out: a stall between two stages, seen as idle
seconds in the middle of a backlog and at its end. A short wait costs an empty fetch
response per FETCH_MAX_WAIT_MS when the worker is idle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

FETCH_MAX_WAIT_MS = 50


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read when the consumer starts and builds its fetcher; aiokafka has no setter.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class Consumer(faust_aiokafka.Consumer):
    # Seeks begun so far: getmany hands on no record fetched before the latest one.
    _seeks = 0

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def perform_seek(self) -> None:
        self._seeks += 1
        await super().perform_seek()

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Faust's batch of fetched records, cut short by a seek (faust-streaming 0.15.3).

        After a rebalance Faust resumes the flow, then seeks every partition back to its
        committed offset (perform_seek resets the read offsets and clears the channels,
        dropping what the flow delivered meanwhile). Consumer._drain_messages then went on
        handing out the rest of the batch it fetched before the seek: the first record after
        the committed offset looked like a jump in the partition's offsets, which Faust takes
        for offsets the topic lacks (_add_gap) and counts as acked in _new_offset, and it
        raised the read offset past the records the seek fetches again, which were dropped.
        The commit then passed records no agent processed: seen in bench/rebalance_bench.py,
        a worker joining at committed offset 215 began at 218 and committed 219.
        """
        seeks = self._seeks
        async for tp, message in super().getmany(timeout):
            if self._seeks != seeks:
                break  # fetched before a seek: the next fetch reads from the new positions
            yield tp, message

    def ack(self, message: Message) -> bool:
        """Mark an offset done only for a message a stream handed on (and so tracked).

        faust-streaming 0.15.3's Stream.__aiter__ skips a message it takes off its channel
        while flow control is suspended (a rebalance or a stop under way) or that was fetched
        in an earlier consumer generation, and acks it, on a `noack` stream too, although no
        agent saw it. A commit may then pass over it: right after a revocation Faust has
        dropped the partition's committed offset, and Consumer._new_offset commits the first
        run of acked offsets wherever it starts. Refused here, such an offset stays uncommitted
        and is read again after the seek that ends the rebalance.
        """
        if not message.tracked:
            return False
        return super().ack(message)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
