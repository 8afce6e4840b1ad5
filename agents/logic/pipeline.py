"""clean -> article index -> extract -> stories -> event dedup in one process, no broker.

The same pure functions the agents run, in the same order, over in-memory state:
what `wirewatch process` prints is what a subscriber of the streaming pipeline would
end with for the same input in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from agents.logic import revisions
from agents.logic.clean import CleanError, clean_article
from agents.logic.dedup import Deduplicator, parse_timestamp, received_time
from agents.logic.extract import extract_article, load_nlp
from agents.logic.ingest import Refused, normalise_timestamp, read_inputs
from agents.logic.near_duplicates import copy_record
from agents.logic.stories import StoryIndex, story_input
from streams.settings import Settings


@dataclass
class ProcessResult:
    events: list[dict] = field(default_factory=list)  # latest version of each event, oldest first
    refused: list[Refused] = field(default_factory=list)
    articles: int = 0
    duplicates: int = 0
    story_of: dict[str, str] = field(default_factory=dict)  # article id -> story id
    stories: list[dict] = field(default_factory=list)  # latest version of each story, oldest first
    # One per admitted article (its latest version), in input order: see article_record.
    article_records: list[dict] = field(default_factory=list)


def article_record(clean: dict, *, duplicate_of: str | None, story_id: str, event_ids: list[str]) -> dict:
    """What `process --articles` shows for one article: its articles.clean record and what the
    later stages decided for it (the article it copies, its story, the events it feeds)."""
    return {**clean, "duplicate_of": duplicate_of, "story_id": story_id, "event_ids": event_ids}


def process_paths(
    paths: Iterable[str | os.PathLike], settings: Settings, *, published_at: str | None = None
) -> ProcessResult:
    """Every article under `paths`, in order; `published_at` stands in for a missing publication time."""
    default_published = normalise_timestamp(published_at) if published_at else None
    if published_at and default_published is None:
        raise ValueError(f"--published-at {published_at!r} is not a date")
    nlp = load_nlp(settings.spacy_model)
    dedup = Deduplicator(window_days=settings.dedup_window_days)
    stories = StoryIndex({}, {}, window_days=settings.dedup_window_days)
    result = ProcessResult()
    latest: dict[str, dict] = {}
    latest_stories: dict[str, dict] = {}
    admitted: dict[str, tuple[dict, str | None]] = {}  # article id -> (clean record, duplicate_of), input order
    versions: dict[str, dict] = {}  # article id -> the version let through, as the clean agent keeps it
    for item in read_inputs(paths, settings.max_body_bytes):
        if isinstance(item, Refused):
            result.refused.append(item)
            continue
        raw = item.record
        if not revisions.admit(versions.get(raw["article_id"]), raw):
            continue
        if default_published and not raw["published_at"]:
            raw = {**raw, "published_at": default_published}
        try:
            clean = clean_article(raw, max_body_bytes=settings.max_body_bytes)
        except CleanError as exc:
            result.refused.append(Refused(exc.reason, str(exc), raw["body"].encode(), item.origin, raw["article_id"]))
            continue
        versions[raw["article_id"]] = revisions.mark(raw)
        result.articles += 1
        duplicate_of = dedup.articles.check(
            clean["article_id"], clean["fingerprint"], clean["body"], received_time(clean)
        )
        if duplicate_of:
            result.duplicates += 1
            extracted = copy_record(clean, duplicate_of)
        else:
            extracted = extract_article(clean, nlp)
        story_id, story = stories.assign(story_input(clean, extracted))
        result.story_of[clean["article_id"]] = story_id
        payloads = dedup.process({**extracted, "story_id": story_id}).events
        for payload in payloads:
            latest[payload["event_id"]] = payload
        reported = [payload["event_id"] for payload in payloads if story_id in payload["story_ids"]]
        latest_stories[story_id] = stories.link_events(story_id, reported) or story
        admitted[clean["article_id"]] = (clean, duplicate_of)
    result.events = sorted(latest.values(), key=lambda e: (parse_timestamp(e["first_reported_at"]), e["event_id"]))
    result.stories = sorted(latest_stories.values(), key=lambda s: (s["first_seen_at"], s["story_id"]))
    fed: dict[str, list[str]] = {}
    for event in result.events:
        for article_id in dict.fromkeys(source["article_id"] for source in event["sources"]):
            fed.setdefault(article_id, []).append(event["event_id"])
    result.article_records = [
        article_record(
            clean,
            duplicate_of=duplicate_of,
            story_id=result.story_of[article_id],
            event_ids=fed.get(article_id, []),
        )
        for article_id, (clean, duplicate_of) in admitted.items()
    ]
    return result
