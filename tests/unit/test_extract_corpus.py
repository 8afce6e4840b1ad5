"""The extract stage against its hand-annotated corpus: every record valid against the
articles.extracted contract, and the quality floors (entity F1 >= 0.90, event F1 >= 0.80)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from agents.logic.extract import extract_article, load_nlp
from streams.settings import settings
from tests.schema_check import errors

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("extract_bench", ROOT / "bench" / "extract_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.fixture(scope="session")
def corpus_run():
    nlp = load_nlp(settings.spacy_model)
    corpus = bench.load_corpus()
    return corpus, [extract_article(item["clean"], nlp) for item in corpus]


def test_corpus_is_large_and_valid(corpus_run):
    corpus, _ = corpus_run
    assert len(corpus) >= 40
    for item in corpus:
        assert errors("articles.clean", item["clean"]) == [], item["clean"]["article_id"]
        assert {"entities", "events"} <= set(item["gold"])


def test_every_output_is_valid_against_the_contract(corpus_run):
    _, outputs = corpus_run
    for out in outputs:
        assert errors("articles.extracted", out) == [], out["article_id"]
        assert out["duplicate_of"] is None


def test_outputs_keep_the_article_identity(corpus_run):
    corpus, outputs = corpus_run
    for item, out in zip(corpus, outputs, strict=True):
        clean = item["clean"]
        assert (out["article_id"], out["fingerprint"], out["published_at"]) == (
            clean["article_id"],
            clean["fingerprint"],
            clean["published_at"],
        )
        assert all(e["mention_id"] == f"{clean['article_id']}#{i}" for i, e in enumerate(out["events"]))


def test_non_english_articles_get_no_entities_or_events(corpus_run):
    corpus, outputs = corpus_run
    foreign = [out for item, out in zip(corpus, outputs, strict=True) if item["clean"]["language"] not in ("en", "und")]
    assert foreign, "the corpus should hold a non-English article"
    assert all(out["entities"] == [] and out["events"] == [] for out in foreign)


def test_corpus_quality_floors(corpus_run):
    corpus, outputs = corpus_run
    quality = bench.score(corpus, outputs)
    assert quality["entities"]["f1"] >= 0.90, quality["entities"]
    assert quality["events"]["f1"] >= 0.80, quality["events"]


def test_event_matching_rules():
    gold = {
        "type": "killed",
        "actors": [{"name": "Arsanali Kambulatov", "role": "victim"}],
        "location": "Khasavyurt",
        "time": {"start": "2014-09-09", "end": "2014-09-09", "precision": "day"},
    }
    pred = {
        "type": "killed",
        "actors": [{"name": "Kambulatov", "variants": []}],
        "location": {"canonical": "Khasavyurt", "reported": "Hasavyurt"},
        "time": {"start": "2014-09-09"},
    }
    assert bench.event_matches(gold, pred)
    assert not bench.event_matches(gold, {**pred, "type": "arrested"})
    assert not bench.event_matches(gold, {**pred, "time": {"start": "2014-09-10"}})
    assert not bench.event_matches(gold, {**pred, "location": {"canonical": "Makhachkala", "reported": "Makhachkala"}})
    assert not bench.event_matches(gold, {**pred, "actors": [{"name": "Shamil Dzhabrailov"}]})
    assert bench.location_agrees("Kizlyarsky district", {"canonical": "Kizlyarsky district", "reported": "x"})
    assert bench.location_agrees("Tsumadinsky district", {"canonical": "Tsumadinskiy Rayon", "reported": "x"})
