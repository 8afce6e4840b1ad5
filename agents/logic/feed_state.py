"""What the feed poller remembers across restarts, in one small JSON file.

Per feed: the validators for a conditional GET (ETag, Last-Modified), the count of
consecutive failures and when to poll next (the back-off survives a restart), the
last error, and the keys of the items in the feed's latest document. Across feeds:
every item already sent, by article id, with the version it was sent at, so that
an item listed by two feeds, or listed again after a restart, is sent once, and only
a newer version of it (higher version number, or, for items without one, a later
version_created_at) is sent again. Documents refused whole (malformed XML) are
remembered by their sha256, so the same broken document is dead-lettered once.

Why a file rather than a compacted Kafka topic: the state belongs to one poller
process and is read whole at start-up and written after each poll. A file under
WIREWATCH_FEEDS_STATE_DIR does that with an atomic rename and no replay of a topic
on start; it can be read and, when needed, edited or deleted by an operator; and it
adds no internal topic to the contract. A lock file keeps a second poller from using
the same state. The state is saved only after the broker acknowledged what a poll
sent, so a crash in between can re-send that one poll's items, with the same keys
(at least once), and never loses one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from agents.logic.revisions import parse_time, version_order

FORMAT = 1
STATE_FILE = "feeds-state.json"
LOCK_FILE = "feeds.lock"
# An item missing from every feed for this long is forgotten: feeds list recent items only.
FORGET_AFTER = timedelta(days=30)


class StateLocked(RuntimeError):
    """Another poller holds the state directory."""


@dataclass
class FeedStatus:
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0  # consecutive
    next_poll_at: str | None = None
    last_error: str | None = None
    last_polled_at: str | None = None
    keys: list[str] = field(default_factory=list)  # the items of the latest document

    def due_in(self, now: datetime) -> float:
        """Seconds until the next poll (zero or less: due now)."""
        if not self.next_poll_at:
            return 0.0
        return (datetime.fromisoformat(self.next_poll_at) - now).total_seconds()

    def succeeded(
        self,
        now: datetime,
        interval: float,
        *,
        etag: str | None,
        last_modified: str | None,
        keys: list[str] | None,
    ) -> None:
        """A poll went through; keys None means the document had not changed (304)."""
        self.failures = 0
        self.last_error = None
        self.last_polled_at = now.isoformat()
        self.next_poll_at = (now + timedelta(seconds=interval)).isoformat()
        self.etag, self.last_modified = etag or self.etag, last_modified or self.last_modified
        if keys is not None:
            self.keys = keys

    def failed(
        self, now: datetime, interval: float, max_backoff: float, error: str, retry_after: float | None = None
    ) -> float:
        """A poll failed: wait interval x 2^failures (capped), or longer if the server asked to."""
        self.failures += 1
        self.last_error = error[:500]
        self.last_polled_at = now.isoformat()
        delay = min(max_backoff, interval * 2**self.failures)
        if retry_after is not None:
            delay = max(delay, min(retry_after, max_backoff))
        self.next_poll_at = (now + timedelta(seconds=delay)).isoformat()
        return delay


@dataclass
class SentItem:
    version: int | None
    version_created_at: str | None
    seen_at: str

    def older_than(self, version: int | None, version_created_at: str | None) -> bool:
        """Whether (version, version_created_at) is a newer version of what was sent."""
        return version_order(version, version_created_at) > version_order(self.version, self.version_created_at)


@dataclass
class FeedState:
    feeds: dict[str, FeedStatus] = field(default_factory=dict)
    sent: dict[str, SentItem] = field(default_factory=dict)

    def feed(self, url: str) -> FeedStatus:
        return self.feeds.setdefault(url, FeedStatus())

    def is_new(self, key: str, version: int | None = None, version_created_at: str | None = None) -> bool:
        """Not sent yet, or sent at an older version."""
        sent = self.sent.get(key)
        return sent is None or sent.older_than(version, version_created_at)

    def remember(self, key: str, now: datetime, version: int | None = None, version_created_at: str | None = None):
        self.sent[key] = SentItem(version, version_created_at, now.isoformat())

    def seen(self, keys: list[str], now: datetime) -> None:
        """Items still listed: keep them however long ago they were sent."""
        for key in keys:
            if key in self.sent:
                self.sent[key].seen_at = now.isoformat()

    def forget_old(self, now: datetime) -> None:
        listed = {key for status in self.feeds.values() for key in status.keys}
        cutoff = now - FORGET_AFTER
        self.sent = {
            key: item for key, item in self.sent.items() if key in listed or parse_time(item.seen_at) >= cutoff
        }

    # ---------------------------------------------------------------- the file

    @classmethod
    def load(cls, state_dir: str | os.PathLike) -> FeedState:
        path = Path(state_dir) / STATE_FILE
        if not path.exists():
            return cls()
        data = orjson.loads(path.read_bytes())
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} has format {data.get('format')!r}; this poller reads format {FORMAT}")
        return cls(
            feeds={url: FeedStatus(**status) for url, status in data["feeds"].items()},
            sent={key: SentItem(**item) for key, item in data["sent"].items()},
        )

    def save(self, state_dir: str | os.PathLike) -> None:
        """Write to a temporary file, fsync, then rename over the old one: never half a file."""
        directory = Path(state_dir)
        directory.mkdir(parents=True, exist_ok=True)
        payload = orjson.dumps(
            {
                "format": FORMAT,
                "feeds": {u: asdict(s) for u, s in self.feeds.items()},
                "sent": {k: asdict(i) for k, i in self.sent.items()},
            },
            option=orjson.OPT_INDENT_2,
        )
        temporary = directory / f".{STATE_FILE}.{os.getpid()}.tmp"
        with open(temporary, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, directory / STATE_FILE)
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)  # make the rename itself durable
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def locked(state_dir: str | os.PathLike) -> Iterator[None]:
    """Hold the state directory's lock for as long as the block runs; StateLocked if taken."""
    directory = Path(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StateLocked(f"another `wirewatch feeds` is using {directory}") from exc
        yield
