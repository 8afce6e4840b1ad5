"""Clean agent: articles.raw -> articles.clean (and the article index, to find copies)."""

from __future__ import annotations

from agents.logic.clean import CleanError, clean_article
from streams import stage
from streams.app import app, article_index_topic, clean_topic, raw_topic
from streams.deadletter import Rejected
from streams.settings import settings

STAGE = "clean"
# All articles go to the one partition of the index, whatever their id.
INDEX_KEY = b"index"
stage.declare(STAGE, [clean_topic, article_index_topic])


async def handle(raw: dict) -> list[stage.Outgoing]:
    try:
        record = clean_article(raw, max_body_bytes=settings.max_body_bytes)
    except CleanError as exc:
        raise Rejected(exc.reason, str(exc)) from exc
    return [
        (clean_topic, record["article_id"].encode(), record),
        (article_index_topic, INDEX_KEY, record),
    ]


@app.agent(raw_topic, name="clean")
async def clean(stream):
    async for event in stream.events():
        await stage.run(STAGE, event, "articles.raw", handle)
