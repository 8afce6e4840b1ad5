"""The ingest stage: the one way articles reach Kafka, from files, URLs, feeds and HTTP.

`Sender` turns every item read by agents.logic.ingest into one message: Accepted ->
articles.raw keyed by article id, Refused -> articles.dlq with the reason and the
original bytes, and counts both. The CLI commands send through an idempotent
producer (acks=all), so a retried send never duplicates an article and every article
of one id lands on one partition; the worker's HTTP endpoint sends through the Faust
app's producer (acks=all) with the same Sender.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agents.fetch import FetchError, fetch, new_client
from agents.logic.ingest import Accepted, Item, Refused, expand_paths, read_bytes, read_file
from streams import connection, topics
from streams.deadletter import dead_letter
from streams.settings import Settings

# Awaiting the broker's acknowledgements every so many sends bounds memory on huge input.
IN_FLIGHT = 2000

# (topic, key, value) -> an awaitable that resolves once the broker has the message.
SendFunction = Callable[[str, bytes | None, bytes], Awaitable[Awaitable]]


@dataclass
class IngestSummary:
    sent: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> one origin and error

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())


class Sender:
    """Accepted items to articles.raw, Refused ones to articles.dlq, counted in `summary`."""

    def __init__(self, send: SendFunction, settings: Settings):
        self._send = send
        self._raw_topic = settings.topic(topics.RAW.name)
        self._dlq_topic = settings.topic(topics.DLQ.name)
        self._dlq_original_limit = settings.dlq_original_limit
        self.summary = IngestSummary()

    async def send(self, item: Item) -> Awaitable:
        """Queue one item; await the result to know the broker has acknowledged it."""
        if isinstance(item, Accepted):
            record = item.record
            delivery = await self._send(self._raw_topic, record["article_id"].encode(), orjson.dumps(record))
            self.summary.sent += 1
        else:
            delivery = await self._send(self._dlq_topic, _key(item), self._refusal(item))
            self.summary.rejected[item.reason] += 1
            self.summary.examples.setdefault(item.reason, f"{item.origin}: {item.error}")
        return delivery

    def _refusal(self, item: Refused) -> bytes:
        record = dead_letter(
            stage="ingest",
            reason=item.reason,
            error=item.error,
            original=item.original,
            limit=self._dlq_original_limit,
            origin=item.origin,
            article_id=item.article_id,
        )
        return orjson.dumps(record)


def _key(item: Refused) -> bytes | None:
    return item.article_id.encode() if item.article_id else None


def new_producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **connection.client_kwargs(settings, "ingest"),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=settings.max_raw_message_bytes,
        compression_type="gzip",
    )


@contextlib.asynccontextmanager
async def kafka_sender(settings: Settings) -> AsyncIterator[Sender]:
    """A Sender on its own idempotent producer; every topic declared first. Stopping flushes."""
    await topics.declare_all(settings)
    producer = new_producer(settings)
    await producer.start()
    try:
        yield Sender(lambda topic, key, value: producer.send(topic, value, key=key), settings)
    finally:
        await producer.stop()


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


async def read_url(client: httpx.AsyncClient, url: str, settings: Settings) -> Iterator[Item]:
    """Every article behind a URL: a feed's items, a wire document's items, or a page as one."""
    try:
        fetched = await fetch(client, url, max_bytes=settings.fetch_max_bytes, deadline=settings.fetch_timeout)
    except FetchError as exc:
        return iter([Refused(exc.reason, str(exc), b"", url)])
    return read_bytes(fetched.content, url, settings.max_body_bytes, media_type=fetched.media_type, url=fetched.url)


async def ingest(sources: Iterable[str], settings: Settings, console: Console | None = None) -> IngestSummary:
    """Send every article found in `sources` (files, folders, http(s) URLs); what was sent and refused."""
    console = console or Console(stderr=True)
    inputs: list[str | Path] = []
    for source in sources:
        inputs.extend([source] if is_url(source) else expand_paths([source]))
    progress = Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("inputs · {task.fields[sent]} sent · {task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal or len(inputs) < 2,
        transient=True,
    )
    pending: list[Awaitable] = []
    async with kafka_sender(settings) as sender, new_client(settings) as client:
        with progress:
            task = progress.add_task("ingest", total=len(inputs), sent=0, rejected=0)
            for source in inputs:
                if isinstance(source, Path):
                    found = read_file(source, settings.max_body_bytes, max_document_bytes=settings.fetch_max_bytes)
                else:
                    found = await read_url(client, source, settings)
                for item in found:
                    pending.append(await sender.send(item))
                    if len(pending) >= IN_FLIGHT:
                        await asyncio.gather(*pending)
                        pending.clear()
                summary = sender.summary
                progress.update(task, advance=1, sent=summary.sent, rejected=summary.total_rejected)
            await asyncio.gather(*pending)
    return sender.summary
