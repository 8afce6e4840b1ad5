"""`wirewatch ingest` against the real broker: good articles on articles.raw, bad input on articles.dlq."""

import base64
import random

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


def test_a_page_over_a_megabyte_gets_through_articles_raw_and_is_cleaned(pipeline, tmp_path):
    """A real page may weigh up to the body limit (2 MB), far above the broker's default cap of
    1 MB a message: here 1.6 MB, almost all an inline image of random bytes that gzip cannot
    shrink, around a short story. It must reach articles.raw and come out of the clean stage."""
    image = base64.b64encode(random.Random(5).randbytes(1_200_000)).decode("ascii")
    paragraphs = "".join(
        f"<p>Volunteers in the valley town counted {n} new nests along the river bank this spring, "
        f"the reserve's warden said on Tuesday, more than in any year since the survey began.</p>"
        for n in range(20, 26)
    )
    page = (
        "<html><head><title>Herons return to the valley</title></head><body><article>"
        f"<h1>Herons return to the valley</h1>{paragraphs}"
        f'<img alt="A heron" src="data:image/png;base64,{image}"></article></body></html>'
    )
    feed = tmp_path / "page.jsonl"
    feed.write_bytes(orjson.dumps({"id": "heavy-page", "body": page, "content_type": "html", "source": "Example"}))
    assert len(page) > 1_500_000

    result = pipeline.run("ingest", str(feed))
    assert result.returncode == 0, result.stderr
    (raw,) = pipeline.read("articles.raw", until=lambda m: len(m) >= 1, timeout=30)
    assert raw[0] == b"heavy-page" and orjson.loads(raw[1])["body"] == page

    pipeline.start_worker(stages="clean")
    (clean,) = pipeline.read_json("articles.clean", until=lambda m: len(m) >= 1, timeout=60)
    validate("articles.clean", clean)
    assert clean["article_id"] == "heavy-page" and clean["title"] == "Herons return to the valley"
    assert "24 new nests" in clean["body"] and "base64" not in clean["body"]
