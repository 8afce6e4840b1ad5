"""POST /ingest on a real worker (clean stage only) against the real broker."""

from __future__ import annotations

import base64

import httpx
import orjson

from tests.harness import ROOT
from tests.schema_check import validate

TOKEN = "integration-token-7f3a"
MAX_BYTES = 20_000
NINJS = orjson.loads((ROOT / "tests" / "fixtures" / "feeds" / "ninjs_2x.json").read_bytes())


def article(article_id: str) -> dict:
    return {
        "id": article_id,
        "title": "Cable car to Cheget reopens",
        "body": f"TERSKOL, March 5 (Highland Courier) - The cable car to Cheget reopened on Wednesday ({article_id}).",
        "source": "Highland Courier",
        "published": "2025-03-05T09:00:00+03:00",
    }


def post(client: httpx.Client, url: str, body, media_type: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Content-Type": media_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(url, content=body, headers=headers)


def test_http_ingest_accepts_articles_and_refuses_bad_requests_with_the_reason(pipeline):
    pipeline.env.update({"WIREWATCH_INGEST_TOKEN": TOKEN, "WIREWATCH_INGEST_MAX_BYTES": str(MAX_BYTES)})
    worker = pipeline.start_worker(stages="clean")
    url = f"http://127.0.0.1:{worker.web_port}/ingest"
    broken_line = b'{"id": "http-broken", "body": "no end'
    broken_single = b'{"id": "http-single-broken",'
    batch = b"\n".join(
        [
            orjson.dumps(article("http-2")),
            orjson.dumps(article("http-3")),
            b"",
            broken_line,
            b'{"id": "http-empty", "body": "  "}',
            orjson.dumps(NINJS),
        ]
    )

    with httpx.Client(timeout=30) as client:
        one = post(client, url, orjson.dumps(article("http-1")), "application/json")
        assert (one.status_code, one.json()) == (202, {"accepted": 1, "rejected": []})

        many = post(client, url, batch, "application/x-ndjson")
        assert many.status_code == 202
        assert many.json()["accepted"] == 3
        assert [(r["line"], r["reason"]) for r in many.json()["rejected"]] == [
            (4, "malformed_json"),
            (5, "empty_body"),
        ]

        bad = post(client, url, broken_single, "application/json")
        assert bad.status_code == 400
        assert bad.json()["accepted"] == 0 and bad.json()["rejected"][0]["reason"] == "malformed_json"

        for token in (None, "not-the-token"):
            refused = post(client, url, orjson.dumps(article("http-intruder")), "application/json", token=token)
            assert refused.status_code == 401 and "error" in refused.json()
            assert refused.headers["WWW-Authenticate"].startswith("Bearer")

        huge = orjson.dumps(article("http-huge") | {"body": "x" * MAX_BYTES})
        too_large = post(client, url, huge, "application/json")
        assert too_large.status_code == 413 and str(MAX_BYTES) in too_large.json()["error"]
        chunks = (b'{"id": "http-streamed", "body": "' if n == 0 else b"y" * 1000 for n in range(MAX_BYTES // 1000 + 2))
        streamed = post(client, url, chunks, "application/x-ndjson")  # no Content-Length: capped while read
        assert streamed.status_code == 413

        wrong_type = post(client, url, b"Plain text.", "text/plain")
        assert wrong_type.status_code == 415 and "application/x-ndjson" in wrong_type.json()["error"]

    raw = pipeline.read_to_end("articles.raw")
    assert sorted(key.decode() for key, _ in raw) == sorted(["http-1", "http-2", "http-3", NINJS["uri"]])
    for _, value in raw:
        validate("articles.raw", orjson.loads(value))
    wire = next(orjson.loads(v) for k, v in raw if k.decode() == NINJS["uri"])
    assert wire["version"] == 3 and wire["origin"].startswith("POST /ingest from 127.0.0.1")

    dlq = [orjson.loads(value) for _, value in pipeline.read_to_end("articles.dlq")]
    by_original = {base64.b64decode(record["original"]): record for record in dlq}
    assert set(by_original) == {broken_line, broken_single, b'{"id": "http-empty", "body": "  "}'}
    assert {(r["stage"], r["reason"]) for r in dlq} == {("ingest", "malformed_json"), ("ingest", "empty_body")}
    assert by_original[b'{"id": "http-empty", "body": "  "}']["article_id"] == "http-empty"

    # The worker's clean stage takes what the endpoint accepted like any other article.
    cleaned = pipeline.read_json("articles.clean", until=lambda records: len(records) >= 4, timeout=60)
    assert {record["article_id"] for record in cleaned} == {"http-1", "http-2", "http-3", NINJS["uri"]}


def test_http_ingest_is_refused_while_no_token_is_configured(pipeline):
    pipeline.env.pop("WIREWATCH_INGEST_TOKEN", None)
    worker = pipeline.start_worker(stages="clean")
    response = httpx.post(
        f"http://127.0.0.1:{worker.web_port}/ingest",
        content=orjson.dumps(article("http-no-token")),
        headers={"Content-Type": "application/json", "Authorization": "Bearer anything"},
        timeout=30,
    )
    assert response.status_code == 503 and "WIREWATCH_INGEST_TOKEN" in response.json()["error"]
    assert pipeline.read_to_end("articles.raw") == []
