"""The JSON Schemas in schemas/ as validators: one per topic, compiled once.

Producers call `validate(topic_name, payload)` at the boundary. The validators are
jsonschema-rs (compiled in Rust, formats checked): a stage validates every message it
reads and sends, and the pure-Python jsonschema cost a tenth of a worker's time. The tests
check what was really published with the pure-Python jsonschema, an independent reading
of the same schemas.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jsonschema_rs
import orjson

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
TOPICS = ("articles.raw", "articles.clean", "articles.extracted", "events.enriched", "stories.enriched", "articles.dlq")

__all__ = ["SCHEMA_DIR", "TOPICS", "ContractError", "schema", "validate"]


class ContractError(ValueError):
    """A payload does not match its topic's schema; the message names the first violation."""


@functools.cache
def _registry() -> jsonschema_rs.Registry:
    resources = [orjson.loads(path.read_bytes()) for path in sorted(SCHEMA_DIR.glob("*.schema.json"))]
    return jsonschema_rs.Registry([(resource["$id"], resource) for resource in resources])


@functools.cache
def schema(topic: str) -> dict:
    """The JSON Schema of a logical topic name such as 'articles.raw'."""
    if topic not in TOPICS:
        raise KeyError(f"no schema for topic {topic!r}")
    return orjson.loads((SCHEMA_DIR / f"{topic}.schema.json").read_bytes())


@functools.cache
def _validator(topic: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(schema(topic), registry=_registry(), validate_formats=True)


def validate(topic: str, payload: object) -> None:
    """Raise ContractError when payload does not match the topic's schema."""
    validator = _validator(topic)
    if validator.is_valid(payload):
        return
    error = next(iter(validator.iter_errors(payload)))
    where = "/".join(str(part) for part in error.instance_path) or "(root)"
    raise ContractError(f"{where}: {error.message}"[:500])
