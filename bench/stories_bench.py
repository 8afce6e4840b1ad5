"""Stories benchmark: ECB+ dev topics in one streaming pass, against a batch baseline, and cost at scale.

Run from the repository root: `.venv/bin/python bench/stories_bench.py [--json] [--skip-scale]`.

Quality, on ../shared/data/ecbplus-dev (topics 1-20), scored as its README says: every
document of every topic through one `process_paths` call (what `wirewatch process` runs),
in the order given (topic by topic, numerically), undated ones at FIXED_DATE; a
document's predicted cluster is its story; a document refused on the way counts alone.
B-cubed precision/recall/F1 over documents, for all topics, per topic (the worst shown),
and for topics 1-10 and 11-20 apart (a check that nothing is tuned to one half).

Baseline, in the same script: batch TF-IDF (smoothed idf, sublinear tf, l2 norm) over
each document's title and body, cosine distance, average-linkage agglomerative
clustering (scipy), the distance threshold tuned on topics 1-10 and applied to all:
the method the dataset's README reports (0.86 on the held-out topics). It sees all
documents at once; the story stage sees each once, in order.

Streamed: the same documents through a real broker and worker (one partition per topic,
so that they meet the story stage in the same order), undated ones given FIXED_DATE in
the files ingested; the story ids on articles.extracted must form the same clusters as
in process.

Cost: the story stage alone (StoryIndex.assign) on a synthetic stream of story_input
records (`synthetic_stream`: ARTICLES_PER_DAY, a few hundred stories open in the
window), expiring once per simulated day: the mean CPU time per article over COST_SAMPLE
articles after 10,000 and after 100,000 articles of history. (bench/stream_generator.py's
reports are not used here: one template per event kind makes them one story per template,
see the README.)
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.logic.dedup import received_time  # noqa: E402
from agents.logic.stories import StoryIndex, story_input  # noqa: E402
from streams.settings import settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ecbplus-dev"
FIXED_DATE = "2010-01-01T12:00:00+00:00"
TUNING_TOPICS = range(1, 11)
COST_CHECKPOINTS = (10_000, 100_000)
COST_SAMPLE = 1_000
QUALITY_SAMPLE = 10_000  # synthetic articles whose stories are scored, as a check that the stream is clustered
WORST_SHOWN = 5


# --- data and scoring ----------------------------------------------------------------------


def topic_files() -> list[Path]:
    return sorted(DATA.glob("topic_*.jsonl"), key=lambda path: int(path.stem.split("_")[1]))


def load_gold() -> dict[str, tuple[int, str]]:
    """article id -> (topic, gold story = topic + subtopic)."""
    gold = {}
    for line in (DATA / "gold.tsv").read_text().splitlines()[1:]:
        article_id, topic, subtopic = line.split("\t")
        gold[article_id] = (int(topic), topic + subtopic)
    return gold


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 over the items of gold; an item without a prediction is alone."""
    clusters: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    label = {item: predicted.get(item, f"alone:{item}") for item in gold}
    for item in gold:
        clusters[label[item]].add(item)
        classes[gold[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        together = len(clusters[label[item]] & classes[gold[item]])
        precision += together / len(clusters[label[item]])
        recall += together / len(classes[gold[item]])
    precision, recall = precision / len(gold), recall / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def scores(predicted: dict[str, str], gold: dict[str, tuple[int, str]], topics=None) -> dict:
    chosen = {item: story for item, (topic, story) in gold.items() if topics is None or topic in topics}
    return dict(zip(("precision", "recall", "f1"), bcubed(predicted, chosen), strict=True))


# --- the story stage -----------------------------------------------------------------------


def run_streamed(expected: int) -> dict[str, str]:
    """article id -> story id as articles.extracted carries it, through a real broker and worker
    (waiting for the `expected` articles that clean lets through)."""
    import tempfile

    from tests.harness import Pipeline, start_broker, stop_broker

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        files = []
        for path in topic_files():
            documents = [json.loads(line) for line in path.read_text().splitlines()]
            dated = [{**document, "published_at": document.get("published_at") or FIXED_DATE} for document in documents]
            files.append(tmp_path / path.name)
            files[-1].write_text("".join(json.dumps(document) + "\n" for document in dated))
        bootstrap = start_broker(tmp_path / "kafka")
        pipeline = Pipeline(bootstrap, tmp_path / "run", partitions=1)
        try:
            pipeline.start_worker()
            ingested = pipeline.run("ingest", *map(str, files))
            if ingested.returncode != 0:
                raise RuntimeError(ingested.stderr)
            extracted = pipeline.read_json("articles.extracted", until=lambda v: len(v) >= expected, timeout=1800)
        finally:
            pipeline.stop_all()
            stop_broker(tmp_path / "kafka")
    return {record["article_id"]: record["story_id"] for record in extracted}


def run_stories() -> tuple[dict[str, str], float, int]:
    """(article id -> story id, seconds, refused) through the whole in-process pipeline."""
    from agents.logic.pipeline import process_paths

    started = time.perf_counter()
    result = process_paths(topic_files(), settings, published_at=FIXED_DATE)
    return result.story_of, time.perf_counter() - started, len(result.refused)


# --- the batch baseline --------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def tfidf_matrix(texts: list[str]) -> np.ndarray:
    """Rows: l2-normalised sublinear-tf x smoothed-idf vectors (scikit-learn's TfidfVectorizer defaults)."""
    counts = [Counter(_WORD.findall(text.lower())) for text in texts]
    vocabulary = {term: index for index, term in enumerate(sorted({term for c in counts for term in c}))}
    matrix = np.zeros((len(texts), len(vocabulary)))
    for row, c in enumerate(counts):
        for term, count in c.items():
            matrix[row, vocabulary[term]] = 1 + math.log(count)
    df = np.count_nonzero(matrix, axis=0)
    matrix *= np.log((1 + len(texts)) / (1 + df)) + 1
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def average_linkage(matrix: np.ndarray) -> np.ndarray:
    """The dendrogram of average-linkage clustering under cosine distance (cut it with fcluster)."""
    distances = np.clip(1 - matrix @ matrix.T, 0, 2)
    return linkage(distances[np.triu_indices(len(matrix), k=1)], method="average")


def run_baseline(gold: dict[str, tuple[int, str]]) -> tuple[dict[str, str], float]:
    """(article id -> cluster, threshold tuned on TUNING_TOPICS)."""
    documents = [json.loads(line) for path in topic_files() for line in path.read_text().splitlines()]
    ids = [document["article_id"] for document in documents]
    tree = average_linkage(
        tfidf_matrix([f"{document.get('title') or ''}\n{document['body']}" for document in documents])
    )
    tuning = {item: story for item, (topic, story) in gold.items() if topic in TUNING_TOPICS}
    best = None
    for threshold in np.arange(0.50, 1.0, 0.01):
        labels = fcluster(tree, t=threshold, criterion="distance")
        predicted = {item: str(label) for item, label in zip(ids, labels, strict=True)}
        f1 = bcubed(predicted, tuning)[2]
        if best is None or f1 > best[0]:
            best = (f1, float(threshold), predicted)
    return best[2], best[1]


# --- cost ----------------------------------------------------------------------------------

VOCABULARY = 50_000
ARTICLES_PER_DAY = 100
BACKGROUND_WORDS, TOPICAL_WORDS = 80, 12


def _word(number: int) -> str:
    """A made-up word for a number (letters only, as the tokenizer keeps letters): 0 -> 'bab'."""
    letters = ""
    number = int(number)
    while True:
        number, digit = divmod(number, 20)
        letters += "bcdfghjklmnpqrstvwxz"[digit] + "aeiou"[digit % 5]
        if not number:
            return letters + "n"


def synthetic_stream(total: int, seed: int = 5) -> Iterator[tuple[dict, str]]:
    """(story_input record, gold event) for `total` articles, ARTICLES_PER_DAY of them a day: each
    event has its own rare words, a person and a place, and 3-6 reports of them amid common words
    (Zipf-distributed), published within two days. Enough stories open in the window (a few
    hundred) for the candidate retrieval to be exercised as on real news."""
    rng = np.random.default_rng(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    made, event = 0, 0
    while made < total:
        words = rng.integers(2_000, VOCABULARY, TOPICAL_WORDS)
        person, place = f"{_word(event).title()} {_word(event + 7).title()}", _word(rng.integers(300)).title()
        day = start + timedelta(days=made / ARTICLES_PER_DAY)
        for _ in range(int(rng.integers(3, 7))):
            published = day + timedelta(minutes=int(rng.integers(0, 2 * 24 * 60)))
            background = np.minimum(rng.zipf(1.3, BACKGROUND_WORDS), VOCABULARY)
            topical = rng.choice(words, 8)
            body = " ".join(map(_word, [*background, *topical])) + f" {person} {place}"
            clean = {
                "article_id": f"syn-{made:07d}",
                "title": " ".join(map(_word, topical[:3])) + f" {person.split()[1]}",
                "body": body,
                "source": f"Outlet{rng.integers(40)}",
                "published_at": published.isoformat(),
                "received_at": published.isoformat(),
            }
            entities = [{"name": person, "kind": "person", "mentions": 2}, {"name": place, "kind": "place"}]
            yield story_input(clean, {"entities": entities, "duplicate_of": None}), f"ev{event}"
            made += 1
        event += 1


def run_cost() -> dict:
    """Mean CPU time per article of StoryIndex.assign over COST_SAMPLE articles after each checkpoint."""
    total = max(COST_CHECKPOINTS) + COST_SAMPLE
    index = StoryIndex({}, {})
    timings, stories_open, last_expiry = {}, {}, None
    predicted: dict[str, str] = {}
    gold: dict[str, str] = {}
    sample_from: int | None = None
    elapsed = 0.0
    for seen, (article, event) in enumerate(synthetic_stream(total), start=1):
        now = received_time(article)
        if last_expiry is None or now - last_expiry >= timedelta(days=1):
            index.expire(now)
            last_expiry = now
        started = time.process_time()
        story_id, _ = index.assign(article)
        spent = time.process_time() - started
        if seen <= QUALITY_SAMPLE:
            predicted[article["article_id"]], gold[article["article_id"]] = story_id, event
        if seen - 1 in COST_CHECKPOINTS:
            sample_from, elapsed = seen - 1, 0.0
        if sample_from is not None:
            elapsed += spent
            if seen == sample_from + COST_SAMPLE:
                timings[sample_from] = elapsed / COST_SAMPLE
                stories_open[sample_from] = len(index.stories)
                sample_from = None
    return {
        "ms_per_article": {str(k): v * 1000 for k, v in timings.items()},
        "stories_open": {str(k): v for k, v in stories_open.items()},
        "ratio_100k_to_10k": timings[COST_CHECKPOINTS[1]] / timings[COST_CHECKPOINTS[0]],
        "first_articles_bcubed": dict(zip(("precision", "recall", "f1"), bcubed(predicted, gold), strict=True)),
    }


# --- report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--skip-scale", action="store_true", help="no cost at scale")
    parser.add_argument("--skip-streamed", action="store_true", help="no run through the broker")
    args = parser.parse_args()
    gold = load_gold()
    stories, seconds, refused = run_stories()
    baseline, threshold = run_baseline(gold)
    topics = sorted({topic for topic, _ in gold.values()})
    per_topic = {topic: scores(stories, gold, {topic}) for topic in topics}
    figures = {
        "documents": len(gold),
        "refused": refused,
        "seconds": seconds,
        "stories": {
            "all": scores(stories, gold),
            "topics_1_10": scores(stories, gold, range(1, 11)),
            "topics_11_20": scores(stories, gold, range(11, 21)),
            "predicted_stories": len({stories[item] for item in gold if item in stories}),
            "gold_stories": len({story for _, story in gold.values()}),
        },
        "baseline": {
            "threshold": threshold,
            "all": scores(baseline, gold),
            "topics_11_20": scores(baseline, gold, range(11, 21)),
        },
        "worst_topics": {
            str(topic): per_topic[topic] for topic in sorted(topics, key=lambda t: per_topic[t]["f1"])[:WORST_SHOWN]
        },
    }
    if not args.skip_streamed:
        streamed = run_streamed(len(stories))
        in_process = {item: story for item, story in stories.items() if item in streamed}
        figures["streamed"] = {
            "articles": len(streamed),
            "same_clusters_as_in_process": dict(
                zip(("precision", "recall", "f1"), bcubed(streamed, in_process), strict=True)
            ),
            "all": scores(streamed, gold),
        }
    if not args.skip_scale:
        figures["cost"] = run_cost()
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    row = "{:<34} {:>9.3f} {:>7.3f} {:>6.3f}"
    print(f"ECB+ dev topics 1-20: {len(gold)} documents, one pass ({seconds:.0f} s, {refused} refused by clean)")
    print(f"{'B-cubed':<34} {'precision':>9} {'recall':>7} {'F1':>6}")
    for name, key in (
        ("stories, all topics", "all"),
        ("stories, topics 1-10", "topics_1_10"),
        ("stories, topics 11-20", "topics_11_20"),
    ):
        s = figures["stories"][key]
        print(row.format(name, s["precision"], s["recall"], s["f1"]))
    for name, key in (
        (f"batch TF-IDF + average link (t={threshold:.2f})", "all"),
        ("  same, topics 11-20", "topics_11_20"),
    ):
        s = figures["baseline"][key]
        print(row.format(name, s["precision"], s["recall"], s["f1"]))
    print(f"stories: {figures['stories']['predicted_stories']} predicted, {figures['stories']['gold_stories']} gold")
    print(
        "worst topics: "
        + ", ".join(
            f"{t} (F1 {s['f1']:.2f}, P {s['precision']:.2f}, R {s['recall']:.2f})"
            for t, s in figures["worst_topics"].items()
        )
    )
    if "streamed" in figures:
        same = figures["streamed"]["same_clusters_as_in_process"]
        s = figures["streamed"]["all"]
        print(f"streamed through broker and worker: {figures['streamed']['articles']} articles, B-cubed F1 against")
        print(f"  the in-process stories {same['f1']:.3f}; against gold {s['f1']:.3f} (P {s['precision']:.3f})")
    if "cost" in figures:
        cost = figures["cost"]
        for checkpoint, ms in cost["ms_per_article"].items():
            open_now = cost["stories_open"][checkpoint]
            print(f"story stage after {int(checkpoint):>7,} articles: {ms:.3f} ms CPU per article, {open_now} open")
        print(f"cost ratio 100k / 10k: {cost['ratio_100k_to_10k']:.2f}")
        q = cost["first_articles_bcubed"]
        print(
            f"synthetic stream, first {QUALITY_SAMPLE:,} articles: B-cubed P {q['precision']:.3f} R {q['recall']:.3f}"
        )


if __name__ == "__main__":
    main()
