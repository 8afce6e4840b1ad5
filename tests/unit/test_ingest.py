import concurrent.futures
import os
import tracemalloc
from pathlib import Path

import orjson
import pytest

from agents.logic.ingest import (
    Accepted,
    Refused,
    decode,
    derive_article_id,
    read_file,
    read_inputs,
)
from streams.settings import raw_message_limit
from tests.schema_check import validate

LIMIT = 10_000


def read(*paths, limit=LIMIT):
    return list(read_inputs([str(p) for p in paths], limit))


def test_json_lines_with_loosely_named_fields_become_valid_raw_records(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        orjson.dumps(
            {
                "id": "tass-1",
                "headline": "Militants killed",
                "text": "Two militants were killed.",
                "outlet": "TASS",
                "link": "https://example.org/1",
                "published": "2014-04-21 09:30",
            }
        )
        + b"\n\n"
        + orjson.dumps({"title": "No id", "body": "<html><body><p>Police said.</p></body></html>"})
        + b"\n"
    )
    first, second = read(feed)
    assert isinstance(first, Accepted) and isinstance(second, Accepted)
    assert first.record["article_id"] == "tass-1"
    assert first.record["title"] == "Militants killed"
    assert first.record["source"] == "TASS"
    assert first.record["published_at"] == "2014-04-21T09:30:00+00:00"
    assert first.record["content_type"] == "text"
    assert second.record["content_type"] == "html"
    assert second.record["article_id"].startswith("art_")
    for item in (first, second):
        validate("articles.raw", item.record)


def test_bad_lines_are_refused_with_reason_and_original_bytes_and_the_rest_still_read(tmp_path):
    feed = tmp_path / "mixed.jsonl"
    lines = [
        b'{"id": "ok-1", "body": "A good article."}',
        b'{"id": "broken", "body": "unterminated',
        b'{"id": "empty", "body": "   "}',
        b'["not", "an", "object"]',
        b'{"id": "no-body", "title": "Only a title"}',
        orjson.dumps({"id": "huge", "body": "x" * (LIMIT + 1)}),
        b'{"id": "ok-2", "body": "Another good one."}',
    ]
    feed.write_bytes(b"\n".join(lines))
    items = read(feed)
    assert [type(i).__name__ for i in items] == [
        "Accepted",
        "Refused",
        "Refused",
        "Refused",
        "Refused",
        "Refused",
        "Accepted",
    ]
    reasons = [i.reason for i in items if isinstance(i, Refused)]
    assert reasons == ["malformed_json", "empty_body", "schema_violation", "empty_body", "too_large"]
    assert items[1].original == lines[1]
    assert items[1].origin.endswith("mixed.jsonl:2")
    assert items[5].article_id == "huge"


def test_plain_text_html_and_folders(tmp_path):
    (tmp_path / "wire").mkdir()
    (tmp_path / "wire" / "story.txt").write_text("MOSCOW, April 27 (Reuters) - Police said on Sunday.", "utf-8")
    (tmp_path / "wire" / "page.html").write_text("<html><body><p>Story</p></body></html>", "utf-8")
    (tmp_path / "wire" / ".hidden.txt").write_text("skipped", "utf-8")
    items = read(tmp_path / "wire")
    assert sorted(i.record["content_type"] for i in items) == ["html", "text"]
    assert all(isinstance(i, Accepted) for i in items)


def test_a_whole_json_array_file(tmp_path):
    path = tmp_path / "batch.json"
    path.write_bytes(orjson.dumps([{"id": "a", "body": "one"}, {"id": "b", "body": "two"}], option=orjson.OPT_INDENT_2))
    assert [i.record["article_id"] for i in read(path)] == ["a", "b"]


def test_encodings_latin1_is_decoded_binary_junk_refused(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Le président a déclaré que la ville était calme après l'attaque.".encode("latin-1"))
    (item,) = read(latin)
    assert isinstance(item, Accepted) and "président" in item.record["body"]
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 8)
    (refused,) = read(junk)
    assert isinstance(refused, Refused) and refused.reason == "bad_encoding"
    assert refused.original == bytes(range(256)) * 8


def test_size_and_type_limits(tmp_path):
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"a" * LIMIT + b"</p>")
    (too_large,) = read(big)
    assert too_large.reason == "too_large"
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n")
    (unsupported,) = read(image)
    assert unsupported.reason == "unsupported_input"


def test_article_ids_are_stable_and_prefer_the_url():
    assert derive_article_id("https://a/1", "x") == derive_article_id("https://a/1", "different body")
    assert derive_article_id(None, "body one") != derive_article_id(None, "body two")
    assert derive_article_id(None, "same") == derive_article_id(None, "same")


def test_decode_handles_bom_and_refuses_nothing_that_is_text():
    assert decode("\ufeffДагестан".encode()) == "Дагестан"
    with pytest.raises(ValueError):
        decode(bytes(range(256)) * 8)


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    """Issue 20, probe 5: a FIFO named .jsonl hung `wirewatch ingest` (nothing ever writes to it)."""
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    done = concurrent.futures.ThreadPoolExecutor(1).submit(read, fifo)
    (refused,) = done.result(timeout=10)
    assert refused.reason == "unsupported_input" and "not a regular file" in refused.error


def test_a_device_is_refused():
    (refused,) = list(read_file(Path("/dev/zero"), LIMIT))
    assert refused.reason == "unsupported_input" and "not a regular file" in refused.error


def test_a_huge_json_line_is_refused_in_memory_near_the_line_limit(tmp_path):
    """Issue 20, probe 5: a 200 MB JSON line took the CLI to 1 GB before it was refused. Here a
    40 MB line between two good ones, in a file over the whole-document limit: the good ones are
    read, the long one refused, and Python never holds much more than a line's limit."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": "before", "body": "A good article."}\n')
        out.write(b'{"id": "huge", "body": "')
        for _ in range(40):
            out.write(b"x" * 1_000_000)
        out.write(b'"}\n{"id": "after", "body": "Another good one."}\n')
    line_limit = raw_message_limit(LIMIT)
    tracemalloc.start()
    try:
        items = list(read_file(path, LIMIT, max_document_bytes=1_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [type(i).__name__ for i in items] == ["Accepted", "Refused", "Accepted"]
    assert items[1].reason == "too_large" and items[1].origin.endswith("huge.jsonl:2")
    assert "40000026 bytes" in items[1].error
    assert peak < 4 * line_limit + 3_000_000, peak  # the 1 MiB read chunks, not the 40 MB line


def test_a_big_file_that_is_no_json_lines_is_refused_unread(tmp_path):
    path = tmp_path / "big.html"
    path.write_bytes(b"<p>" + b"a" * 2_000_000 + b"</p>")
    (refused,) = list(read_file(path, LIMIT, max_document_bytes=1_000_000))
    assert refused.reason == "too_large" and len(refused.original) <= 65536
