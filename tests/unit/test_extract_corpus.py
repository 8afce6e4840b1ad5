"""The extract stage against its hand-annotated corpus: every record valid against the
articles.extracted contract, and the quality floors (entity F1 >= 0.90, event F1 >= 0.80)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from agents.logic.extract import extract_article, load_nlp
from streams.settings import settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


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


@pytest.fixture(scope="session")
def validator():
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.schema.json")]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    extracted = next(s for s in schemas if s["title"] == "articles.extracted")
    return Draft202012Validator(extracted, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_corpus_is_large_and_valid(corpus_run, validator):
    corpus, _ = corpus_run
    clean_schema = json.loads((SCHEMAS / "articles.clean.schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources([(clean_schema["$id"], Resource.from_contents(clean_schema))])
    clean_validator = Draft202012Validator(clean_schema, registry=registry)
    assert len(corpus) >= 40
    for item in corpus:
        assert list(clean_validator.iter_errors(item["clean"])) == [], item["clean"]["article_id"]
        assert {"entities", "events"} <= set(item["gold"])


def test_every_output_is_valid_against_the_contract(corpus_run, validator):
    _, outputs = corpus_run
    for out in outputs:
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(out)]
        assert errors == [], out["article_id"]
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


def test_non_english_articles_get_no_entities_or_events(corpus_run, validator):
    corpus, outputs = corpus_run
    foreign = [out for item, out in zip(corpus, outputs, strict=True) if item["clean"]["language"] != "en"]
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
