"""Clean stage against trafilatura on real pages: the public Zyte article-extraction set.

Reads ../shared/data/zyte-articles-dev (pages and gold article bodies; see its README)
and scores every contender with the benchmark's own metric, its evaluate.py, loaded
from that directory at run time. Contenders run page by page, interleaved, in one
process, on the same decoded page:

    wirewatch            agents.logic.clean.clean_article (metadata, date and language included)
    trafilatura          trafilatura.extract(html, include_comments=False)
    trafilatura-precise  the same with favor_precision=True

Prints F1, precision and recall as evaluate.py computes them (shingle overlap per page,
averaged over pages), pages per second and the speed ratio to trafilatura, pages each
contender left empty, and wirewatch's worst pages. Run from the repository root:

    python bench/clean_real_bench.py [--data DIR] [--rounds N] [--worst N] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from trafilatura.utils import decode_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.logic.clean import CleanError, clean_article  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "zyte-articles-dev"
RECEIVED_AT = "2026-01-01T00:00:00+00:00"


def load_metric(data: Path):
    """The benchmark's evaluate.py as a module, from the data set's own directory."""
    spec = importlib.util.spec_from_file_location("zyte_evaluate", data / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(data: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Gold bodies by page id, and each page decoded to text once (as ingest hands it on)."""
    with gzip.open(data / "ground-truth.json.gz", "rt", encoding="utf-8") as f:
        truth = json.load(f)
    pages = {}
    for page_id in sorted(truth):
        with gzip.open(data / "html" / f"{page_id}.html.gz", "rb") as f:
            pages[page_id] = decode_file(f.read())
    return truth, pages


def wirewatch(page_id: str, html: str, url: str | None) -> str:
    raw = {
        "schema_version": 1,
        "article_id": page_id,
        "content_type": "html",
        "body": html,
        "url": url,
        "received_at": RECEIVED_AT,
    }
    try:
        return clean_article(raw)["body"]
    except CleanError:
        return ""


def trafilatura_default(page_id: str, html: str, url: str | None) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


def trafilatura_precise(page_id: str, html: str, url: str | None) -> str:
    return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""


CONTENDERS: dict[str, Callable[[str, str, str | None], str]] = {
    "wirewatch": wirewatch,
    "trafilatura": trafilatura_default,
    "trafilatura-precise": trafilatura_precise,
}


def run(truth: dict, pages: dict[str, str], rounds: int) -> tuple[dict[str, dict[str, str]], dict[str, float]]:
    """Each contender's body per page and its total seconds. On every page the contenders
    take turns, starting with a different one each page, so that drift in the shared
    machine's speed falls on all of them alike."""
    names = list(CONTENDERS)
    outputs: dict[str, dict[str, str]] = {name: {} for name in names}
    seconds = dict.fromkeys(names, 0.0)
    for round_number in range(rounds):
        for index, (page_id, html) in enumerate(pages.items()):
            shift = (index + round_number) % len(names)
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                body = CONTENDERS[name](page_id, html, truth[page_id].get("url"))
                seconds[name] += time.perf_counter() - started
                outputs[name][page_id] = body
    return outputs, seconds


def page_scores(metric, truth: dict, bodies: dict[str, str]) -> dict[str, tuple[float, float, float]]:
    """(F1, precision, recall) of each page, from the metric's own shingle counts."""
    scores = {}
    for page_id, gold in truth.items():
        tp, fp, fn = metric.string_shingle_matching(true=gold.get("articleBody", ""), pred=bodies[page_id])
        precision = metric.precision_score(tp, fp, fn)
        recall = metric.recall_score(tp, fp, fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[page_id] = (f1, precision, recall)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the zyte-articles-dev directory")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the pages (speed only; bodies agree)")
    parser.add_argument("--worst", type=int, default=8, help="how many of wirewatch's worst pages to show")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    if not (args.data / "evaluate.py").is_file():
        print(f"clean_real_bench: no benchmark data at {args.data}", file=sys.stderr)
        sys.exit(2)

    metric = load_metric(args.data)
    truth, pages = load_pages(args.data)
    # Warm-up outside the clock: the language model and trafilatura's lazy set-up load on first use.
    first = next(iter(pages))
    for contender in CONTENDERS.values():
        contender(first, pages[first], None)
    outputs, seconds = run(truth, pages, args.rounds)

    figures = {}
    for name, bodies in outputs.items():
        scored = metric.evaluate(truth, {k: {"articleBody": v} for k, v in bodies.items()}, n_bootstrap=200)
        figures[name] = {
            "f1": scored["f1"],
            "f1_std": scored["f1_std"],
            "precision": scored["precision"],
            "recall": scored["recall"],
            "pages_per_second": len(pages) * args.rounds / seconds[name],
            "empty_pages": sorted(k for k, v in bodies.items() if not v.strip()),
        }
    for name in figures:
        figures[name]["speed_vs_trafilatura"] = (
            figures[name]["pages_per_second"] / figures["trafilatura"]["pages_per_second"]
        )

    ours = page_scores(metric, truth, outputs["wirewatch"])
    theirs = {name: page_scores(metric, truth, outputs[name]) for name in ("trafilatura", "trafilatura-precise")}
    worst = sorted(ours, key=lambda k: ours[k][0])[: args.worst]
    worst_rows = [
        {
            "page": page_id,
            "url": truth[page_id].get("url"),
            "f1": ours[page_id][0],
            "precision": ours[page_id][1],
            "recall": ours[page_id][2],
            "trafilatura_f1": theirs["trafilatura"][page_id][0],
            "trafilatura_precise_f1": theirs["trafilatura-precise"][page_id][0],
        }
        for page_id in worst
    ]
    better = sum(ours[k][0] > max(t[k][0] for t in theirs.values()) + 0.005 for k in truth)
    poorer = sum(ours[k][0] < max(t[k][0] for t in theirs.values()) - 0.005 for k in truth)

    if args.json:
        print(json.dumps({"pages": len(pages), "rounds": args.rounds, "contenders": figures, "worst": worst_rows}))
        return
    print(f"clean stage on real pages: {args.data.name}, {len(pages)} pages, {args.rounds} round(s), single process")
    print("  metric: the benchmark's evaluate.py (4-gram shingles, P and R averaged over pages)")
    print(f"  {'':<20} {'F1':>6} {'±':>6} {'P':>6} {'R':>6} {'pages/s':>8} {'speed':>6} {'empty':>6}")
    for name, row in figures.items():
        print(
            f"  {name:<20} {row['f1']:6.4f} {row['f1_std']:6.3f} {row['precision']:6.4f} {row['recall']:6.4f}"
            f" {row['pages_per_second']:8.1f} {row['speed_vs_trafilatura']:5.2f}x {len(row['empty_pages']):6d}"
        )
    print("  speed: pages/s relative to trafilatura.extract (default); the machine may be shared")
    best = max(figures[n]["f1"] for n in theirs)
    print(f"  wirewatch F1 minus trafilatura's best mode: {figures['wirewatch']['f1'] - best:+.4f}")
    print(f"  pages where wirewatch is better / poorer than both trafilatura modes by > 0.005 F1: {better} / {poorer}")
    for name, row in figures.items():
        if row["empty_pages"]:
            print(f"  empty in {name}: {', '.join(p[:12] for p in row['empty_pages'])}")
    print(f"  wirewatch's {len(worst_rows)} worst pages (F1 P R | trafilatura F1, precise F1):")
    for row in worst_rows:
        print(
            f"    {row['page'][:12]}  {row['f1']:.3f} {row['precision']:.3f} {row['recall']:.3f}"
            f" | {row['trafilatura_f1']:.3f} {row['trafilatura_precise_f1']:.3f}  {row['url']}"
        )
    print(f"  mean page F1: wirewatch {statistics.mean(v[0] for v in ours.values()):.3f}")


if __name__ == "__main__":
    main()
