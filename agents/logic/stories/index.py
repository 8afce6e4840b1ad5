"""Online story clustering: each article joins, in one pass, the story of the happening it reports.

After Miranda et al. 2018 ("Multilingual Clustering of Streaming News"): an article is
compared with the profiles of the stories still open, retrieved through an inverted
index, and joins the most similar one when the similarity clears a threshold, else it
starts a story. The similarity adds up
  * the cosine of TF-IDF vectors of the article and the story's centroid, with document
    frequencies counted online over the stories in the window (so they follow the news);
  * the cosine of their names (persons by surname, organisations), weighted the same way:
    two rehab stays or two earthquakes of one kind differ first by who and where;
  * the cosine of their places;
and subtracts a time penalty growing with the days between the article's publication
and the story's span (full at TIME_SCALE_DAYS): two reports of one happening are
published close together, two happenings of a kind rarely are.

State: `stories` (story id -> state, JSON values reassigned, never mutated; may be a Faust
table) and `article_stories` (article id -> story id, for copies and redeliveries). A
story's state keeps a bounded profile: its MAX_TERMS heaviest terms with their summed
weights and article counts, its MAX_NAMES most frequent names and places. Matching runs
on what is derived from the states in memory (document frequencies, postings: term or name
-> the MAX_POSTING stories most recently indexed under it), rebuilt after `invalidate()`.
So per-article cost is bounded by QUERY_TERMS x MAX_POSTING candidates pre-ranked and
MAX_CANDIDATES scored, whatever the history; memory by the stories received within the
window (expiry on ingest time, as the event store's: an archive replayed at full speed
keeps its stories open until its reports stop coming).
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime

from agents.logic.stories.features import article_features
from streams.settings import settings

MAX_TERMS = 200
MAX_NAMES = 40
MAX_POSTING = 64
QUERY_TERMS = 24
INDEXED_TERMS = 48
MAX_CANDIDATES = 24
MAX_LISTED = 500  # article ids and outlets a story record lists (num_articles counts them all)
MAIN_ENTITIES = 8


@dataclass(frozen=True)
class Weights:
    """How the evidence adds up; tuned on ECB+ topics 1-20 (bench/stories_bench.py), no topic-specific rule."""

    names: float = 0.20
    places: float = 0.10
    time: float = 0.25
    time_scale_days: float = 90.0
    threshold: float = 0.22


def story_id_for(article_id: str) -> str:
    return "st_" + hashlib.sha256(article_id.encode()).hexdigest()[:16]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


class _Derived:
    """What matching derives from the stories' states: document frequencies and postings."""

    def __init__(self) -> None:
        self.df: Counter[str] = Counter()  # term or name key -> articles in the window holding it (kept profiles)
        self.docs = 0
        self.postings: dict[str, list[str]] = {}
        self._idf: dict[str, float] = {}  # valid until the counts change: the candidates of one article share it

    def count(self, state: dict, sign: int) -> None:
        self._idf.clear()
        self.docs += sign * state["profiled"]
        counts = [(key, count) for key, (_, count) in state["terms"].items()]
        counts += [(key, count) for section in ("names", "places") for key, (count, _) in state[section].items()]
        for key, count in counts:
            self.df[key] += sign * count
            if self.df[key] <= 0:
                del self.df[key]

    def idf(self, key: str) -> float:
        value = self._idf.get(key)
        if value is None:
            value = self._idf[key] = math.log((self.docs + 1) / (self.df.get(key, 0) + 1)) + 1.0
        return value

    def post(self, story_id: str, keys: list[str]) -> None:
        for key in keys:
            members = self.postings.setdefault(key, [])
            if story_id in members:
                members.remove(story_id)
            members.append(story_id)
            if len(members) > MAX_POSTING:
                del members[0]


class StoryIndex:
    def __init__(
        self,
        stories: MutableMapping,
        article_stories: MutableMapping,
        *,
        window_days: float | None = None,
        weights: Weights | None = None,
    ) -> None:
        self.stories = stories
        self.article_stories = article_stories
        self.window_seconds = (settings.dedup_window_days if window_days is None else window_days) * 86400
        self.weights = weights or Weights()
        self._derived: _Derived | None = None

    # --- derived state -------------------------------------------------------------------

    @property
    def derived(self) -> _Derived:
        if self._derived is None:
            derived = _Derived()
            for _, story_id in sorted((state["received"], story_id) for story_id, state in self.stories.items()):
                state = self.stories[story_id]
                derived.count(state, +1)
                derived.post(story_id, self._index_keys(state, derived))
            self._derived = derived
        return self._derived

    def invalidate(self) -> None:
        self._derived = None

    def _index_keys(self, state: dict, derived: _Derived) -> list[str]:
        terms = heapq.nlargest(
            INDEXED_TERMS, state["terms"].items(), key=lambda item: (item[1][0] * derived.idf(item[0]), item[0])
        )
        return [term for term, _ in terms] + list(state["names"])

    # --- assignment ----------------------------------------------------------------------

    def assign(self, article: dict) -> tuple[str, dict | None]:
        """Put a story_input record into its story: (story id, the story's payload).

        A copy (duplicate_of) joins its original's story; a redelivered or revised article
        keeps the story it was given, and gets the story as it stands (no new version), so
        that a redelivery after a crash re-publishes what the first delivery may not have.
        """
        known = self.article_stories.get(article["article_id"])
        if known is not None and known in self.stories:
            return known, render_story(self.stories[known])
        features = article_features(article)
        original = article.get("duplicate_of")
        story_id = self.article_stories.get(original) if original else None
        if story_id is None or story_id not in self.stories:
            story_id = self.best_story(features)
        state = self.stories.get(story_id) if story_id else None
        if state is None:
            story_id = story_id_for(article["article_id"])
            state = _new_state(story_id)
        profiled = not original
        state = _join(state, article, features, profiled=profiled)
        self.article_stories[article["article_id"]] = story_id
        return story_id, self._save(state)

    def best_story(self, features: dict) -> str | None:
        scored = self.scores(features)
        if not scored:
            return None
        score, story_id = max(scored)
        return story_id if score >= self.weights.threshold else None

    def scores(self, features: dict) -> list[tuple[float, str]]:
        """(similarity, story id) of the candidate stories still open at the article's reception."""
        derived = self.derived
        query = {term: weight * derived.idf(term) for term, weight in features["terms"].items()}
        keys = heapq.nlargest(QUERY_TERMS, query, key=lambda term: (query[term], term)) + list(features["names"])
        votes: Counter[str] = Counter()
        for key in keys:
            idf = derived.idf(key)
            for story_id in derived.postings.get(key, ()):
                votes[story_id] += idf
        opened_since = features["received"] - self.window_seconds
        candidates = []
        for story_id, _ in sorted(votes.items(), key=lambda item: (-item[1], item[0])):
            state = self.stories.get(story_id)
            if state is not None and state["received"] >= opened_since:
                candidates.append((story_id, state))
                if len(candidates) == MAX_CANDIDATES:
                    break
        name_query = _weighted(features["names"], derived)
        place_query = _weighted(features["places"], derived)
        return [(self._similarity(query, name_query, place_query, features, state), sid) for sid, state in candidates]

    def _similarity(self, query: dict, name_query: dict, place_query: dict, features: dict, state: dict) -> float:
        derived, weights = self.derived, self.weights
        # The cosine with the centroid, its TF-IDF weights computed on the way (no vector built).
        dot = norm = 0.0
        idf = derived.idf
        for term, (weight, _) in state["terms"].items():
            value = weight * idf(term)
            norm += value * value
            if term in query:
                dot += value * query[term]
        score = dot / math.sqrt(norm * sum(w * w for w in query.values())) if dot else 0.0
        if name_query:
            score += weights.names * _cosine(name_query, _story_weighted(state["names"], derived))
        if place_query:
            score += weights.places * _cosine(place_query, _story_weighted(state["places"], derived))
        published = features["published"]
        apart = max(0.0, state["first_published"] - published, published - state["last_published"]) / 86400
        return score - weights.time * min(1.0, apart / weights.time_scale_days)

    # --- events and expiry ---------------------------------------------------------------

    def link_events(self, story_id: str, event_ids: list[str]) -> dict | None:
        """Record events reported in the story: its payload (a new version if any event is new to it),
        or None when the story is gone."""
        state = self.stories.get(story_id)
        if state is None:
            return None
        new = [event_id for event_id in dict.fromkeys(event_ids) if event_id not in state["event_ids"]]
        if not new:
            return render_story(state)
        return self._save({**state, "event_ids": state["event_ids"] + new})

    def story_of(self, article_id: str) -> str | None:
        return self.article_stories.get(article_id)

    def expire(self, now: datetime) -> int:
        """Forget stories no article joined (was received) within the window before now; returns how many."""
        cutoff = now.timestamp() - self.window_seconds
        stale = [story_id for story_id, state in self.stories.items() if state["received"] < cutoff]
        derived = self._derived
        for story_id in stale:
            state = self.stories[story_id]
            if derived is not None:
                derived.count(state, -1)
            # Its articles' entries go with it (those it no longer lists go by the table's time to live).
            for article_id in state["article_ids"]:
                if self.article_stories.get(article_id) == story_id:
                    del self.article_stories[article_id]
            del self.stories[story_id]
        if stale and derived is not None:
            gone = set(stale)
            for key in list(derived.postings):
                kept = [story_id for story_id in derived.postings[key] if story_id not in gone]
                if kept:
                    derived.postings[key] = kept
                else:
                    del derived.postings[key]
        return len(stale)

    def _save(self, state: dict) -> dict:
        previous = self.stories.get(state["story_id"])
        state = {**state, "version": state["version"] + 1}
        self.stories[state["story_id"]] = state
        if self._derived is not None:
            if previous is not None:
                self._derived.count(previous, -1)
            self._derived.count(state, +1)
            self._derived.post(state["story_id"], self._index_keys(state, self._derived))
        return render_story(state)


def _weighted(found: dict[str, list], derived: _Derived) -> dict[str, float]:
    return {key: weight * derived.idf(key) for key, (weight, _) in found.items()}


def _story_weighted(found: dict[str, list], derived: _Derived) -> dict[str, float]:
    return {key: count * derived.idf(key) for key, (count, _) in found.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b[key] for key, weight in a.items() if key in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))


def _new_state(story_id: str) -> dict:
    return {
        "story_id": story_id,
        "version": 0,
        "headline": None,
        "article_ids": [],
        "num_articles": 0,
        "profiled": 0,  # articles whose words and names are in the profile (copies are not)
        "outlets": [],
        "first_published": math.inf,
        "last_published": -math.inf,
        "received": 0.0,
        "terms": {},
        "names": {},
        "places": {},
        "event_ids": [],
    }


def _bounded(entries: dict[str, list], limit: int) -> dict[str, list]:
    if len(entries) <= limit:
        return entries
    return dict(heapq.nlargest(limit, entries.items(), key=lambda item: (item[1][0], item[0])))


def _join(state: dict, article: dict, features: dict, *, profiled: bool) -> dict:
    """The state with the article in it (a copy counts as an article, not in the profile)."""
    state = {
        **state,
        "headline": state["headline"] or article.get("title"),
        "article_ids": [*state["article_ids"], article["article_id"]][-MAX_LISTED:],
        "num_articles": state["num_articles"] + 1,
        "first_published": min(state["first_published"], features["published"]),
        "last_published": max(state["last_published"], features["published"]),
        "received": max(state["received"], features["received"]),
    }
    outlet = article.get("outlet")
    if outlet and outlet not in state["outlets"] and len(state["outlets"]) < MAX_LISTED:
        state["outlets"] = [*state["outlets"], outlet]
    if not profiled:
        return state
    terms = dict(state["terms"])
    for term, weight in features["terms"].items():
        known = terms.get(term)
        # Three decimals: the state is written to the changelog whole on every join.
        terms[term] = [round(known[0] + weight, 3), known[1] + 1] if known else [round(weight, 3), 1]
    state["terms"] = _bounded(terms, MAX_TERMS)
    for section in ("names", "places"):
        entries = dict(state[section])
        for key, (_, display) in features[section].items():
            known = entries.get(key)
            entries[key] = [known[0] + 1, known[1]] if known else [1, display]
        state[section] = _bounded(entries, MAX_NAMES)
    state["profiled"] += 1
    return state


def render_story(state: dict) -> dict:
    """The stories.enriched payload of a story state."""

    def main(entries: dict[str, list]) -> list[str]:
        ranked = sorted(entries.values(), key=lambda entry: (-entry[0], entry[1]))
        return list(dict.fromkeys(display for _, display in ranked))[:MAIN_ENTITIES]

    return {
        "schema_version": 1,
        "story_id": state["story_id"],
        "version": state["version"],
        "headline": state["headline"],
        "article_ids": state["article_ids"],
        "num_articles": state["num_articles"],
        "outlets": state["outlets"],
        "first_seen_at": _iso(state["first_published"]),
        "last_seen_at": _iso(state["last_published"]),
        "names": main(state["names"]),
        "places": main(state["places"]),
        "event_ids": state["event_ids"],
    }
