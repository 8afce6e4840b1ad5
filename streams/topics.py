"""Every topic wirewatch uses, with its partitioning and retention, in one place.

Both `wirewatch ingest` and `wirewatch worker` declare them before use, so that
none is auto-created with broker defaults (events.enriched must be compacted).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from streams import connection
from streams.settings import Settings


@dataclass(frozen=True)
class TopicSpec:
    name: str  # logical name; the settings' prefix is added in front
    partitions: int | None = None  # None: settings.partitions
    compacted: bool = False
    internal: bool = False  # not a public contract: no schema, may change
    # Carries whole raw articles: the broker's default cap of 1 MB per message is below the body limit.
    raw_articles: bool = False


# Public topics carry a JSON Schema in schemas/; internal ones wire the stages.
RAW = TopicSpec("articles.raw", raw_articles=True)
CLEAN = TopicSpec("articles.clean")
EXTRACTED = TopicSpec("articles.extracted")
EVENTS = TopicSpec("events.enriched", compacted=True)
STORIES = TopicSpec("stories.enriched", compacted=True)
DLQ = TopicSpec("articles.dlq")
# One partition: the article index must see every article to find near-duplicates.
ARTICLE_INDEX = TopicSpec("wirewatch.article-index", partitions=1, internal=True)
# Unique articles (and duplicates, keyed by their first copy) on their way to extraction.
EXTRACT_QUEUE = TopicSpec("wirewatch.extract-queue", internal=True)
# Event mentions keyed by blocking key, so that candidate matches meet on one partition.
MENTIONS = TopicSpec("wirewatch.mentions", internal=True)
# One partition: the story stage must see every article (extracted, on its way to
# articles.extracted) to put it in its story, and the events found in each story.
STORY_QUEUE = TopicSpec("wirewatch.story-queue", partitions=1, internal=True)

ALL = (RAW, CLEAN, EXTRACTED, EVENTS, STORIES, DLQ, ARTICLE_INDEX, EXTRACT_QUEUE, MENTIONS, STORY_QUEUE)


def partitions_of(spec: TopicSpec, settings: Settings) -> int:
    return spec.partitions or settings.partitions


def topic_configs(spec: TopicSpec, settings: Settings) -> dict[str, str]:
    configs = {"cleanup.policy": "compact"} if spec.compacted else {}
    if spec.raw_articles:
        configs["max.message.bytes"] = str(settings.max_raw_message_bytes)
    return configs


async def declare_all(settings: Settings) -> None:
    """Check that Kafka lets us in (streams.connection.check: a clear error, fast), then create
    every topic that does not exist yet; existing ones are left as they are."""
    await connection.check(settings)
    admin = AIOKafkaAdminClient(**connection.client_kwargs(settings, "admin"))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=settings.topic(spec.name),
                num_partitions=partitions_of(spec, settings),
                replication_factor=settings.replication,
                topic_configs=topic_configs(spec, settings),
            )
            for spec in ALL
            if settings.topic(spec.name) not in existing
        ]
        if wanted:
            response = await admin.create_topics(wanted)
            # The broker answers per topic; another process may have been first.
            for name, code, *_ in response.topic_errors:
                if code and for_code(code) is not TopicAlreadyExistsError:
                    raise for_code(code)(f"cannot create topic {name}")
    finally:
        await admin.close()
