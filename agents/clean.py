"""Clean agent: articles.raw -> articles.clean (and the article index, to find copies).

Per article id it remembers the version it let through (table article-versions, on
the partitions of articles.raw, which is keyed by article id), so that a wire item's
correction goes on while an older version arriving late, or the same version sent
again, stops here (agents.logic.revisions), within the dedup window.
"""

from __future__ import annotations

import logging

from agents.logic import revisions
from agents.logic.clean import CleanError, clean_article
from streams import stage
from streams.app import app, article_index_topic, clean_topic, per_article_table, raw_topic
from streams.deadletter import Rejected
from streams.settings import settings

log = logging.getLogger(__name__)

STAGE = "clean"
# All articles go to the one partition of the index, whatever their id.
INDEX_KEY = b"index"
stage.declare(STAGE, [clean_topic, article_index_topic])

article_versions = per_article_table("article-versions")


async def handle(raw: dict) -> list[stage.Outgoing]:
    seen = article_versions.get(raw["article_id"])
    if not revisions.admit(seen, raw):
        log.info("%s: not newer than the version let through before (%s): not sent on", raw["article_id"], seen)
        return []
    try:
        record = clean_article(raw, max_body_bytes=settings.max_body_bytes)
    except CleanError as exc:
        raise Rejected(exc.reason, str(exc)) from exc
    article_versions[raw["article_id"]] = revisions.mark(raw)
    return [
        (clean_topic, record["article_id"].encode(), record),
        (article_index_topic, INDEX_KEY, record),
    ]


@app.agent(raw_topic, name="clean")
async def clean(stream):
    async for event in stream.events():
        await stage.run(STAGE, event, "articles.raw", handle)
