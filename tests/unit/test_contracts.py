import base64
import hashlib
import json

import pytest
from jsonschema import Draft202012Validator

from agents.logic.clean import clean_article
from agents.logic.extract import extract_article, load_nlp
from bench.stream_generator import generate
from streams import topics
from streams.contracts import SCHEMA_DIR, TOPICS, ContractError, validate
from streams.deadletter import dead_letter
from streams.settings import settings
from tests import schema_check


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_schema_is_valid_draft_2020_12(path):
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(path.name)


def test_every_public_topic_has_a_schema_and_every_schema_a_topic():
    public = {spec.name for spec in topics.ALL if not spec.internal}
    assert public == set(TOPICS)
    for name in public:
        assert (SCHEMA_DIR / f"{name}.schema.json").exists()


def test_only_the_latest_state_topics_are_compacted():
    assert [spec.name for spec in topics.ALL if spec.compacted] == ["events.enriched", "stories.enriched"]


def test_violation_names_the_field():
    with pytest.raises(ContractError, match="received_at"):
        validate(
            "articles.raw",
            {"schema_version": 1, "article_id": "a1", "content_type": "text", "body": "x", "received_at": "yesterday"},
        )


def test_dead_letter_keeps_the_original_bytes_and_cuts_large_ones():
    original = b"\x00\xffnot json" * 10
    record = dead_letter(stage="clean", reason="malformed_json", error="bad", original=original, limit=16)
    assert record["truncated"] is True
    assert record["original_size"] == len(original)
    assert base64.b64decode(record["original"]) == original[:16]
    assert record["original_sha256"] == hashlib.sha256(original).hexdigest()
    whole = dead_letter(stage="ingest", reason="empty_body", error="empty", original=b"{}", limit=16)
    assert whole["truncated"] is False and base64.b64decode(whole["original"]) == b"{}"


def test_dead_letter_refuses_an_unknown_reason():
    with pytest.raises(ContractError, match="reason"):
        dead_letter(stage="clean", reason="because", error="x", original=b"", limit=10)


def _broken(raw: dict) -> list:
    """The raw article broken in ways the schema forbids."""
    return [
        {**raw, "received_at": "yesterday"},
        {**raw, "published_at": "2026-13-40T99:00:00Z"},
        {**raw, "article_id": 17},
        {k: v for k, v in raw.items() if k != "article_id"},
        {**raw, "content_type": "pdf"},
        {**raw, "schema_version": "1"},
        {**raw, "unknown_field": True},
        [],
        "text",
    ]


def test_stages_and_tests_read_the_schemas_alike():
    """The stages' validator (jsonschema-rs) and the tests' (pure-Python jsonschema) accept and
    refuse the same payloads, on every topic a raw article passes through."""
    nlp = load_nlp(settings.spacy_model)
    good = [report.record for report in generate(6)]
    cases = [("articles.raw", raw) for raw in good + _broken(good[0])]
    for raw in good[:6]:
        clean = clean_article(raw)
        extracted = extract_article(clean, nlp)
        cases += [("articles.clean", clean), ("articles.clean", {**clean, "language": 5})]
        cases += [("articles.extracted", extracted), ("articles.extracted", {**extracted, "events": [{}]})]
    refused = 0
    for topic, payload in cases:
        try:
            validate(topic, payload)
            stage_ok = True
        except ContractError:
            stage_ok = False
            refused += 1
        assert stage_ok == (not schema_check.errors(topic, payload)), (topic, payload)
    assert 0 < refused < len(cases)
