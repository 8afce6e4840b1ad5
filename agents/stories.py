"""Story agent: every extracted article into its story, on one partition, on its way to articles.extracted.

The extract agent queues each article (its story_input record and its articles.extracted
record) on wirewatch.story-queue, which has one partition: a story may take reports from
anywhere, so the story index must see every article. The agent puts the article in its
story, publishes the record with its story_id on articles.extracted (keyed as before by
the story's first copy, for the mention router) and the story's new version on the
compacted stories.enriched. The event dedup agent sends back, on the same queue, the
events each story's articles fed ({"link": story id, "event_ids": [...]}); the story then
lists them in a new version.

State: the story states and the article -> story map in Faust tables (RocksDB,
changelog-backed, one partition); the postings and document frequencies derived from
them live in memory, dropped on a rebalance and rebuilt on use, as the article index's
buckets are. Expiry runs on ingest time, at most every EXPIRE_EVERY seconds of it.
"""

from __future__ import annotations

from agents.logic.dedup import StreamClock, received_time
from agents.logic.stories import StoryIndex
from streams import stage
from streams.app import app, extracted_topic, per_article_table, stories_topic, story_queue_topic

STAGE = "stories"

story_states = app.Table("story-states", default=None, partitions=1)
article_stories = per_article_table("article-stories", partitions=1)
story_index = StoryIndex(story_states, article_stories)
story_clock = StreamClock()


@app.on_partitions_revoked.connect
async def drop_derived_stories(app, revoked, **kwargs) -> None:
    story_index.invalidate()


async def place_in_story(message: dict) -> list[stage.Outgoing]:
    if "link" in message:
        payload = story_index.link_events(message["link"], message["event_ids"])
        return [(stories_topic, payload["story_id"].encode(), payload)] if payload else []
    article, record = message["input"], message["extracted"]
    if story_clock.advance(received_time(article)):
        story_index.expire(story_clock.now)
    story_id, payload = story_index.assign(article)
    key = (record["duplicate_of"] or record["article_id"]).encode()
    outgoing = [(extracted_topic, key, {**record, "story_id": story_id})]
    if payload is not None:
        outgoing.append((stories_topic, story_id.encode(), payload))
    return outgoing


stage.declare(STAGE, [extracted_topic, stories_topic])


@app.agent(story_queue_topic, name="stories")
async def story_agent(stream):
    async for event in stream.events():
        await stage.run(STAGE, event, None, place_in_story)
