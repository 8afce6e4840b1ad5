"""A flood of bad input through a real worker: 10,000 messages on articles.raw, a fifth of
them malformed in many ways (generated with hypothesis). Every good article is cleaned,
every bad message lands on the dead-letter topic with its reason and original bytes,
the stream never stalls, and the worker's memory stays flat.
"""

from __future__ import annotations

import base64
import random
import time

import orjson
import psutil
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.stream_generator import generate
from tests.harness import HarnessError, metric_total, produce
from tests.schema_check import validate

TOTAL = 10_000
BAD = TOTAL // 5
MAX_BODY_BYTES = 20_000  # the worker's limit in this test, so that huge bodies stay cheap to send
REQUIRED = ("schema_version", "article_id", "content_type", "body", "received_at")

INTS = st.integers(-(2**63), 2**63 - 1)  # what JSON encoders take

# What a well-formed record may be spoiled with, and the reason the worker must give.
WRONG_TYPES = {
    "article_id": st.one_of(INTS, st.lists(INTS, max_size=2), st.just("")),
    "body": st.one_of(st.just(""), INTS, st.dictionaries(st.text(max_size=3), INTS)),
    "content_type": st.text(max_size=8).filter(lambda text: text not in ("text", "html")),
    "published_at": st.one_of(INTS, st.just("the day before yesterday"), st.just("2015-13-45T99:00:00Z")),
    "schema_version": INTS.filter(lambda version: version != 1),
}


def spoil(record: dict) -> st.SearchStrategy[tuple[str, bytes]]:
    """(expected reason, message bytes) for one way of breaking the record."""
    encoded = orjson.dumps(record)
    body_at = encoded.index(b'"body":"') + len(b'"body":"')
    return st.one_of(
        st.binary(max_size=300).map(lambda junk: ("malformed_json", b"\xff" + junk)),
        st.integers(1, len(encoded) - 1).map(lambda cut: ("malformed_json", encoded[:cut])),
        st.one_of(INTS, st.text(max_size=20), st.lists(INTS, max_size=3), st.none()).map(
            lambda value: ("schema_violation", orjson.dumps(value))
        ),
        st.sampled_from(REQUIRED).map(
            lambda field: ("schema_violation", orjson.dumps({k: v for k, v in record.items() if k != field}))
        ),
        st.sampled_from(sorted(WRONG_TYPES)).flatmap(
            lambda field: WRONG_TYPES[field].map(
                lambda value: ("schema_violation", orjson.dumps({**record, field: value}))
            )
        ),
        st.sampled_from([" ", "\n\n\t ", "\u00a0\u2003"]).map(
            lambda body: ("empty_body", orjson.dumps({**record, "body": body}))
        ),
        st.integers(MAX_BODY_BYTES + 1, 3 * MAX_BODY_BYTES).map(
            lambda size: ("too_large", orjson.dumps({**record, "body": ("word " * size)[:size]}))
        ),
        # Invalid UTF-8 inside the JSON string: the bytes are not JSON text at all.
        st.sampled_from([b"\xc3\x28", b"\xa0\xa1", b"\xf0\x28\x8c\x28"]).map(
            lambda bad: ("malformed_json", encoded[:body_at] + bad + encoded[body_at:])
        ),
        # Valid JSON whose body is binary junk decoded as text.
        st.binary(min_size=200, max_size=400).map(
            lambda junk: ("bad_encoding", orjson.dumps({**record, "body": junk.decode("latin-1")}))
        ),
    )


def malformed_messages(templates: list[dict], count: int) -> list[tuple[str, bytes]]:
    drawn: list[tuple[str, bytes]] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.sampled_from(templates).flatmap(spoil))
    def draw(message: tuple[str, bytes]) -> None:
        drawn.append(message)

    while len(drawn) < count:  # hypothesis may stop early once it has seen every small case
        draw()
    return drawn[:count]


def test_ten_thousand_messages_with_a_fifth_malformed(pipeline):
    good = [report.record for report in generate(TOTAL // 4, seed=3)][: TOTAL - BAD]
    assert len(good) == TOTAL - BAD
    bad = malformed_messages(good[:50], BAD)
    assert len({reason for reason, _ in bad}) >= 5, "hypothesis drew too few kinds of bad input"
    messages = [(r["article_id"].encode(), orjson.dumps(r)) for r in good]
    messages += [(f"bad-{n}".encode(), payload) for n, (_, payload) in enumerate(bad)]
    random.Random(5).shuffle(messages)

    pipeline.env["WIREWATCH_MAX_BODY_BYTES"] = str(MAX_BODY_BYTES)
    worker = pipeline.start_worker(stages="clean")
    process = psutil.Process(worker.pid)
    produce(pipeline, "articles.raw", messages)

    # No stall: the count of messages read keeps rising until all are in. Memory is sampled
    # once a quarter of the flood has been read and again at the end.
    rss_at_quarter, last_progress, last_change = None, -1.0, time.monotonic()
    while (progress := metric_total(worker.web_port, "wirewatch_messages_in_total", stage="clean")) < TOTAL:
        if progress != last_progress:
            last_progress, last_change = progress, time.monotonic()
        if time.monotonic() - last_change > 60:
            raise HarnessError(f"the clean stage stalled at {progress:.0f} of {TOTAL} messages")
        if rss_at_quarter is None and progress >= TOTAL / 4:
            rss_at_quarter = process.memory_info().rss
        time.sleep(0.2)
    rss_at_end = process.memory_info().rss

    cleaned = pipeline.read_json("articles.clean", until=lambda values: len(values) >= len(good), timeout=60)
    assert sorted(v["article_id"] for v in cleaned) == sorted(r["article_id"] for r in good)
    dead = pipeline.read_json("articles.dlq", until=lambda values: len(values) >= BAD, timeout=60)
    assert len(dead) == BAD
    expected = {f"bad-{n}": (reason, payload) for n, (reason, payload) in enumerate(bad)}
    for record in dead:
        validate("articles.dlq", record)
        reason, payload = expected[record["key"]]
        assert (record["stage"], record["reason"]) == ("clean", reason), (record["error"], payload[:200])
        assert record["error"]
        assert base64.b64decode(record["original"]) == payload[: len(base64.b64decode(record["original"]))]
    assert {record["key"] for record in dead} == set(expected)

    # Flat: what the worker holds after the last three quarters is not the flood's size again.
    growth = rss_at_end - rss_at_quarter
    print(f"\nworker RSS {rss_at_quarter / 2**20:.0f} MiB at a quarter, {rss_at_end / 2**20:.0f} MiB at the end")
    assert growth < 64 * 2**20, f"worker memory grew {growth / 2**20:.0f} MiB over the last 7,500 messages"
