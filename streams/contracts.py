"""The JSON Schemas in schemas/ as validators: one per topic, loaded once.

Producers call `validate(topic_name, payload)` at the boundary; tests use the same
validators on what was really published.
"""

from __future__ import annotations

import functools
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
TOPICS = ("articles.raw", "articles.clean", "articles.extracted", "events.enriched", "articles.dlq")

__all__ = ["SCHEMA_DIR", "TOPICS", "ContractError", "validate", "validator"]


class ContractError(ValueError):
    """A payload does not match its topic's schema; the message names the first violation."""


@functools.cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        schema = orjson.loads(path.read_bytes())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@functools.cache
def validator(topic: str) -> Draft202012Validator:
    """The validator for a logical topic name such as 'articles.raw'."""
    if topic not in TOPICS:
        raise KeyError(f"no schema for topic {topic!r}")
    schema = orjson.loads((SCHEMA_DIR / f"{topic}.schema.json").read_bytes())
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def validate(topic: str, payload: object) -> None:
    """Raise ContractError when payload does not match the topic's schema."""
    error = next(iter(validator(topic).iter_errors(payload)), None)
    if error is not None:
        raise ContractError(_describe(error))


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"[:500]
