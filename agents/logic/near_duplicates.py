"""Article-level duplicates: exact copies by fingerprint, near copies by MinHash over word shingles.

A syndicated wire story reappears with a new headline, a dropped paragraph or an added
sign-off. Such copies are linked to the first copy, so their events are neither extracted
nor counted twice. LSH banding is done here over the signature's hash values rather than
with datasketch.MinHashLSH, so that the whole index is plain JSON-able lists and dicts
that a Faust table can hold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, MutableMapping
from datetime import datetime

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


def minhash_signature(shingle_set: Iterable[str]) -> list[int]:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    minhash.update_batch([shingle.encode() for shingle in shingle_set])
    return minhash.hashvalues.tolist()


def lsh_band_keys(signature: list[int]) -> list[str]:
    """One key per band of ROWS hash values: two articles sharing any key are candidates."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(",".join(map(str, rows)).encode(), digest_size=8).hexdigest()
        keys.append(f"lsh:{band}:{digest}")
    return keys


def estimated_jaccard(signature_a: list[int], signature_b: list[int]) -> float:
    return sum(a == b for a, b in zip(signature_a, signature_b, strict=True)) / len(signature_a)


def is_near_duplicate(jaccard: float, size_a: int, size_b: int) -> bool:
    """Jaccard high enough, or the smaller shingle set (estimated) nearly inside the larger one."""
    if jaccard >= JACCARD_THRESHOLD:
        return True
    if jaccard < MIN_JACCARD_FOR_CONTAINMENT or not size_a or not size_b:
        return False
    intersection = jaccard * (size_a + size_b) / (1 + jaccard)
    return intersection / min(size_a, size_b) >= CONTAINMENT_THRESHOLD


class ArticleIndex:
    """Every article seen (ingested) within the window, to find the first copy of a story.

    buckets: 'fp:<fingerprint>' or an LSH band key -> [article_id, ...], the MAX_BUCKET most recent.
    articles: article_id -> {"fingerprint", "signature", "size", "first_seen" (POSIX seconds),
    "duplicate_of", "events": [[blocking_key, event_id], ...]}.
    Both mappings may be Faust tables: values are reassigned, never mutated in place.
    The index must see every article (one partition), since band keys do not follow article ids.
    """

    def __init__(
        self,
        buckets: MutableMapping,
        articles: MutableMapping,
        *,
        window_days: float | None = None,
        max_bucket: int = MAX_BUCKET,
    ) -> None:
        self.buckets = buckets
        self.articles = articles
        self.window_seconds = (settings.dedup_window_days if window_days is None else window_days) * 86400
        self.max_bucket = max_bucket

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
        for article_id in self.buckets.get(_FINGERPRINT_PREFIX + fingerprint, []):
            if article_id in self.articles:
                return self.first_copy(article_id)
        if signature is None:
            return None
        # Highest similarity wins; on a tie the earlier copy, for determinism.
        matches = []
        candidates = dict.fromkeys(member for key in lsh_band_keys(signature) for member in self.buckets.get(key, []))
        for article_id in candidates:
            entry = self.articles.get(article_id)
            if entry is None or entry["signature"] is None:
                continue
            jaccard = estimated_jaccard(signature, entry["signature"])
            if is_near_duplicate(jaccard, size, entry["size"]):
                matches.append((-jaccard, entry["first_seen"], article_id))
        return self.first_copy(min(matches)[2]) if matches else None

    def first_copy(self, article_id: str) -> str:
        entry = self.articles.get(article_id)
        return (entry or {}).get("duplicate_of") or article_id

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
        self.articles[article_id] = {
            "fingerprint": fingerprint,
            "signature": signature,
            "size": size,
            "first_seen": seen_at.timestamp(),
            "duplicate_of": duplicate_of,
            "events": [],
        }
        for key in [_FINGERPRINT_PREFIX + fingerprint, *(lsh_band_keys(signature) if signature else [])]:
            members = [member for member in self.buckets.get(key, []) if member != article_id]
            self.buckets[key] = [*members, article_id][-self.max_bucket :]

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
        for key, members in list(self.buckets.items()):
            kept = [member for member in members if member in self.articles]
            if not kept:
                del self.buckets[key]
            elif len(kept) != len(members):
                self.buckets[key] = kept
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
