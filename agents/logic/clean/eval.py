"""Scoring a cleaned body against a reference one: the fixture corpus under
tests/fixtures/clean, token overlap and lost sentences. Shared by the unit tests and
bench/clean_bench.py so that both judge the clean stage the same way."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson

FIXTURE_DIR = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "clean"

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')»]*\s+(?=[\"'«(]?[A-ZА-ЯЁ0-9])")


@dataclass(frozen=True)
class Fixture:
    name: str
    raw: dict
    expected: dict


def load_fixtures(directory: Path = FIXTURE_DIR) -> list[Fixture]:
    return [
        Fixture(
            path.name.removesuffix(".input.json"),
            orjson.loads(path.read_bytes()),
            orjson.loads(path.with_name(path.name.replace(".input.json", ".expected.json")).read_bytes()),
        )
        for path in sorted(directory.glob("*.input.json"))
    ]


def tokens(text: str) -> Counter:
    """The multiset of lowercase word tokens."""
    return Counter(_TOKEN.findall(text.lower()))


def token_overlap(output: str, reference: str) -> tuple[int, int, int]:
    """(tokens in both, tokens in output, tokens in reference), counted as multisets."""
    got, wanted = tokens(output), tokens(reference)
    return sum((got & wanted).values()), sum(got.values()), sum(wanted.values())


def f1(common: int, output_total: int, reference_total: int) -> tuple[float, float, float]:
    precision = common / output_total if output_total else 0.0
    recall = common / reference_total if reference_total else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def sentences(body: str) -> list[str]:
    """The reference body's sentences (list items and subheads count as sentences)."""
    return [s.strip() for paragraph in body.split("\n\n") for s in _SENTENCE_END.split(paragraph) if s.strip()]


def lost_sentences(output: str, reference: str) -> list[str]:
    """Sentences of the reference missing from the output, compared with whitespace collapsed."""
    flat = " ".join(output.split())
    return [s for s in sentences(reference) if " ".join(s.split()) not in flat]
