"""Extract stage benchmark: quality against the hand-annotated corpus, and speed against a bare
spaCy NER pass over the same bodies with the same model.

    python bench/extract_bench.py [--json] [--rounds N]

Entities match on normalised name (or any variant, or the gazetteer name) and kind. An event
matches a gold event when the types are equal, a gold actor shares a name (surname-level) with a
predicted actor, and, where the gold gives them, the locations and the time starts agree.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from agents.logic.extract import extract_article, load_nlp  # noqa: E402
from agents.logic.extract.gazetteer import DISTRICT_WORDS, REGION_WORDS, fold_key, gazetteer, norm_key  # noqa: E402
from streams.settings import settings  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "extract"
# New articles go here first: measured before any rule is tuned on them, they estimate quality on
# unseen text; then they join CORPUS.
HOLDOUT = CORPUS / "holdout"
_PLACE_TYPE = re.compile(r"\b(?:{})\b".format("|".join(DISTRICT_WORDS + REGION_WORDS + ("of",))), re.IGNORECASE)


def load_corpus(path: Path = CORPUS) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(path.glob("*.json"))]


# -- matching ----------------------------------------------------------------------------


def _forms(entity: dict) -> set[str]:
    forms = {norm_key(entity["name"]), *(norm_key(v) for v in entity.get("variants", []))}
    if entity.get("place") and entity["place"].get("canonical"):
        forms.add(norm_key(entity["place"]["canonical"]))
    return forms


def _surnames(names: list[str]) -> set[str]:
    return {norm_key(n) for n in names} | {norm_key(n.split()[-1]) for n in names if n.split()}


def _place_key(name: str | None) -> str:
    return fold_key(_PLACE_TYPE.sub(" ", name or ""))


def location_agrees(gold: str, predicted: dict | None) -> bool:
    if predicted is None:
        return False
    return _place_key(gold) in {_place_key(predicted.get("canonical")), _place_key(predicted.get("reported"))}


def event_matches(gold: dict, pred: dict) -> bool:
    if gold["type"] != pred["type"]:
        return False
    if gold["actors"]:
        predicted = _surnames([n for a in pred["actors"] for n in [a["name"], *a.get("variants", [])]])
        if not _surnames([a["name"] for a in gold["actors"]]) & predicted:
            return False
    if gold.get("location") and not location_agrees(gold["location"], pred.get("location")):
        return False
    return not (gold.get("time") and (pred.get("time") is None or pred["time"]["start"] != gold["time"]["start"]))


def _pair(gold: list, pred: list, match) -> tuple[int, list, list]:
    """Greedy one-to-one matching: (true positives, unmatched gold, unmatched predictions)."""
    used, missed = set(), []
    for g in gold:
        hit = next((i for i, p in enumerate(pred) if i not in used and match(g, p)), None)
        if hit is None:
            missed.append(g)
        else:
            used.add(hit)
    return len(used), missed, [p for i, p in enumerate(pred) if i not in used]


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def score(corpus: list[dict], outputs: list[dict]) -> dict:
    ent = Counter()
    ev = Counter()
    per_type: dict[str, Counter] = {}
    errors = []
    for item, out in zip(corpus, outputs, strict=True):
        gold = item["gold"]
        tp, missed, extra = _pair(
            gold["entities"], out["entities"], lambda g, p: g["kind"] == p["kind"] and norm_key(g["name"]) in _forms(p)
        )
        ent.update(tp=tp, fn=len(missed), fp=len(extra))
        tp, missed_ev, extra_ev = _pair(gold["events"], out["events"], event_matches)
        ev.update(tp=tp, fn=len(missed_ev), fp=len(extra_ev))
        for g in gold["events"]:
            per_type.setdefault(g["type"], Counter())["gold"] += 1
        for p in out["events"]:
            per_type.setdefault(p["type"], Counter())["predicted"] += 1
        for g in missed_ev:
            per_type[g["type"]]["fn"] += 1
        for p in extra_ev:
            per_type[p["type"]]["fp"] += 1
        errors.append(
            {
                "article": item["clean"]["article_id"],
                "missed_entities": missed,
                "extra_entities": extra,
                "missed_events": missed_ev,
                "extra_events": extra_ev,
            }
        )
    types = {}
    for name, c in sorted(per_type.items()):
        tp = c["gold"] - c["fn"]
        types[name] = {**_prf(tp, c["fp"], c["fn"]), "gold": c["gold"], "predicted": c["predicted"]}
    return {
        "entities": _prf(ent["tp"], ent["fp"], ent["fn"]),
        "events": _prf(ev["tp"], ev["fp"], ev["fn"]),
        "event_types": types,
        "errors": errors,
    }


# -- speed -------------------------------------------------------------------------------


def interleaved_rates(cleans: list[dict], nlp, bare, rounds: int) -> tuple[float, float]:
    """Records per second of a bare spaCy pass over the bodies and of the extract stage over the
    clean records, each the median of `rounds` passes taken in turn (the host's speed drifts)."""
    bare_times, extract_times = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for clean in cleans:
            bare(clean["body"])
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for clean in cleans:
            extract_article(clean, nlp)
        extract_times.append(time.perf_counter() - started)
    return len(cleans) / statistics.median(bare_times), len(cleans) / statistics.median(extract_times)


def speed(corpus: list[dict], model: str, rounds: int) -> dict:
    """Articles per second, extract stage against a bare pass of the stock pipeline, interleaved.

    The bare pass is spacy.load(model) as shipped, one nlp(body) per article as the stage makes
    one call per record; the extract stage pays for its entity ruler and paragraph component."""
    cleans = [item["clean"] for item in corpus]
    nlp = load_nlp(model)
    bare = spacy.load(model)
    for clean in cleans:  # warm both up
        extract_article(clean, nlp)
        bare(clean["body"])
    bare_rate, extract_rate = interleaved_rates(cleans, nlp, bare, rounds)
    return {
        "articles": len(cleans),
        "rounds": rounds,
        "bare_ner_articles_per_s": round(bare_rate, 1),
        "extract_articles_per_s": round(extract_rate, 1),
        "ratio": round(extract_rate / bare_rate, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the corpus (median is kept)")
    parser.add_argument("--errors", action="store_true", help="also list misses and false positives")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    gazetteer()  # built once per process, on first use
    gazetteer_seconds = round(time.perf_counter() - started, 2)
    corpus, holdout = load_corpus(), load_corpus(HOLDOUT)
    nlp = load_nlp(settings.spacy_model)
    quality = score(corpus, [extract_article(item["clean"], nlp) for item in corpus])
    unseen = score(holdout, [extract_article(item["clean"], nlp) for item in holdout])
    timing = {**speed(corpus, settings.spacy_model, args.rounds), "gazetteer_build_s": gazetteer_seconds}
    if args.json:
        figures = {k: v for k, v in quality.items() if k != "errors" or args.errors}
        held = {k: v for k, v in unseen.items() if k in ("entities", "events")} if holdout else {}
        print(
            json.dumps(
                {
                    "model": settings.spacy_model,
                    "articles": len(corpus),
                    **figures,
                    "holdout": {"articles": len(holdout), **held},
                    "speed": timing,
                },
                indent=2,
            )
        )
        return 0
    print(f"corpus: {len(corpus)} articles, model {settings.spacy_model}")
    _print_prf(quality)
    print("events by type:")
    for name, t in quality["event_types"].items():
        print(
            f"  {name:18} gold={t['gold']:3} pred={t['predicted']:3}  "
            f"P={t['precision']:.2f} R={t['recall']:.2f} F1={t['f1']:.2f}"
        )
    print(
        f"speed: extract {timing['extract_articles_per_s']} articles/s, bare NER {timing['bare_ner_articles_per_s']} "
        f"articles/s, ratio {timing['ratio']:.2f} (median of {timing['rounds']} rounds; "
        f"gazetteer built once in {timing['gazetteer_build_s']} s)"
    )
    if holdout:
        print(f"held-out: {len(holdout)} articles not yet used to tune the rules")
        _print_prf(unseen)
    if args.errors:
        for err in quality["errors"] + unseen["errors"]:
            if any(err[k] for k in ("missed_entities", "extra_entities", "missed_events", "extra_events")):
                print(f"-- {err['article']}")
                for key in ("missed_entities", "extra_entities", "missed_events", "extra_events"):
                    for x in err[key]:
                        print(f"   {key}: {_brief(x)}")
    return 0


def _print_prf(quality: dict) -> None:
    for label in ("entities", "events"):
        f = quality[label]
        print(
            f"  {label:9} P={f['precision']:.3f} R={f['recall']:.3f} F1={f['f1']:.3f}  "
            f"(tp={f['tp']} fp={f['fp']} fn={f['fn']})"
        )


def _brief(item: dict) -> str:
    if "kind" in item and "type" not in item:
        return f"{item['name']} ({item['kind']})"
    actors = ", ".join(f"{a['name']}/{a['role']}" for a in item["actors"])
    location = (
        item["location"]
        if isinstance(item["location"], str) or item["location"] is None
        else item["location"].get("canonical") or item["location"].get("reported")
    )
    start = item["time"]["start"] if item.get("time") else None
    return f"{item['type']} [{actors}] at {location} on {start} ({item['certainty']}) {item.get('casualties')}"


if __name__ == "__main__":
    sys.exit(main())
