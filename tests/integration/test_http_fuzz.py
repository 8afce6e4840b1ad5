"""Property-based fuzzing of every endpoint of the worker's HTTP API (docs/openapi.yaml) against a
real worker and broker (issue 20): whatever a client sends (paths, query parameters, tokens and
header bytes, content types and encodings, bodies), the worker never answers 5xx other than
what the document promises, answers only statuses the document lists, never hangs, causes at
most one dead letter per accepted article (one in all for a request refused whole), and loses
no good article that a well-behaved client posts meanwhile. Bounded: a fixed number of
examples, every request with a timeout."""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import ROOT, Pipeline

TOKEN = "fuzz-ingest-token-5be1"
READ_TOKEN = "fuzz-read-token-77a0"
EXAMPLES = 200
REQUEST_TIMEOUT = 10.0
API = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
OPERATIONS = sorted((path, method) for path, item in API["paths"].items() for method in item)
FILTERS = ["type", "entity", "country", "place", "certainty", "min_sources", "since", "limit"]


@pytest.fixture(scope="module")
def worker(kafka, tmp_path_factory) -> Iterator[tuple[Pipeline, str]]:
    pipeline = Pipeline(kafka, tmp_path_factory.mktemp("fuzz"))
    pipeline.env.update(
        {
            "WIREWATCH_INGEST_TOKEN": TOKEN,
            "WIREWATCH_WEB_READ_TOKEN": READ_TOKEN,
            "WIREWATCH_INGEST_MAX_BYTES": "200000",
            "WIREWATCH_INGEST_MAX_ITEMS": "20",
            "WIREWATCH_WEB_IDLE_TIMEOUT": "2",
        }
    )
    proc = pipeline.start_worker(stages="clean")
    base = f"http://127.0.0.1:{proc.web_port}"
    # The page's land backdrop takes a while to build the first time (then it is cached): not a hang.
    httpx.get(base + "/ui/towns.json", headers={"Authorization": f"Bearer {READ_TOKEN}"}, timeout=60)
    yield pipeline, base
    pipeline.stop_all()


def documented(path: str, method: str) -> set[int]:
    return {int(status) for status in API["paths"][path][method]["responses"]}


# What an HTTP/1.1 client library still sends: visible ASCII and bytes 0x80-0xff (obs-text, 0xff among them).
header_bytes = st.lists(st.integers(0x21, 0xFF).filter(lambda c: c != 0x7F), min_size=1, max_size=40).map(bytes)
authorization = st.one_of(
    st.none(),
    st.sampled_from([f"Bearer {TOKEN}", f"Bearer {READ_TOKEN}", f"bearer {TOKEN}", "Bearer", f"Basic {TOKEN}"]),
    header_bytes.map(lambda b: b"Bearer " + b),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
article_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(min_size=1, max_size=20),
        "body": st.text(max_size=200),
        "title": st.text(max_size=30) | st.integers(),
        "published": st.text(max_size=25),
        "version": st.integers(-2, 5) | st.text(max_size=3),
        "uri": st.text(max_size=20),
    },
)
line = st.one_of(
    article_like.map(orjson.dumps),
    json_value.map(orjson.dumps),
    st.binary(max_size=60),
)
ingest_body = st.one_of(
    st.lists(line, max_size=25).map(b"\n".join),
    article_like.map(orjson.dumps),
    st.binary(max_size=300),
)


@st.composite
def requests(draw) -> dict:
    path, method = draw(st.sampled_from(OPERATIONS))
    url_path = path.replace("{event_id}", quote(draw(st.text(min_size=1, max_size=30)), safe=""))
    params = draw(
        st.lists(st.tuples(st.sampled_from([*FILTERS, "access_token", "colour"]), st.text(max_size=20)), max_size=4)
    )
    headers: dict[str, str | bytes] = {}
    right = TOKEN if path == "/ingest" else READ_TOKEN
    # Mostly the right token, so that what lies behind the check is fuzzed too.
    auth = f"Bearer {right}" if draw(st.integers(0, 9)) < 7 else draw(authorization)
    if auth is not None:
        headers["Authorization"] = auth
    if draw(st.integers(0, 3)) == 0:
        headers["Cookie"] = draw(
            st.sampled_from([f"wirewatch_read_token={READ_TOKEN}".encode(), b"a=b"]) | header_bytes
        )
    request = {"method": method.upper(), "path": url_path, "params": params, "headers": headers, "body": None}
    if method == "post":
        body = draw(ingest_body)
        encoding = draw(st.sampled_from(["identity", "gzip", "deflate", "br", "garbage-gzip", None]))
        if encoding == "gzip":
            body = gzip.compress(body)
        elif encoding == "deflate":
            body = zlib.compress(body)
        elif encoding == "garbage-gzip":
            encoding = "gzip"  # announced, not done
        if encoding:
            headers["Content-Encoding"] = encoding
        media_types = ["application/json", "application/x-ndjson", "application/x-ndjson", "text/plain", "", "a/b"]
        headers["Content-Type"] = draw(st.sampled_from(media_types))
        request["body"] = body
    return request


def send(client: httpx.Client, base: str, request: dict) -> httpx.Response:
    built = client.build_request(
        request["method"],
        base + request["path"],
        params=request["params"],
        headers=request["headers"],
        content=request["body"],
    )
    response = client.send(built, stream=True)
    try:
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()
    finally:
        response.close()  # a stream is left after its headers
    return response


class GoodClient(threading.Thread):
    """Posts a good article every 50 ms while the fuzzing runs; remembers those accepted."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.accepted, self.failures = base, [], []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
            for n in range(100_000):
                if self.stop.wait(0.05):
                    return
                article_id = f"fuzz-good-{n}"
                body = orjson.dumps({"id": article_id, "body": f"GROZNY, June 3 - A school reopened ({n})."})
                response = client.post(
                    self.base + "/ingest",
                    content=body,
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                )
                (self.accepted if response.status_code == 202 else self.failures).append((article_id, response.text))


def test_every_endpoint_holds_against_generated_requests_and_no_good_article_is_lost(worker):
    pipeline, base = worker
    good = GoodClient(base)
    expected_dead_letters = 0
    seen_statuses: dict[tuple[str, str], set[int]] = {}
    client = httpx.Client(timeout=REQUEST_TIMEOUT)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests())
    def holds(request: dict) -> None:
        nonlocal expected_dead_letters
        started = time.monotonic()
        response = send(client, base, request)
        assert time.monotonic() - started < REQUEST_TIMEOUT
        path = next(p for p, m in OPERATIONS if m == request["method"].lower() and _matches(p, request["path"]))
        status = response.status_code
        seen_statuses.setdefault((path, request["method"]), set()).add(status)
        assert status in documented(path, request["method"].lower()), (request, status, response.text[:300])
        assert status < 500 or status == 503 and path == "/events/stream", (request, status, response.text[:300])
        if path == "/ingest" and status in (202, 400) and "accepted" in response.json():
            answer = response.json()
            if "rejected_total" in answer:
                expected_dead_letters += 1  # refused whole: one dead letter
            else:
                assert len(answer["rejected"]) <= max(answer["accepted"], 1), answer
                expected_dead_letters += len(answer["rejected"])

    good.start()
    try:
        holds()
        # A quick draw may end before many good articles were sent: let them reach the count checked below.
        deadline = time.monotonic() + 30
        while len(good.accepted) <= 20 and not good.failures and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        good.stop.set()
        good.join(REQUEST_TIMEOUT + 5)
        client.close()
    assert not good.failures, good.failures[:3]
    assert len(good.accepted) > 20
    raw_ids = {key.decode() for key, _ in pipeline.read_to_end("articles.raw")}
    assert {article_id for article_id, _ in good.accepted} <= raw_ids
    letters = [orjson.loads(value) for _, value in pipeline.read_to_end("articles.dlq")]
    assert sum(letter["stage"] == "ingest" for letter in letters) == expected_dead_letters  # not the clean stage's
    assert httpx.get(base + "/metrics", timeout=REQUEST_TIMEOUT).status_code == 200
    print(f"\n{EXAMPLES} generated requests, statuses per operation: {seen_statuses}; {len(good.accepted)} good")


def _matches(template: str, path: str) -> bool:
    if "{event_id}" not in template:
        return path == template
    prefix = template.split("{")[0]
    return path.startswith(prefix) and "/" not in path[len(prefix) :] and path != "/events/stream"
