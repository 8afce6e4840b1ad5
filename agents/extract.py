"""Extract agent: the extract queue -> articles.extracted.

Copies found by the article index pass through without a second extraction: they
carry duplicate_of and no events of their own.
"""

from __future__ import annotations

import asyncio
import logging
import time

from agents.logic.extract import extract_article, load_nlp, prepare
from agents.logic.near_duplicates import copy_record
from streams import stage
from streams.app import app, extract_queue_topic, extracted_topic
from streams.settings import settings

log = logging.getLogger(__name__)

STAGE = "extract"
# Logged once the model is loaded and warmed up: the worker extracts at full speed from then on.
EXTRACT_READY = "extraction ready"
stage.declare(STAGE, [extracted_topic])


async def handle(queued: dict) -> list[stage.Outgoing]:
    clean = queued["clean"]
    duplicate_of = queued.get("duplicate_of")
    if duplicate_of:
        record = copy_record(clean, duplicate_of)
    else:
        record = extract_article(clean, load_nlp(settings.spacy_model))
    # Keyed by the story's first copy, so a copy follows its original downstream.
    story_id = duplicate_of or clean["article_id"]
    return [(extracted_topic, story_id.encode(), record)]


@app.agent(extract_queue_topic, name="extract")
async def extract(stream):
    # Once per worker, before the first message, in a thread: loading the model, the gazetteer
    # and date parsing takes seconds, and the event loop keeps serving heartbeats, /metrics
    # and the other agents meanwhile.
    started = time.monotonic()
    await asyncio.to_thread(prepare, settings.spacy_model)
    log.info("%s: model %s ready in %.1f s", EXTRACT_READY, settings.spacy_model, time.monotonic() - started)
    async for event in stream.events():
        await stage.run(STAGE, event, None, handle)
