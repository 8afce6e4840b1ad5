"""The consumer records an offset as done only for a message a stream handed on."""

import time

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types.tuples import ConsumerMessage

from streams.app import app, extract_queue_topic
from streams.transport import Consumer

TOPIC = extract_queue_topic.get_topic_name()


def message(offset: int) -> ConsumerMessage:
    return ConsumerMessage(
        TOPIC, 0, offset, time.time(), 0, [], b"k", b"v", None, generation_id=app.consumer_generation_id
    )


def test_an_offset_no_stream_took_is_not_acked_and_no_commit_passes_it():
    consumer = app.consumer
    assert isinstance(consumer, Consumer)
    # What the conductor does for a topic an agent consumes with acks.
    app.topics._acking_topics.add(TOPIC)
    handed_on = []
    for offset in (10, 12):
        taken = message(offset)
        taken.tracked = True  # what Stream.__aiter__ does before it yields a message
        handed_on.append(taken)
    # Offset 11: taken off the channel during a rebalance and skipped by the stream, which
    # acks it all the same (faust-streaming 0.15.3); no agent saw it.
    skipped = message(11)

    assert consumer.ack(handed_on[0])
    assert not consumer.ack(skipped)
    assert consumer.ack(handed_on[1])

    tp = skipped.tp
    assert consumer._acked[tp] == [10, 12]
    # As right after a revocation, when Faust has dropped the committed offset: the commit
    # stops before 11 instead of passing it.
    consumer._committed_offset.pop(tp, None)
    assert consumer._new_offset(tp) == 11


async def test_records_fetched_before_a_seek_are_not_handed_out_after_it(monkeypatch):
    consumer = app.consumer
    fetched = [message(offset) for offset in (215, 216, 217, 218, 219)]

    async def faust_getmany(self, timeout):
        for record in fetched:
            yield record.tp, record

    async def faust_perform_seek(self):
        pass  # the broker's part: back to the committed offsets

    monkeypatch.setattr(faust_aiokafka.Consumer, "getmany", faust_getmany)
    monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", faust_perform_seek)
    handed_out = []
    async for _, record in consumer.getmany(timeout=1.0):
        handed_out.append(record.offset)
        if record.offset == 216:
            await consumer.perform_seek()  # the recovery service seeks while the batch is read
    assert handed_out == [215, 216]
    # The next batch, fetched after the seek, is handed out whole.
    assert [record.offset async for _, record in consumer.getmany(timeout=1.0)] == [215, 216, 217, 218, 219]
