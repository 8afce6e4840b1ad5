"""Deduplication benchmark: quality on the evaluation corpus, speed, and cost at scale.

Run from the repository root: `.venv/bin/python bench/dedup_bench.py [--json] [--verbose]`.

Quality, on the corpus in tests/fixtures/events, in arrival order, twice:
  * end to end: clean -> article index -> extract (first copies only) -> stories -> event dedup,
    as `wirewatch process` runs it;
  * dedup alone: the same, with the hand-annotated mentions of mentions.json in place of
    extraction, to tell dedup errors from extraction errors.
Scores:
  * article clusters: B-cubed precision/recall/F1 of each article's story (its first
    copy, or itself) against gold article_clusters;
  * events: extended B-cubed (Amigo et al. 2009, for overlapping clusters) over articles:
    an article's predicted set is the events that list it as a source, its gold set the
    gold events that list it; an article in no predicted event counts as a singleton;
  * distractors: a gold pair stays apart when no predicted event lists articles of both.
Speed: reports/s of the dedup step alone (article index + event merge), without clean
and extract, in CPU seconds of this process (time.process_time), so that other work on
shared cores does not blur them.
Scale: synthetic mentions (no NLP) at ARTICLES_PER_DAY, expiring once per simulated day,
timing 1,000 articles after 10,000, 50,000 and 100,000 articles seen: with per-key state
bounded the cost must not grow with the articles seen.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.logic.dedup import Deduplicator, received_time  # noqa: E402
from agents.logic.near_duplicates import copy_record  # noqa: E402
from agents.logic.stories import StoryIndex, story_input  # noqa: E402
from streams.settings import settings  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "events"
ARTICLES_PER_DAY = 1000
SCALE_BATCH = 1000
# 10,000 articles are 10 days: before the 30-day window fills; 50,000 and 100,000 are well after.
SCALE_CHECKPOINTS = (10_000, 50_000, 100_000)


# --- quality -------------------------------------------------------------------------------


def extended_bcubed(predicted: dict[str, set[str]], gold: dict[str, set[str]]) -> tuple[float, float, float]:
    """Precision, recall, F1 of item -> label-set assignments (reduces to B-cubed for single labels)."""
    items = sorted(gold)
    predicted = {item: predicted.get(item) or {f"none:{item}"} for item in items}

    def average(by: dict[str, set[str]]) -> float:
        per_item = []
        for item in items:
            scores = []
            for other in items:
                shared_by = len(by[item] & by[other])
                if shared_by:
                    together = min(len(predicted[item] & predicted[other]), len(gold[item] & gold[other]))
                    scores.append(together / shared_by)
            per_item.append(sum(scores) / len(scores))
        return sum(per_item) / len(per_item)

    precision, recall = average(predicted), average(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_corpus() -> tuple[list[dict], dict]:
    raws = [json.loads(line) for line in (CORPUS / "articles.jsonl").read_text().splitlines()]
    return raws, json.loads((CORPUS / "gold.json").read_text())


def end_to_end_articles(raws: list[dict]) -> Iterator[tuple[dict, Callable[[], dict]]]:
    """(clean record, its extraction) through the real clean and extract stages."""
    from agents.logic.clean import clean_article
    from agents.logic.extract import extract_article, load_nlp

    nlp = load_nlp(settings.spacy_model)
    for raw in raws:
        clean = clean_article(raw, max_body_bytes=settings.max_body_bytes)
        yield clean, functools.partial(extract_article, clean, nlp)


def annotated_articles(raws: list[dict]) -> Iterator[tuple[dict, Callable[[], dict]]]:
    """(raw record standing in for the clean one, the hand-annotated mentions of mentions.json)."""
    annotations = json.loads((CORPUS / "mentions.json").read_text())
    places = {name: {"reported": name, "canonical": name, **place} for name, place in annotations["places"].items()}
    for raw in raws:
        clean = {**raw, "language": "en", "fingerprint": hashlib.sha256(raw["body"].encode()).hexdigest()}
        mentions = [
            {
                "mention_id": f"{raw['article_id']}#{index}",
                "type": note["type"],
                "trigger": note["type"],
                "sentence": raw["body"].split("\n\n")[0],
                "actors": note["actors"],
                "location": places[note["place"]] if note["place"] else None,
                "time": {"start": note["day"], "end": note["day"], "precision": "day", "text": note["day"]}
                if note["day"]
                else None,
                "casualties": note.get("casualties"),
                "certainty": note.get("certainty", "reported"),
                "attributed_to": note.get("attributed_to"),
                "negated": note.get("negated", False),
            }
            for index, note in enumerate(annotations["mentions"].get(raw["article_id"], []))
        ]
        record = {**copy_record(clean, None), "events": mentions}
        yield clean, lambda record=record: record


def run_corpus(articles: Iterable[tuple[dict, Callable[[], dict]]], gold: dict, verbose: bool) -> dict:
    """Article index, then extraction of the first copies only, then stories, then event dedup, in arrival order."""
    deduplicator = Deduplicator(window_days=settings.dedup_window_days)
    story_index = StoryIndex({}, {}, window_days=settings.dedup_window_days)
    stories: dict[str, str] = {}
    latest: dict[str, dict] = {}
    dedup_seconds = 0.0
    for clean, extract in articles:
        started = time.process_time()
        duplicate_of = deduplicator.articles.check(
            clean["article_id"], clean["fingerprint"], clean["body"], received_time(clean)
        )
        dedup_seconds += time.process_time() - started
        extracted = copy_record(clean, duplicate_of) if duplicate_of else extract()
        started = time.process_time()
        story_id, _ = story_index.assign(story_input(clean, extracted))
        processed = deduplicator.process({**extracted, "story_id": story_id})
        dedup_seconds += time.process_time() - started
        stories[clean["article_id"]] = processed.duplicate_of or clean["article_id"]
        for payload in processed.events:
            latest[payload["event_id"]] = payload

    predicted_events: dict[str, set[str]] = {}
    for event in latest.values():
        for source in event["sources"]:
            predicted_events.setdefault(source["article_id"], set()).add(event["event_id"])
    gold_events: dict[str, set[str]] = {}
    for label, article_ids in gold["events"].items():
        for article_id in article_ids:
            gold_events.setdefault(article_id, set()).add(label)
    cluster_scores = extended_bcubed(
        {article_id: {story} for article_id, story in stories.items()},
        {article_id: {label} for article_id, label in gold["article_clusters"].items()},
    )
    event_scores = extended_bcubed(predicted_events, gold_events)

    distractors = []
    for first, second in gold["distractors"]:
        merged = [
            event["event_id"]
            for event in latest.values()
            if {s["article_id"] for s in event["sources"]} & set(gold["events"][first])
            and {s["article_id"] for s in event["sources"]} & set(gold["events"][second])
        ]
        distractors.append({"pair": [first, second], "apart": not merged})

    if verbose:
        for event in sorted(latest.values(), key=lambda e: e["first_reported_at"]):
            labels = sorted({label for s in event["sources"] for label in gold_events.get(s["article_id"], ())})
            print(f"{event['event_id']} v{event['version']} {labels}\n    {event['summary']}")
    return {
        "articles": len(stories),
        "gold_events": len(gold["events"]),
        "predicted_events": len(latest),
        "gold_copies": len(stories) - len(set(gold["article_clusters"].values())),
        "predicted_copies": sum(story != article_id for article_id, story in stories.items()),
        "article_clusters": dict(zip(("precision", "recall", "f1"), cluster_scores, strict=True)),
        "events": dict(zip(("precision", "recall", "f1"), event_scores, strict=True)),
        "distractors": distractors,
        "all_distractors_apart": all(d["apart"] for d in distractors),
        "dedup_seconds": dedup_seconds,
        "dedup_reports_per_second": len(stories) / dedup_seconds,
    }


# --- scale ---------------------------------------------------------------------------------

SYLLABLES = ["ka", "ra", "ma", "go", "me", "da", "ba", "su", "li", "to", "zu", "ni", "ha", "sa", "ve", "lo", "mu"]
GIVEN_NAMES = ["Ruslan", "Magomed", "Arsen", "Timur", "Zaur", "Ibragim", "Adam", "Said", "Anzor", "Rustam", "Shamil"]
COUNTRIES = ["RU", "GE", "AZ", "AM", "TR", "SY", "IQ", "KZ", "UZ", "TJ", "KG", "UA"]
TYPES = ["killed", "clash", "attack", "bombing", "arrested", "sentenced", "allegiance_pledge"]


def synthetic_records(count: int, seed: int = 7) -> Iterator[dict]:
    """articles.extracted-shaped records: 60% re-report one of the recent events, 1-2 mentions each."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    towns = {
        country: [
            (f"Town{country}{n}", f"Region{country}{n % 8}", rng.uniform(35, 50), rng.uniform(30, 70))
            for n in range(100)
        ]
        for country in COUNTRIES
    }
    recent: deque[dict] = deque(maxlen=3000)
    for n in range(count):
        published = start + timedelta(seconds=n * 86400 / ARTICLES_PER_DAY)
        if recent and rng.random() < 0.6:
            truths = [rng.choice(recent)]
        else:
            country = rng.choice(COUNTRIES)
            truths = [
                {
                    "type": rng.choice(TYPES),
                    "surname": "".join(rng.choices(SYLLABLES, k=3)).capitalize() + "ov",
                    "given": rng.choice(GIVEN_NAMES),
                    "country": country,
                    "town": rng.choice(towns[country]),
                    "day": (published - timedelta(days=rng.randint(0, 2))).date().isoformat(),
                }
                for _ in range(rng.choice((1, 1, 2)))
            ]
            recent.extend(truths)
        article_id = f"syn-{n}"
        mentions = []
        for index, truth in enumerate(truths):
            town, admin1, lat, lon = truth["town"]
            name = truth["surname"] if rng.random() < 0.3 else f"{truth['given']} {truth['surname']}"
            mentions.append(
                {
                    "mention_id": f"{article_id}#{index}",
                    "type": truth["type"],
                    "trigger": truth["type"],
                    "sentence": f"{name} {truth['type']} in {town}.",
                    "actors": [{"name": name, "kind": "person", "role": "victim", "variants": []}],
                    "location": {
                        "reported": town,
                        "canonical": town,
                        "admin1": admin1,
                        "country_code": truth["country"],
                        "lat": lat,
                        "lon": lon,
                        "precision": "town",
                    },
                    "time": {"start": truth["day"], "end": truth["day"], "precision": "day", "text": "on Monday"}
                    if rng.random() < 0.8
                    else None,
                    "certainty": "reported",
                    "attributed_to": None,
                }
            )
        stamp = published.isoformat()
        yield {
            "schema_version": 1,
            "article_id": article_id,
            "source": f"Outlet {rng.randint(1, 40)}",
            "url": None,
            "title": None,
            "published_at": stamp,
            "received_at": stamp,
            "language": "en",
            "fingerprint": hashlib.sha256(article_id.encode()).hexdigest(),
            "duplicate_of": None,
            "entities": [],
            "events": mentions,
        }


def run_scale(total: int) -> dict:
    deduplicator = Deduplicator(window_days=settings.dedup_window_days)
    timings: dict[int, float] = {}
    expire_seconds, expire_calls = 0.0, 0
    for n, record in enumerate(synthetic_records(total)):
        if n and n % ARTICLES_PER_DAY == 0:  # the article index expires on a timer; once per simulated day here
            # (the event store expires per key as it merges)
            now = received_time(record)
            started = time.process_time()
            deduplicator.articles.expire(now)
            expire_seconds += time.process_time() - started
            expire_calls += 1
        batch_start = next((point for point in SCALE_CHECKPOINTS if point <= n < point + SCALE_BATCH), None)
        started = time.process_time()
        deduplicator.process(record)
        if batch_start is not None:
            timings[batch_start] = timings.get(batch_start, 0.0) + time.process_time() - started
    candidate_lists = deduplicator.events.candidates.values()
    # What a worker pays after a rebalance or a restart: the candidate lists derived again from the states.
    deduplicator.events.invalidate()
    started = time.process_time()
    deduplicator.events.candidates  # noqa: B018 (the property builds them)
    rebuild_seconds = time.process_time() - started
    return {
        "articles": total,
        "articles_per_day": ARTICLES_PER_DAY,
        "window_days": settings.dedup_window_days,
        "seconds_per_1000_after": {str(point): timings[point] for point in SCALE_CHECKPOINTS if point in timings},
        "live_events": len(deduplicator.events.events),
        "live_articles": len(deduplicator.articles.articles),
        "longest_candidate_list": max(map(len, candidate_lists), default=0),
        "expire_ms_per_call": 1000 * expire_seconds / max(expire_calls, 1),
        "candidate_rebuild_seconds": rebuild_seconds,
    }


# --- report --------------------------------------------------------------------------------


def print_corpus(title: str, corpus: dict | None, error: str | None) -> None:
    if corpus is None:
        print(f"{title}: skipped ({error})")
        return
    print(f"{title}: {corpus['articles']} articles, {corpus['gold_events']} gold events")
    for name, label, extra in (
        (
            "article_clusters",
            "article clusters",
            f"copies found {corpus['predicted_copies']} / gold {corpus['gold_copies']}",
        ),
        ("events", "events", f"predicted events {corpus['predicted_events']} / gold {corpus['gold_events']}"),
    ):
        scores = corpus[name]
        print(
            f"  {label:17} B-cubed precision {scores['precision']:.3f}  recall {scores['recall']:.3f}  "
            f"F1 {scores['f1']:.3f}  ({extra})"
        )
    apart = sum(d["apart"] for d in corpus["distractors"])
    merged = "".join(f"; MERGED {d['pair'][0]} + {d['pair'][1]}" for d in corpus["distractors"] if not d["apart"])
    print(f"  distractor pairs apart: {apart}/{len(corpus['distractors'])}{merged}")
    print(
        f"  dedup step alone: {corpus['articles']} reports in {corpus['dedup_seconds']:.3f} CPU s = "
        f"{corpus['dedup_reports_per_second']:.0f} reports/s"
    )


def print_scale(scale: dict) -> None:
    after = scale["seconds_per_1000_after"]
    rate, window = scale["articles_per_day"], scale["window_days"]
    print(f"scale (synthetic mentions, {rate} articles/day, window {window:g} days):")
    for point, seconds in after.items():
        print(f"  1,000 articles after {int(point):,} seen: {seconds:.3f} CPU s")
    if len(after) == len(SCALE_CHECKPOINTS):
        first, last = after[str(SCALE_CHECKPOINTS[0])], after[str(SCALE_CHECKPOINTS[-1])]
        print(f"  ratio after {SCALE_CHECKPOINTS[-1]:,} / after {SCALE_CHECKPOINTS[0]:,}: {last / first:.2f}")
    print(
        f"  state at the end: {scale['live_events']:,} live events, {scale['live_articles']:,} indexed articles, "
        f"longest candidate list {scale['longest_candidate_list']}, "
        f"expire {scale['expire_ms_per_call']:.1f} ms per call, "
        f"candidate lists rebuilt from the event states in {scale['candidate_rebuild_seconds']:.2f} CPU s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--verbose", action="store_true", help="list the predicted events of the corpus")
    parser.add_argument(
        "--scale-articles",
        type=int,
        default=SCALE_CHECKPOINTS[-1] + SCALE_BATCH,
        help="synthetic articles for the scale test (0 skips it)",
    )
    parser.add_argument("--skip-corpus", action="store_true", help="scale test only")
    args = parser.parse_args()

    raws, gold = load_corpus()
    results: dict = {"end_to_end": None, "end_to_end_error": "--skip-corpus", "annotated": None}
    if not args.skip_corpus:
        verbose = args.verbose and not args.json
        try:
            results["end_to_end"] = run_corpus(end_to_end_articles(raws), gold, verbose)
            results["end_to_end_error"] = None
        except (ImportError, NotImplementedError) as exc:  # clean or extract not there yet
            results["end_to_end_error"] = f"{type(exc).__name__}: {exc}"
        results["annotated"] = run_corpus(annotated_articles(raws), gold, verbose)
    results["scale"] = run_scale(args.scale_articles) if args.scale_articles else None
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"corpus: {CORPUS.relative_to(ROOT)}")
    if not args.skip_corpus:
        print_corpus("end to end (clean -> extract -> dedup)", results["end_to_end"], results["end_to_end_error"])
        print_corpus("dedup on hand-annotated mentions (mentions.json)", results["annotated"], None)
    if results["scale"]:
        print_scale(results["scale"])


if __name__ == "__main__":
    main()
