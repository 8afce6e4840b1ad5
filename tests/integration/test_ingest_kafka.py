"""`wirewatch ingest` against the real broker: good articles on articles.raw, bad input on articles.dlq."""

import base64

import orjson

from tests.schema_check import validate


def test_ingest_sends_articles_and_dead_letters_bad_input(pipeline, tmp_path):
    feed = tmp_path / "feed.jsonl"
    good = [
        {
            "id": f"a{i}",
            "title": f"Story {i}",
            "body": f"Police in Makhachkala said story {i}.",
            "source": "Example Wire",
            "published": "2014-04-21T10:00:00Z",
        }
        for i in range(5)
    ]
    broken = b'{"id": "bad-1", "body": "no closing quote}'
    feed.write_bytes(b"\n".join([*(orjson.dumps(g) for g in good), broken, b'{"id": "empty", "body": ""}']))
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)) * 4)

    result = pipeline.run("ingest", str(feed), str(tmp_path / "junk.txt"))
    assert result.returncode == 0, result.stderr
    assert "sent" in result.stderr and "malformed_json" in result.stderr and "bad_encoding" in result.stderr

    raw = pipeline.read("articles.raw", until=lambda m: len(m) >= 5, timeout=30)
    assert sorted(k.decode() for k, _ in raw) == [f"a{i}" for i in range(5)]
    for _, value in raw:
        validate("articles.raw", orjson.loads(value))

    dlq = pipeline.read_json("articles.dlq", until=lambda m: len(m) >= 3, timeout=30)
    for record in dlq:
        validate("articles.dlq", record)
        assert record["stage"] == "ingest"
    by_reason = {r["reason"]: r for r in dlq}
    assert set(by_reason) == {"malformed_json", "empty_body", "bad_encoding"}
    assert base64.b64decode(by_reason["malformed_json"]["original"]) == broken
    assert by_reason["bad_encoding"]["origin"].endswith("junk.txt")


def test_ingesting_the_same_file_twice_keeps_the_same_keys(pipeline, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("NALCHIK, May 3 (Example) - Two men were detained on Saturday.", "utf-8")
    for _ in range(2):
        assert pipeline.run("ingest", str(story)).returncode == 0
    raw = pipeline.read("articles.raw", until=lambda m: len(m) >= 2, timeout=30)
    keys = {k for k, _ in raw}
    assert len(raw) == 2 and len(keys) == 1
