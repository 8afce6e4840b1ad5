"""Extract agent: the extract queue -> the story queue (the story agent publishes articles.extracted).

Copies found by the article index pass through without a second extraction: they
carry duplicate_of and no events of their own. Extraction runs in a child process of
the worker (agents.logic.extract.runner says why) unless WIREWATCH_EXTRACT_IN_CHILD=0.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from agents.logic.extract import Extractor
from agents.logic.near_duplicates import copy_record
from agents.logic.stories import story_input
from streams import stage
from streams.app import app, extract_queue_topic, story_queue_topic
from streams.settings import settings

log = logging.getLogger(__name__)

STAGE = "extract"
# Logged once the model is loaded and warmed up: the worker extracts at full speed from then on.
EXTRACT_READY = "extraction ready"
stage.declare(STAGE, [story_queue_topic])
# Articles handed to the extraction process ahead of the one being finished: enough that
# it always has the next one, few enough that a rebalance or a crash redoes little.
EXTRACT_AHEAD = 8

extractor = Extractor(settings.spacy_model, in_child=settings.extract_in_child)


def begin(queued: dict) -> Awaitable[list[stage.Outgoing]]:
    clean, duplicate_of = queued["clean"], queued.get("duplicate_of")
    extraction = extractor.submit(clean) if not duplicate_of else None
    return outgoing(clean, duplicate_of, extraction)


async def outgoing(clean: dict, duplicate_of: str | None, extraction: Awaitable[dict] | None) -> list[stage.Outgoing]:
    record = copy_record(clean, duplicate_of) if duplicate_of else await extraction
    # Keyed by the story's first copy, as articles.extracted will be.
    first_copy = duplicate_of or clean["article_id"]
    return [(story_queue_topic, first_copy.encode(), {"input": story_input(clean, record), "extracted": record})]


@app.agent(extract_queue_topic, name="extract")
async def extract(stream):
    seconds = await extractor.start()
    where = "a child process" if extractor.in_child else "the worker's process"
    log.info("%s: model %s in %s, ready in %.1f s", EXTRACT_READY, settings.spacy_model, where, seconds)
    try:
        await stage.run_ahead(STAGE, stream, None, begin, depth=EXTRACT_AHEAD)
    finally:
        extractor.stop()
