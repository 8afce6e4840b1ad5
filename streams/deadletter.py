"""Dead-letter records: why a message failed, where it came from, and its original bytes."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import orjson

from streams.contracts import validate


class Rejected(Exception):
    """Input a stage refuses, with a machine-readable reason from the articles.dlq schema."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


# Where the stages' internal messages carry the article they are about.
ARTICLE_FIELDS = ("article", "clean", "withdraw", "copy")


def article_id_in(original: bytes) -> str | None:
    """The article_id of a message that names one (at its top level, or in the article it
    carries), for its dead letter."""
    try:
        payload = orjson.loads(original)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    candidates = [payload, *(payload.get(name) for name in ARTICLE_FIELDS)]
    for candidate in candidates:
        article_id = candidate.get("article_id") if isinstance(candidate, dict) else None
        if isinstance(article_id, str):
            return article_id
    return None


def dead_letter(
    *,
    stage: str,
    reason: str,
    error: str,
    original: bytes,
    limit: int,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: str | None = None,
    origin: str | None = None,
    article_id: str | None = None,
) -> dict:
    """An articles.dlq record; the original is cut to `limit` bytes so huge input fits a message."""
    record = {
        "schema_version": 1,
        "stage": stage,
        "reason": reason,
        "error": error[:2000],
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key,
        "origin": origin,
        "article_id": article_id,
        "original": base64.b64encode(original[:limit]).decode("ascii"),
        "original_size": len(original),
        "original_sha256": hashlib.sha256(original).hexdigest(),
        "truncated": len(original) > limit,
        "failed_at": now_iso(),
    }
    validate("articles.dlq", record)
    return record
