"""Article-level duplicates: exact copies by fingerprint, near copies by MinHash over word shingles.

A syndicated wire story reappears with a new headline, a dropped paragraph or an added
sign-off. Such copies are linked to the first copy, so their events are neither extracted
nor counted twice. LSH banding is done here over the signature's hash values rather than
with datasketch.MinHashLSH, so that the whole index is plain JSON-able lists and dicts
that a Faust table can hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from datetime import datetime
from typing import NamedTuple

import numpy as np
from datasketch import MinHash

from streams.settings import settings

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS, ROWS = 42, 3  # 126 of the 128 values; candidate probability 0.996 at Jaccard 0.5, 0.04 at 0.1
# Fixed seed and scheme: stored signatures must stay comparable across restarts and upgrades.
SEED = 1
SCHEME = "affine32"
JACCARD_THRESHOLD = 0.8
# A copy cut short (dropped paragraphs) is contained in its original though its Jaccard is lower.
CONTAINMENT_THRESHOLD = 0.9
MIN_JACCARD_FOR_CONTAINMENT = 0.5
MAX_BUCKET = 32

_WORD = re.compile(r"\w+")
_FINGERPRINT_PREFIX = "fp:"


def shingles(body: str) -> set[str]:
    """Overlapping runs of SHINGLE_WORDS lower-case words (the whole text when it is shorter)."""
    words = _WORD.findall(body.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


# Drawn once: datasketch draws them again from the seed for every MinHash it builds without them.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def minhash_signature(shingle_set: Iterable[str]) -> list[int]:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch([shingle.encode() for shingle in shingle_set])
    return minhash.hashvalues.tolist()


def lsh_band_keys(signature: list[int]) -> list[int]:
    """One key per band of ROWS hash values: two articles sharing any key are candidates.
    Keys are Python's hash of (band, rows): they never leave the process (the buckets are
    rebuilt from the stored signatures), so they need not be stable across interpreters,
    and a rare collision only adds a candidate that the Jaccard estimate then turns down."""
    return [hash((band, *signature[band * ROWS : (band + 1) * ROWS])) for band in range(BANDS)]


def estimated_jaccard(signature_a: np.ndarray, signature_b: np.ndarray) -> float:
    return np.count_nonzero(signature_a == signature_b) / len(signature_a)


def is_near_duplicate(jaccard: float, size_a: int, size_b: int) -> bool:
    """Jaccard high enough, or the smaller shingle set (estimated) nearly inside the larger one."""
    if jaccard >= JACCARD_THRESHOLD:
        return True
    if jaccard < MIN_JACCARD_FOR_CONTAINMENT or not size_a or not size_b:
        return False
    intersection = jaccard * (size_a + size_b) / (1 + jaccard)
    return intersection / min(size_a, size_b) >= CONTAINMENT_THRESHOLD


class Sketch(NamedTuple):
    """What matching needs of an indexed article, held in memory."""

    signature: np.ndarray | None
    size: int
    first_seen: float
    duplicate_of: str | None


class ArticleIndex:
    """Every article seen (ingested) within the window, to find the first copy of a story.

    articles: article_id -> {"fingerprint", "signature", "size", "first_seen" (POSIX seconds),
    "duplicate_of", "events": [[blocking_key, event_id], ...]}; may be a Faust table (values are
    reassigned, never mutated in place). It is the index's whole state: one write per article.
    Matching runs on a copy in memory derived from it: the buckets ('fp:<fingerprint>' or an LSH
    band key -> the MAX_BUCKET most recent article ids; a lone id is kept bare) and each article's
    sketch. Persisted, the buckets cost 43 table writes and changelog messages per article, and
    reading candidates' signatures back from the table some 30 reads per article in the
    benchmark's stream; in memory they take about 2.7 KB per article in the window (81 MB for
    30,000, rebuilt in 2.3 s: measured in one process over a dict). `invalidate()` drops the
    copy when the table may have changed under it (a rebalance); the next call rebuilds it.
    The index must see every article (one partition), since band keys do not follow article ids.
    """

    def __init__(
        self,
        articles: MutableMapping,
        *,
        window_days: float | None = None,
        max_bucket: int = MAX_BUCKET,
    ) -> None:
        self.articles = articles
        self.window_seconds = (settings.dedup_window_days if window_days is None else window_days) * 86400
        self.max_bucket = max_bucket
        self._buckets: dict[str | int, str | list[str]] = {}
        self._sketches: dict[str, Sketch] | None = None

    def _memory(self) -> dict[str, Sketch]:
        if self._sketches is None:
            self._buckets, self._sketches = {}, {}
            # Oldest first, as they arrived (ties by id); one entry and its signature in memory at a time.
            order = sorted((entry["first_seen"], article_id) for article_id, entry in self.articles.items())
            for _, article_id in order:
                self._remember(article_id, self.articles[article_id])
        return self._sketches

    def invalidate(self) -> None:
        self._buckets, self._sketches = {}, None

    def members(self, key: str | int) -> list[str]:
        """The ids in one bucket, oldest first."""
        self._memory()
        found = self._buckets.get(key, [])
        return [found] if isinstance(found, str) else list(found)

    def check(self, article_id: str, fingerprint: str, body: str | None, seen_at: datetime) -> str | None:
        """Index the article and return the id of the story's first copy, or None if it is new.

        Without a body only exact copies (same fingerprint) are found. A redelivered article
        gets the answer it got the first time.
        """
        known = self.articles.get(article_id)
        if known is not None:
            return known["duplicate_of"]
        shingle_set = shingles(body) if body else set()
        signature = minhash_signature(shingle_set) if shingle_set else None
        duplicate_of = self.find_duplicate(fingerprint, signature, len(shingle_set))
        self.add(article_id, fingerprint, signature, len(shingle_set), seen_at, duplicate_of)
        return duplicate_of

    def find_duplicate(self, fingerprint: str, signature: list[int] | None, size: int) -> str | None:
        sketches = self._memory()
        exact = self.members(_FINGERPRINT_PREFIX + fingerprint)
        if exact:
            return self.first_copy(exact[0])
        if signature is None:
            return None
        # Highest similarity wins; on a tie the earlier copy, for determinism.
        query = np.asarray(signature, dtype=np.uint32)
        matches = []
        candidates = dict.fromkeys(member for key in lsh_band_keys(signature) for member in self.members(key))
        for article_id in candidates:
            sketch = sketches[article_id]
            if sketch.signature is None:
                continue
            jaccard = estimated_jaccard(query, sketch.signature)
            if is_near_duplicate(jaccard, size, sketch.size):
                matches.append((-jaccard, sketch.first_seen, article_id))
        return self.first_copy(min(matches)[2]) if matches else None

    def first_copy(self, article_id: str) -> str:
        sketch = self._memory().get(article_id)
        return (sketch and sketch.duplicate_of) or article_id

    def add(
        self,
        article_id: str,
        fingerprint: str,
        signature: list[int] | None,
        size: int,
        seen_at: datetime,
        duplicate_of: str | None = None,
    ) -> None:
        # Copies are indexed too: a copy of a copy then still finds the story.
        entry = {
            "fingerprint": fingerprint,
            "signature": signature,
            "size": size,
            "first_seen": seen_at.timestamp(),
            "duplicate_of": duplicate_of,
            "events": [],
        }
        self.articles[article_id] = entry
        if self._sketches is not None:
            self._remember(article_id, entry)

    def _remember(self, article_id: str, entry: dict) -> None:
        signature = entry["signature"]
        self._sketches[article_id] = Sketch(
            None if signature is None else np.asarray(signature, dtype=np.uint32),
            entry["size"],
            entry["first_seen"],
            entry["duplicate_of"],
        )
        buckets = self._buckets
        for key in [_FINGERPRINT_PREFIX + entry["fingerprint"], *(lsh_band_keys(signature) if signature else [])]:
            members = buckets.get(key)
            if members is None or members == article_id:
                buckets[key] = article_id
                continue
            if isinstance(members, str):
                members = buckets[key] = [members]
            elif article_id in members:
                members.remove(article_id)
            members.append(article_id)
            if len(members) > self.max_bucket:
                del members[0]

    def link_events(self, article_id: str, refs: list[list[str]]) -> None:
        """Remember which events an article fed ([blocking_key, event_id] pairs), for its later copies."""
        entry = self.articles.get(article_id)
        if entry is None:
            return
        known = entry["events"]
        self.articles[article_id] = {**entry, "events": known + [ref for ref in refs if ref not in known]}

    def event_refs(self, article_id: str) -> list[list[str]]:
        return (self.articles.get(article_id) or {}).get("events", [])

    def expire(self, now: datetime) -> int:
        """Forget articles first seen more than the window before now; returns how many."""
        cutoff = now.timestamp() - self.window_seconds
        stale = [article_id for article_id, entry in self.articles.items() if entry["first_seen"] < cutoff]
        for article_id in stale:
            del self.articles[article_id]
        if stale and self._sketches is not None:
            gone = set(stale)
            for article_id in stale:
                self._sketches.pop(article_id, None)
            for key in list(self._buckets):
                members = self.members(key)
                kept = [member for member in members if member not in gone]
                if not kept:
                    del self._buckets[key]
                elif len(kept) != len(members):
                    self._buckets[key] = kept[0] if len(kept) == 1 else kept
        return len(stale)


def copy_record(clean: dict, duplicate_of: str) -> dict:
    """The articles.extracted record of a copy: the article's own metadata, no events of its own."""
    return {
        "schema_version": 1,
        "article_id": clean["article_id"],
        "source": clean["source"],
        "url": clean["url"],
        "title": clean["title"],
        "published_at": clean["published_at"],
        "received_at": clean["received_at"],
        "language": clean["language"],
        "fingerprint": clean["fingerprint"],
        "duplicate_of": duplicate_of,
        "entities": [],
        "events": [],
    }
