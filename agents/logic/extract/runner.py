"""Where a worker extracts: in a child process, or in its own event loop.

spaCy holds the GIL for the milliseconds an article takes. Run in the worker's event loop,
it stalls every other agent, the consumer's heartbeats and the HTTP endpoints meanwhile,
and the worker never uses more than one core; in a child process the worker routes,
deduplicates and publishes other articles while the child extracts. The functions the
child runs are the ones named ``_child_*`` below. spaCy is imported only where articles
are extracted, so that a worker's own process, which extracts in its child, does without
it (about 60 MB of resident memory per worker, measured in the pipeline benchmark).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

# How often the child checks that its worker is still there.
PARENT_CHECK_SECONDS = 1.0


class ExtractionProcessDied(Exception):
    """The child died each time one article was tried: that article is the likely cause."""


class Extractor:
    """Extracts articles in one child process, or in the event loop when in_child is off."""

    def __init__(self, model_name: str, in_child: bool) -> None:
        self.model_name = model_name
        self.in_child = in_child
        self._pool: ProcessPoolExecutor | None = None
        self._nlp: Language | None = None
        self._replacing = asyncio.Lock()

    async def start(self) -> float:
        """Load and warm up the model (seconds) without blocking the event loop, which keeps
        serving heartbeats, /metrics and the other agents meanwhile; returns the seconds taken."""
        started = time.monotonic()
        if self.in_child:
            # spawn, not fork: a worker has threads (RocksDB, the loop's executor) by now.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_start,
                initargs=(self.model_name, os.getpid()),
            )
            await asyncio.get_running_loop().run_in_executor(self._pool, _child_ready)
        else:
            from .article import prepare

            self._nlp = await asyncio.to_thread(prepare, self.model_name)
        return time.monotonic() - started

    def submit(self, clean: dict) -> Awaitable[dict]:
        """Start extracting a clean article now; the awaitable gives its articles.extracted
        record. Several may be submitted before the first is awaited: the child then goes
        from one article to the next without waiting on the event loop in between."""
        if not self.in_child:
            from .article import extract_article

            return _done(extract_article, clean, self._nlp)
        pool, first = self._pool, None
        if pool is not None:
            with contextlib.suppress(BrokenProcessPool):  # broken already: retried below
                first = asyncio.get_running_loop().run_in_executor(pool, _child_extract, clean)
        return self._retried(clean, first, pool)

    async def _retried(self, clean: dict, first: Awaitable[dict] | None, pool: ProcessPoolExecutor | None) -> dict:
        """The first attempt's record; if the child died meanwhile (on this article or another
        one in it), the article is tried again, up to twice, each in a new child."""
        if first is not None:
            try:
                return await first
            except BrokenProcessPool:
                log.warning("the extraction process died with %s in it: trying it again", clean["article_id"])
        for _ in range(2):
            await self._replace(pool)
            pool = self._pool
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, _child_extract, clean)
            except BrokenProcessPool:
                log.warning("the extraction process died on %s", clean["article_id"])
        await self._replace(pool)
        raise ExtractionProcessDied(f"the extraction process died on {clean['article_id']} each time it was tried")

    async def _replace(self, broken: ProcessPoolExecutor | None) -> None:
        """Start a new child, unless that happened since this pool broke."""
        async with self._replacing:
            if self._pool is broken:
                self.stop()
                await self.start()

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _done(function: Callable[..., dict], *args) -> asyncio.Future:
    """A future already holding what function(*args) returned or raised."""
    future = asyncio.get_running_loop().create_future()
    try:
        future.set_result(function(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future


_child_nlp: Language | None = None


def _child_start(model_name: str, parent_pid: int) -> None:
    """The child's initializer. Only the worker stops it: Ctrl-C and SIGTERM reach the whole
    process group and would kill it mid-article while the worker drains. It exits soon
    after the worker dies, even by SIGKILL."""
    global _child_nlp
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_child_exit_with, args=(parent_pid,), name="exit-with-worker", daemon=True).start()
    from .article import prepare

    _child_nlp = prepare(model_name)


def _child_exit_with(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _child_ready() -> bool:
    return _child_nlp is not None


def _child_extract(clean: dict) -> dict:
    from .article import extract_article

    return extract_article(clean, _child_nlp)
