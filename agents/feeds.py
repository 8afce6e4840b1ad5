"""`wirewatch feeds`: poll the configured feeds into articles.raw, each new item once.

Feeds are polled one at a time, each when its own interval has passed, with a
conditional GET (the last ETag and Last-Modified), so an unchanged feed costs one 304.
A feed that fails (timeout, HTTP error, too large) waits interval x 2^failures before
its next try, capped by WIREWATCH_FEEDS_MAX_BACKOFF (longer if the server sent
Retry-After), while the others go on. A feed URL may serve RSS, Atom, ninjs, NewsML-G2
or JSON lines: the same readers and the same Sender as `wirewatch ingest` take them.

Only items not sent before, or newer versions of them, are sent, and a document
refused whole (malformed XML) is dead-lettered once; the state file of
agents.logic.feed_state remembers this across restarts and is saved after the broker
has acknowledged a poll's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from agents.fetch import FetchError, fetch, new_client
from agents.ingest import Sender, kafka_sender
from agents.logic.feed_state import FeedState, SentItem, locked
from agents.logic.feeds import FeedConfig
from agents.logic.ingest import Entry, Refused, decode, kind_of, read_entries
from streams.settings import Settings

log = logging.getLogger(__name__)

# Pages of one feed's new items fetched at the same time, when it follows links.
PAGE_FETCHES = 4


@dataclass
class PollResult:
    feed: FeedConfig
    sent: int = 0  # to articles.raw
    refused: int = 0  # to articles.dlq
    already_sent: int = 0  # items listed again at a version sent before
    not_modified: bool = False
    error: str | None = None  # the feed could not be polled; it backs off
    retry_in: float | None = None

    @property
    def outcome(self) -> str:
        if self.error:
            return f"failed: {self.error}; next try in {self.retry_in:.0f}s"
        return "not modified" if self.not_modified else "fetched"


class FeedPoller:
    def __init__(
        self,
        feeds: list[FeedConfig],
        settings: Settings,
        sender: Sender,
        client: httpx.AsyncClient,
        state: FeedState,
    ):
        self.feeds = feeds
        self.settings = settings
        self.sender = sender
        self.client = client
        self.state = state
        # Feeds dropped from the file no longer keep their items from being forgotten.
        configured = {feed.url for feed in feeds}
        state.feeds = {url: status for url, status in state.feeds.items() if url in configured}

    async def run(self, stop: asyncio.Event) -> None:
        """Poll every feed when it is due until `stop` is set; a poll under way finishes first."""
        while not stop.is_set():
            for feed in self.feeds:
                if stop.is_set():
                    break
                if self.state.feed(feed.url).due_in(_now()) <= 0:
                    await self.poll(feed)
            wait = min(self.state.feed(feed.url).due_in(_now()) for feed in self.feeds)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(wait, 0.05)):
                    await stop.wait()

    async def poll(self, feed: FeedConfig) -> PollResult:
        """Fetch one feed and send what is new; the state is saved whatever happened."""
        result = PollResult(feed)
        status = self.state.feed(feed.url)
        now = _now()
        try:
            fetched = await fetch(
                self.client,
                feed.url,
                max_bytes=self.settings.fetch_max_bytes,
                deadline=self.settings.fetch_timeout,
                headers=feed.headers,
                etag=status.etag,
                last_modified=status.last_modified,
            )
            if fetched.not_modified:
                result.not_modified = True
                keys = None
            else:
                keys = await self._send_new(feed, fetched.content, fetched.media_type, fetched.url, now, result)
        except FetchError as exc:
            result.error = str(exc)
            result.retry_in = status.failed(
                now, feed.interval, self.settings.feeds_max_backoff, str(exc), exc.retry_after
            )
            log.warning(
                "feed %s failed (%d in a row): %s; next try in %.0fs", feed.url, status.failures, exc, result.retry_in
            )
        except Exception as exc:  # the broker, most likely: nothing was remembered, the poll is repeated
            result.error = f"{type(exc).__name__}: {exc}"
            result.retry_in = status.failed(now, feed.interval, self.settings.feeds_max_backoff, result.error)
            log.exception("feed %s: sending failed; next try in %.0fs", feed.url, result.retry_in)
        else:
            status.succeeded(now, feed.interval, etag=fetched.etag, last_modified=fetched.last_modified, keys=keys)
            log.info(
                "feed %s: %s, %d sent, %d refused, %d already sent",
                feed.url,
                result.outcome,
                result.sent,
                result.refused,
                result.already_sent,
            )
        self.state.forget_old(now)
        self.state.save(self.settings.feeds_state_dir)
        return result

    async def _send_new(
        self, feed: FeedConfig, content: bytes, media_type: str | None, url: str, now: datetime, result: PollResult
    ) -> list[str]:
        """Send the document's new items, await the acknowledgements, then remember them.

        Returns the keys of every item in the document, new or not."""
        max_body = self.settings.max_body_bytes
        entries = read_entries(
            content, feed.url, max_body, kind_of(content, media_type=media_type), source=feed.name, url=url
        )
        keys: list[str] = []
        new: dict[str, SentItem] = {}  # this poll's, remembered once acknowledged
        chosen: list[Entry | Refused] = []
        for entry in entries:
            if isinstance(entry, Refused):
                key, version, created = "sha256:" + hashlib.sha256(entry.original).hexdigest(), None, None
            else:
                key, version, created = entry.article_id, entry.version, entry.version_created_at
            keys.append(key)
            earlier = new.get(key)
            if not self.state.is_new(key, version, created) or (earlier and not earlier.older_than(version, created)):
                result.already_sent += 1
                continue
            new[key] = SentItem(version, created, now.isoformat())
            chosen.append(entry)
        if feed.follow_links:
            chosen = await self._with_pages(chosen, new)
        deliveries: list[Awaitable] = []
        for entry in chosen:
            item = entry.item(max_body) if isinstance(entry, Entry) else entry
            deliveries.append(await self.sender.send(item))
            if isinstance(item, Refused):
                result.refused += 1
            else:
                result.sent += 1
        await asyncio.gather(*deliveries)
        self.state.sent.update(new)
        self.state.seen(keys, now)
        return keys

    async def _with_pages(self, entries: list[Entry | Refused], new: dict[str, SentItem]) -> list[Entry | Refused]:
        """Each entry with its linked page as the body. When the page cannot be had, the
        feed's own text is sent; an entry without any is left for the next poll."""
        limit = asyncio.Semaphore(PAGE_FETCHES)

        async def with_page(entry: Entry | Refused) -> Entry | Refused | None:
            if isinstance(entry, Refused) or not entry.link:
                return entry
            async with limit:
                try:
                    page = await fetch(
                        self.client,
                        entry.link,
                        max_bytes=self.settings.max_body_bytes,
                        deadline=self.settings.fetch_timeout,
                    )
                    if kind_of(page.content, media_type=page.media_type) not in ("html", "text"):
                        raise FetchError(f"{entry.link}: {page.media_type} is not a page")
                    return entry.with_page(decode(page.content), page.content)
                except (FetchError, ValueError) as exc:
                    if entry.fields.get("body"):
                        log.warning("%s: sending the feed's text instead of the page: %s", entry.origin, exc)
                        return entry
                    log.warning("%s: no text and no page (%s); trying again next poll", entry.origin, exc)
                    del new[entry.article_id]
                    return None

        pages = await asyncio.gather(*(with_page(entry) for entry in entries))
        return [entry for entry in pages if entry is not None]


@contextlib.asynccontextmanager
async def _poller(feeds: list[FeedConfig], settings: Settings) -> AsyncIterator[FeedPoller]:
    with locked(settings.feeds_state_dir):
        state = FeedState.load(settings.feeds_state_dir)
        async with kafka_sender(settings) as sender, new_client(settings) as client:
            yield FeedPoller(feeds, settings, sender, client, state)


async def poll_once(feeds: list[FeedConfig], settings: Settings) -> list[PollResult]:
    """Poll every feed once, due or not."""
    async with _poller(feeds, settings) as poller:
        return [await poller.poll(feed) for feed in feeds]


async def run_feeds(feeds: list[FeedConfig], settings: Settings) -> None:
    """Poll every feed when it is due until SIGINT or SIGTERM."""
    async with _poller(feeds, settings) as poller:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        log.info("polling %d feed(s); state in %s", len(feeds), settings.feeds_state_dir)
        await poller.run(stop)
        log.info("stopped")


def _now() -> datetime:
    return datetime.now(UTC)
