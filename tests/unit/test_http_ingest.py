"""The HTTP endpoint's own decisions: who may post, how a body is inflated, how a batch is
numbered, and how a mostly bad batch is refused."""

import gzip
import zlib

import pytest

from agents.http_ingest import (
    INFLATE_STEP,
    RATIO_FLOOR,
    Inflater,
    RequestRefused,
    check_authorization,
    numbered_entries,
    refused_whole,
)
from agents.logic.ingest import Entry, Refused
from streams.deadletter import article_id_in

TOKEN = "s3cret-token"


def refusal(header, token=TOKEN) -> RequestRefused:
    with pytest.raises(RequestRefused) as caught:
        check_authorization(header, token)
    return caught.value


def test_without_a_configured_token_everything_is_refused_with_503_and_why():
    refused = refusal(f"Bearer {TOKEN}", token="")
    assert refused.status == 503 and "WIREWATCH_INGEST_TOKEN" in str(refused)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        "Bearer wrong",
        f"{TOKEN}",
        # issue 20, probe 4: only exactly `Bearer <token>` passes
        f"bearer {TOKEN}",
        f"BEARER {TOKEN}",
        f"Bearer {TOKEN} ",
        f"Bearer  {TOKEN}",
        f"Bearer\t{TOKEN}",
        f" Bearer {TOKEN}",
        f"Bearer {TOKEN}\t",
    ],
)
def test_a_missing_wrong_or_loosely_written_token_is_401_with_a_challenge(header):
    refused = refusal(header)
    assert refused.status == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_header_with_a_byte_0xff_is_401_not_an_encoding_error():
    # aiohttp hands header bytes that are not UTF-8 over as surrogate escapes
    header = b"Bearer \xff".decode("utf-8", "surrogateescape")
    assert refusal(header).status == 401
    assert refusal(f"Bearer {TOKEN}\udcff").status == 401


def test_only_exactly_bearer_space_token_passes():
    check_authorization(f"Bearer {TOKEN}", TOKEN)


def test_json_lines_are_numbered_by_line_blank_ones_skipped():
    body = b'{"id": "a", "body": "One."}\n\n{broken\n{"id": "b", "body": "Two."}\n'
    numbered = numbered_entries(body, "application/x-ndjson", "POST /ingest")
    assert [(n, type(e)) for n, e in numbered] == [(1, Entry), (3, Refused), (4, Entry)]
    assert numbered[1][1].reason == "malformed_json" and numbered[1][1].original == b"{broken"


def test_a_json_body_is_one_article_and_an_array_is_refused():
    ((number, entry),) = numbered_entries(b'{"id": "a", "body": "One."}', "application/json", "POST /ingest")
    assert number == 1 and isinstance(entry, Entry)
    ((_, refused),) = numbered_entries(b'[{"id": "a"}]', "application/json", "POST /ingest")
    assert refused.reason == "schema_violation"


def test_an_empty_or_blank_body_is_one_article_without_a_body():
    for body in (b"", b"  \n\t\n"):
        for media_type in ("application/json", "application/x-ndjson"):
            ((number, refused),) = numbered_entries(body, media_type, "POST /ingest")
            assert number == 1 and refused.reason == "empty_body" and refused.original == body


def inflate(body: bytes, wbits: int = 31, limit: int = 10_000_000, ratio: int = 100, step: int = 65536) -> Inflater:
    inflater = Inflater(wbits, limit, ratio)
    for start in range(0, len(body), step):
        inflater.feed(body[start : start + step])
    inflater.finish()
    return inflater


def test_a_gzip_or_deflate_body_inflates_to_what_was_compressed():
    text = b'{"id": "a", "body": "One."}\n' * 1000
    assert Inflater(31, 10**7, 100).feed(gzip.compress(text)) == text
    assert Inflater(15, 10**7, 100).feed(zlib.compress(text)) == text


def test_a_gzip_bomb_is_refused_after_inflating_little_of_it():
    bomb = gzip.compress(bytes(200_000_000), compresslevel=9)  # 200 MB of zeros in about 200 KB
    with pytest.raises(RequestRefused) as caught:
        inflate(bomb)
    assert caught.value.status == 413 and "100 times" in str(caught.value)
    with pytest.raises(RequestRefused) as caught:
        inflate(bomb, ratio=10**6, limit=2_000_000)
    assert caught.value.status == 413 and "2000000" in str(caught.value)


def test_the_inflated_size_stays_near_the_floor_before_the_ratio_stops_it():
    inflater = Inflater(31, 10**7, 100)
    bomb = gzip.compress(bytes(50_000_000))
    with pytest.raises(RequestRefused):
        for start in range(0, len(bomb), 65536):
            inflater.feed(bomb[start : start + 65536])
    assert inflater.size <= RATIO_FLOOR + INFLATE_STEP


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"not gzip at all", "not valid"),
        (gzip.compress(b'{"id": "a"}')[:-12], "cut off"),
        (gzip.compress(b"one") + b"trailing", "after the end"),
    ],
)
def test_a_broken_compressed_body_is_400(body, complaint):
    with pytest.raises(RequestRefused) as caught:
        inflate(body)
    assert caught.value.status == 400 and complaint in str(caught.value)


def test_a_batch_refused_whole_is_one_dead_letter_that_counts_the_refusals():
    refused = [Refused("malformed_json", "x", b"x", "o")] * 7 + [Refused("empty_body", "e", b"{}", "o")] * 2
    summary = refused_whole(b"the whole body", refused, 10, "POST /ingest from 127.0.0.1")
    assert summary.reason == "malformed_json" and summary.original == b"the whole body"
    assert "9 of its 10 articles" in summary.error and "malformed_json 7, empty_body 2" in summary.error


@pytest.mark.parametrize(
    ("message", "article_id"),
    [
        (b'{"article_id": "a-1", "body": 3}', "a-1"),
        (b'{"clean": {"article_id": "a-2"}, "duplicate_of": null}', "a-2"),
        (b'{"mention": {}, "article": {"article_id": "a-3"}}', "a-3"),
        (b'{"article_id": 7}', None),
        (b'["a-4"]', None),
        (b'{"article_id": "a-5", ', None),
    ],
)
def test_a_stage_dead_letter_names_the_article_its_message_carries(message, article_id):
    assert article_id_in(message) == article_id
