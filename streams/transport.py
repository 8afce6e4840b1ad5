"""Faust's Kafka transport with a short fetch wait.

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

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

FETCH_MAX_WAIT_MS = 50


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read when the consumer starts and builds its fetcher; aiokafka has no setter.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
