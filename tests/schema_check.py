"""The tests' own reading of schemas/: the pure-Python jsonschema, formats checked.

The stages validate with jsonschema-rs (streams.contracts); the tests check what was
really produced with this independent implementation, so a schema the two read
differently shows up as a failing test rather than as a silent gap.
"""

from __future__ import annotations

import functools

import orjson
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from streams.contracts import SCHEMA_DIR, schema


@functools.cache
def validator(topic: str) -> Draft202012Validator:
    resources = [orjson.loads(path.read_bytes()) for path in sorted(SCHEMA_DIR.glob("*.schema.json"))]
    registry = Registry().with_resources((r["$id"], Resource.from_contents(r)) for r in resources)
    return Draft202012Validator(schema(topic), registry=registry, format_checker=FormatChecker())


def errors(topic: str, payload: object) -> list[str]:
    """Every violation of the topic's schema, as 'path: message'."""
    found = validator(topic).iter_errors(payload)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


def validate(topic: str, payload: object) -> None:
    """Fail (AssertionError) when payload does not match the topic's schema."""
    found = errors(topic, payload)
    assert not found, f"{topic}: {found}"
