"""Versions of one article: which of two arrivals under one article id is the newer.

A wire corrects or updates an item by sending it again under the same id (ninjs uri,
NewsML-G2 guid, Atom id) with a higher version number or, for items without one, a
later version-created time. Arrivals are ordered by (version, version_created_at), a
missing number counting as 0 and a missing time as the earliest, so an item that
carries neither has one version only.

The feed poller sends an item again only when it is newer than what it sent
(agents.logic.feed_state). The clean stage keeps the `mark` of the arrival it let
through per article id and, with `admit`, lets through only a newer version, or the
very same message again (the same received_at: a redelivery after a crash, which the
later stages absorb). An older version arriving after a newer one, and the same
version sent again (a file ingested twice, a poller re-sending after a crash), stop
there. So downstream an arrival with a later received_at than the one an event holds
is a newer version of that article, and replaces it (agents.logic.dedup).
"""

from __future__ import annotations

from datetime import UTC, datetime

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def parse_time(value: str | None) -> datetime:
    """An ISO 8601 time (UTC when it names no zone); the earliest time for None."""
    if not value:
        return _EARLIEST
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def version_order(version: int | None, version_created_at: str | None) -> tuple[int, datetime]:
    """Sort key of a version: the number first, then the time it was created."""
    return version or 0, parse_time(version_created_at)


def mark(raw: dict) -> dict:
    """What the clean stage remembers of the arrival of an articles.raw record it let through."""
    return {
        "version": raw.get("version"),
        "version_created_at": raw.get("version_created_at"),
        "received_at": raw["received_at"],
    }


def admit(seen: dict | None, raw: dict) -> bool:
    """Whether an articles.raw record goes on, given the mark of the last one let through under its id."""
    if seen is None or raw["received_at"] == seen["received_at"]:
        return True
    incoming = version_order(raw.get("version"), raw.get("version_created_at"))
    return incoming > version_order(seen["version"], seen["version_created_at"])
