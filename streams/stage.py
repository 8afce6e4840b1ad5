"""What every agent does around its pure logic: decode, validate, time, count, dead-letter.

A stage's handler gets the decoded, schema-valid payload and returns the messages to
send as (topic, key, payload) triples; payloads bound for a public topic are validated
against its schema before they leave. Any failure sends the original bytes to
articles.dlq with the reason, and the agent carries on with the next message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterable

import faust
import orjson

from streams.app import dlq_topic
from streams.contracts import TOPICS, ContractError, schema, validate
from streams.deadletter import Rejected, article_id_in, dead_letter
from streams.metrics import MESSAGES_FAILED, MESSAGES_IN, MESSAGES_OUT, PROCESSING_SECONDS
from streams.settings import settings

log = logging.getLogger(__name__)

Outgoing = tuple[faust.TopicT, bytes, dict]
Handler = Callable[[dict], Awaitable[Iterable[Outgoing]]]
# What became of one message: the messages to send, or the exception it failed with.
Outcome = list[Outgoing] | Exception

_PREFIX = len(settings.topic_prefix)
# Every reason a message may be dead-lettered for, as the articles.dlq schema lists them.
DEAD_LETTER_REASONS: tuple[str, ...] = tuple(schema("articles.dlq")["properties"]["reason"]["enum"])


def logical_name(topic: faust.TopicT) -> str:
    return topic.get_topic_name()[_PREFIX:]


def encode(payload: dict) -> bytes:
    return orjson.dumps(payload)


def check_outgoing(topic: faust.TopicT, payload: dict) -> None:
    """Validate a payload bound for a public topic; internal topics have no schema."""
    name = logical_name(topic)
    if name in TOPICS:
        validate(name, payload)


def declare(stage: str, outputs: Iterable[faust.TopicT]) -> None:
    """Create a stage's metric series at zero when its agent is defined, so that Prometheus
    sees its first messages, and the first failure of each reason, as an increase."""
    MESSAGES_IN.labels(stage)
    PROCESSING_SECONDS.labels(stage)
    for topic in outputs:
        MESSAGES_OUT.labels(stage, logical_name(topic))
    for reason in DEAD_LETTER_REASONS:
        MESSAGES_FAILED.labels(stage, reason)


# Which worker process sent a message, as a Kafka header: who published an event version,
# when workers join and leave.
WORKER_HEADER = "wirewatch-worker"
_WORKER_ID = f"{socket.gethostname()}:{os.getpid()}".encode()


async def send(stage: str, topic: faust.TopicT, key: bytes, payload: dict) -> None:
    await topic.send(key=key, value=encode(payload), headers=[(WORKER_HEADER, _WORKER_ID)])
    MESSAGES_OUT.labels(stage, logical_name(topic)).inc()


async def run(
    stage: str,
    event: faust.EventT,
    input_schema: str | None,
    handler: Handler,
    *,
    dlq_stage: str | None = None,
) -> None:
    """Process one message of a stage; never raises for bad input.

    Everything is computed and validated before the first send, so a message that
    fails half-way sends nothing downstream; a failure to send (the broker) is not
    the input's fault and propagates, leaving the offset uncommitted. `stage` labels
    the metrics; `dlq_stage` (default: the same) is the stage named on articles.dlq.
    """
    MESSAGES_IN.labels(stage).inc()
    started = time.perf_counter()
    try:
        outcome: Outcome = list(await handler(_decode(event.value, input_schema)))
    except Exception as exc:  # Rejected input, or a bug or a model failure: neither may stop the stream
        outcome = exc
    await _finish(stage, dlq_stage or stage, event, outcome, started)
    # Let the other agents in: with a backlog on its topic an agent would otherwise keep
    # the event loop until it had drained it, and the stages after it would wait.
    await asyncio.sleep(0)


async def run_ahead(
    stage: str,
    stream: faust.StreamT,
    input_schema: str | None,
    begin: Callable[[dict], Awaitable[list[Outgoing]]],
    *,
    depth: int,
    dlq_stage: str | None = None,
) -> None:
    """Process every message of the stream as `run` does, with up to `depth` of them begun
    before the first of them is finished.

    `begin(payload)` starts a message's work (in another process, say) and returns an
    awaitable of the messages to send. Messages are finished (sent or dead-lettered) and
    acked in the stream's order, each once its sends are done, so a crash redelivers
    whatever was begun and not finished.
    """
    unacked = stream.noack()
    begun: asyncio.Queue = asyncio.Queue(maxsize=depth)

    async def finish_in_order() -> None:
        while True:
            event, work, started = await begun.get()
            try:
                outcome: Outcome = list(await work)
            except Exception as exc:
                outcome = exc
            await _finish(stage, dlq_stage or stage, event, outcome, started)
            await unacked.ack(event)

    finisher = asyncio.create_task(finish_in_order())
    beginning = asyncio.current_task()

    def stop_beginning(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            beginning.cancel()

    finisher.add_done_callback(stop_beginning)
    try:
        async for event in unacked.events():
            MESSAGES_IN.labels(stage).inc()
            started = time.perf_counter()
            try:
                work = begin(_decode(event.value, input_schema))
            except Exception as exc:
                work = _failed(exc)
            await begun.put((event, work, started))
    except asyncio.CancelledError:
        # A failure to send, in the finisher: propagate it, as run does.
        if finisher.done() and not finisher.cancelled() and finisher.exception() is not None:
            raise finisher.exception() from None
        raise
    finally:
        finisher.cancel()


def _decode(original: bytes, input_schema: str | None) -> dict:
    try:
        payload = orjson.loads(original)
    except orjson.JSONDecodeError as exc:
        raise Rejected("malformed_json", f"not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise Rejected("schema_violation", "payload is not a JSON object")
    if input_schema is not None:
        try:
            validate(input_schema, payload)
        except ContractError as exc:
            raise Rejected("schema_violation", str(exc)) from exc
    return payload


async def _failed(exc: Exception) -> list[Outgoing]:
    raise exc


async def _finish(stage: str, dlq_stage: str, event: faust.EventT, outcome: Outcome, started: float) -> None:
    """Send a message's outgoing messages once all bound for public topics validate, or
    dead-letter it with the reason it failed."""
    if not isinstance(outcome, Exception):
        try:
            for topic, _, out in outcome:
                check_outgoing(topic, out)
        except Exception as exc:
            outcome = exc
    PROCESSING_SECONDS.labels(stage).observe(time.perf_counter() - started)
    if isinstance(outcome, Rejected):
        await _dead_letter(stage, dlq_stage, event, outcome.reason, str(outcome))
    elif isinstance(outcome, Exception):
        log.error("stage %s failed on offset %s", stage, event.message.offset, exc_info=outcome)
        await _dead_letter(stage, dlq_stage, event, "stage_error", f"{type(outcome).__name__}: {outcome}")
    else:
        for topic, key, out in outcome:
            await send(stage, topic, key, out)


async def _dead_letter(stage: str, dlq_stage: str, event: faust.EventT, reason: str, error: str) -> None:
    message = event.message
    key = message.key.decode("utf-8", "replace") if message.key else None
    original = message.value or b""
    # Articles travel keyed by their id: the key names the article when the payload cannot.
    keyed_by_article = message.topic in (settings.topic("articles.raw"), settings.topic("articles.clean"))
    record = dead_letter(
        stage=dlq_stage,
        reason=reason,
        error=error,
        original=original,
        limit=settings.dlq_original_limit,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=key,
        article_id=article_id_in(original) or (key if keyed_by_article else None),
    )
    await dlq_topic.send(key=message.key, value=encode(record))
    MESSAGES_FAILED.labels(stage, reason).inc()
