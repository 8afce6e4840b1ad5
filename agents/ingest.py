"""The ingest stage: read files, send articles to articles.raw and refusals to articles.dlq.

An idempotent producer (acks=all) keyed by article id, so a retried send never
duplicates an article and every article of one id lands on one partition.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
from aiokafka import AIOKafkaProducer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agents.logic.ingest import Accepted, Refused, expand_paths, read_file
from streams import topics
from streams.deadletter import dead_letter
from streams.settings import Settings

# Awaiting the broker's acknowledgements every so many sends bounds memory on huge input.
IN_FLIGHT = 2000


@dataclass
class IngestSummary:
    sent: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> one origin and error

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())


def new_producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.broker,
        client_id=f"{settings.app_id}-ingest",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=max(1_048_576, settings.max_body_bytes * 2),
        compression_type="gzip",
    )


async def ingest(paths: Iterable[str], settings: Settings, console: Console | None = None) -> IngestSummary:
    """Send every article found under `paths`; returns what was sent and what was refused."""
    console = console or Console(stderr=True)
    files = expand_paths(paths)
    summary = IngestSummary()
    await topics.declare_all(settings)
    producer = new_producer(settings)
    await producer.start()
    raw_topic = settings.topic(topics.RAW.name)
    dlq_topic = settings.topic(topics.DLQ.name)
    pending: list[asyncio.Future] = []
    progress = Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[sent]} sent · {task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal or len(files) < 2,
        transient=True,
    )
    try:
        with progress:
            task = progress.add_task("ingest", total=len(files), sent=0, rejected=0)
            for path in files:
                for item in read_file(path, settings.max_body_bytes):
                    if isinstance(item, Accepted):
                        key = item.record["article_id"].encode()
                        pending.append(await producer.send(raw_topic, orjson.dumps(item.record), key=key))
                        summary.sent += 1
                    else:
                        pending.append(await producer.send(dlq_topic, _refusal(item, settings), key=_key(item)))
                        summary.rejected[item.reason] += 1
                        summary.examples.setdefault(item.reason, f"{item.origin}: {item.error}")
                    if len(pending) >= IN_FLIGHT:
                        await asyncio.gather(*pending)
                        pending.clear()
                progress.update(task, advance=1, sent=summary.sent, rejected=summary.total_rejected)
            await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return summary


def _key(item: Refused) -> bytes | None:
    return item.article_id.encode() if item.article_id else None


def _refusal(item: Refused, settings: Settings) -> bytes:
    record = dead_letter(
        stage="ingest",
        reason=item.reason,
        error=item.error,
        original=item.original,
        limit=settings.dlq_original_limit,
        origin=item.origin,
        article_id=item.article_id,
    )
    return orjson.dumps(record)
