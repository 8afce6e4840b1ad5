"""Dedup agents: copies of a story at article level, reports of one event at event level.

Three agents, each keeping its state in Faust tables (RocksDB, changelog-backed):

- article index (one partition: it must see every article): finds exact and near
  copies and queues each article for extraction keyed by its story's first copy, so a
  copy follows its original through extraction and is not extracted again; its table
  holds one entry per article, the band buckets over them live in memory;
- mention router (articles.extracted): sends each event mention to the mentions topic
  keyed by its blocking key, and remembers which keys a story's mentions went to, so
  that a later copy of the story is sent to the same keys (and a newer version of it
  is taken back under the keys it no longer reports under), for the dedup window;
- event dedup (mentions, by blocking key): merges each mention into its canonical
  event and publishes the new version; a copy becomes a source of its original's events.
  Its table holds one state per event, the candidate lists over them live in memory.

Tables may only change while a message is processed, and a Faust table reads and
writes the partition of that message: each agent keeps to the keys of the message at
hand. The event store expires per blocking key as it merges (an event that drops out
of its key's candidates goes); the one-partition article index expires at most every
EXPIRE_EVERY seconds of ingest time, against the newest ingest time seen, so that
replaying an archive at full speed neither expires what is still being reported nor
scans the index once per hour of the archive's publication time.
"""

from __future__ import annotations

from agents.logic.dedup import EventStore, StreamClock, blocking_key, received_time
from agents.logic.near_duplicates import ArticleIndex
from agents.publish import event_versions
from streams import stage
from streams.app import (
    app,
    article_index_topic,
    events_topic,
    extract_queue_topic,
    extracted_topic,
    mentions_topic,
    per_article_table,
    story_queue_topic,
)
from streams.metrics import ARTICLES_INDEXED, EVENT_MENTIONS

article_entries = app.Table("article-entries", default=None, partitions=1)
story_keys = per_article_table("story-keys")
event_states = app.Table("event-states", default=None)

article_index = ArticleIndex(article_entries)
event_store = EventStore(event_states)


@app.on_partitions_revoked.connect
async def drop_derived_state(app, revoked, **kwargs) -> None:
    # The index's buckets and the event store's candidate lists mirror their tables as this
    # worker held them; after a rebalance a partition may be another worker's, or come back
    # changed: rebuild on use.
    article_index.invalidate()
    event_store.invalidate()


article_clock = StreamClock()


def article_meta(record: dict) -> dict:
    """What the event stage needs of an article: everything but its mentions."""
    return {key: value for key, value in record.items() if key != "events"}


async def index_article(clean: dict) -> list[stage.Outgoing]:
    seen = received_time(clean)
    if article_clock.advance(seen):
        article_index.expire(article_clock.now)
    duplicate_of = article_index.check(clean["article_id"], clean["fingerprint"], clean["body"], seen)
    ARTICLES_INDEXED.labels("copy" if duplicate_of else "unique").inc()
    story_id = duplicate_of or clean["article_id"]
    return [(extract_queue_topic, story_id.encode(), {"clean": clean, "duplicate_of": duplicate_of})]


async def route_mentions(record: dict) -> list[stage.Outgoing]:
    meta = article_meta(record)
    duplicate_of = record["duplicate_of"]
    if duplicate_of:
        return [
            (mentions_topic, key.encode(), {"copy": meta, "duplicate_of": duplicate_of, "blocking_key": key})
            for key in story_keys.get(duplicate_of) or []
        ]
    outgoing = []
    for mention in record["events"]:
        key = blocking_key(mention, record)
        outgoing.append((mentions_topic, key.encode(), {"mention": mention, "article": meta}))
    keys = sorted({key.decode() for _, key, _ in outgoing})
    outgoing += [
        (mentions_topic, key.encode(), {"withdraw": meta, "blocking_key": key})
        for key in story_keys.get(record["article_id"]) or []
        if key not in keys
    ]
    story_keys[record["article_id"]] = keys
    return outgoing


def withdrawn_from(event_ids: list[str], article: dict) -> list[dict]:
    """The events among these that an earlier version of the article reported, with it taken back."""
    payloads = (event_store.withdraw_earlier_version(event_id, article) for event_id in event_ids)
    return [payload for payload in payloads if payload is not None]


def story_links(article: dict, payloads: list[dict]) -> list[stage.Outgoing]:
    """Tell the story agent which events the article's story now reports."""
    story_id = article.get("story_id")
    event_ids = [payload["event_id"] for payload in payloads if story_id in payload["story_ids"]]
    if not story_id or not event_ids:
        return []
    return [(story_queue_topic, story_id.encode(), {"link": story_id, "event_ids": event_ids})]


async def merge_mention(message: dict) -> list[stage.Outgoing]:
    if "copy" in message:
        copy, first = message["copy"], message["duplicate_of"]
        fed = event_store.events_reported_by(message["blocking_key"], first)
        payloads = [p for p in (event_store.add_copy(event_id, copy, first) for event_id in fed) if p is not None]
        return event_versions(payloads) + story_links(copy, payloads)
    if "withdraw" in message:
        article = message["withdraw"]
        return event_versions(
            withdrawn_from(event_store.events_reported_by(message["blocking_key"], article["article_id"]), article)
        )
    mention, article = message["mention"], message["article"]
    fed = event_store.events_reported_by(blocking_key(mention, article), article["article_id"])
    payload, created = event_store.merge(mention, article)
    EVENT_MENTIONS.labels("new_event" if created else "merged").inc()
    # A newer version of the article takes back what the earlier one brought to the other events.
    return event_versions([payload, *withdrawn_from(fed, article)]) + story_links(article, [payload])


stage.declare("article_index", [extract_queue_topic])


@app.agent(article_index_topic, name="article-index")
async def article_index_agent(stream):
    async for event in stream.events():
        await stage.run("article_index", event, None, index_article, dlq_stage="dedup")


stage.declare("mention_router", [mentions_topic])


@app.agent(extracted_topic, name="mention-router")
async def mention_router(stream):
    async for event in stream.events():
        await stage.run("mention_router", event, "articles.extracted", route_mentions, dlq_stage="dedup")


stage.declare("dedup", [events_topic, story_queue_topic])


@app.agent(mentions_topic, name="event-dedup")
async def event_dedup(stream):
    async for event in stream.events():
        await stage.run("dedup", event, None, merge_mention)
