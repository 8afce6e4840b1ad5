"""The worker's HTTP edge against a hostile client (issue 20), on a real worker and broker: each
numbered probe of the issue, and the read token (issue 19, item 4). Every request loop is
bounded; raw sockets where a well-behaved client library would not send what an attacker does."""

from __future__ import annotations

import base64
import contextlib
import gzip
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.harness import Pipeline, metric_total, produce
from tests.integration.test_web import chromium
from tests.schema_check import validate
from tests.unit.test_filters import make_event

TOKEN = "edge-ingest-token-41c2"
READ_TOKEN = "edge-read-token-9d07"
IDLE_TIMEOUT = 2.0
WRITE_TIMEOUT = 2.0
MAX_ITEMS = 50
MAX_STREAMS = 4


@dataclass
class Edge:
    pipeline: Pipeline
    worker: object

    @property
    def port(self) -> int:
        return self.worker.web_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time of every thread of the worker process so far (ns precision, from the scheduler)."""
        total = 0
        for stat in Path(f"/proc/{self.worker.pid}/task").glob("*/schedstat"):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
                total += int(stat.read_text().split()[0])
        return total / 1e9

    def log(self) -> str:
        return self.worker.log_path.read_text(errors="replace")

    def post(self, body: bytes, media_type: str = "application/x-ndjson", **headers: str) -> httpx.Response:
        headers = {"Content-Type": media_type, "Authorization": f"Bearer {TOKEN}", **headers}
        return httpx.post(self.url + "/ingest", content=body, headers=headers, timeout=30)

    def dead_letters(self, stage: str = "ingest") -> list[dict]:
        """The dead letters of a stage, in no particular order (the topic has several partitions)."""
        letters = [orjson.loads(value) for _, value in self.pipeline.read_to_end("articles.dlq")]
        return [letter for letter in letters if letter["stage"] == stage]


@pytest.fixture(scope="module")
def edge(kafka, tmp_path_factory) -> Iterator[Edge]:
    pipeline = Pipeline(kafka, tmp_path_factory.mktemp("edges"))
    pipeline.env.update(
        {
            "WIREWATCH_INGEST_TOKEN": TOKEN,
            "WIREWATCH_WEB_READ_TOKEN": READ_TOKEN,
            "WIREWATCH_WEB_IDLE_TIMEOUT": str(IDLE_TIMEOUT),
            "WIREWATCH_WEB_BODY_TIMEOUT": "10",
            "WIREWATCH_INGEST_MAX_ITEMS": str(MAX_ITEMS),
            "WIREWATCH_WEB_MAX_STREAMS": str(MAX_STREAMS),
            "WIREWATCH_WEB_STREAM_BUFFER": "16384",
            "WIREWATCH_WEB_STREAM_WRITE_TIMEOUT": str(WRITE_TIMEOUT),
        }
    )
    worker = pipeline.start_worker(stages="clean")
    yield Edge(pipeline, worker)
    pipeline.stop_all()


def article(article_id: str) -> bytes:
    return orjson.dumps({"id": article_id, "body": f"NALCHIK, May 2 - The bridge reopened on Friday ({article_id})."})


def exchange(port: int, head: bytes, body_chunks=(), read_timeout: float = 10.0) -> bytes:
    """Send a request head, then what body chunks the server still takes; everything it answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed: it did not want the rest
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    return answer


def gzip_zeros(size: int, block: int = 1 << 20) -> Iterator[bytes]:
    """A gzip stream of `size` zero bytes, compressed as it is sent (never held whole)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(block)
    for _ in range(size // block):
        yield compressor.compress(zeros)
    yield compressor.flush()


def test_1_an_unauthorised_gzip_bomb_is_answered_from_its_headers_and_costs_no_cpu(edge):
    """Probe 1: the server inflated an unauthorised body after answering 401 (7 s of CPU per 10 GiB)."""
    bomb_size = 1 << 30  # inflates to 1 GiB: about a second of CPU if anything inflated it
    for path, status in (("/ingest", b"401"), ("/no-such-page", b"404")):
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
            f"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        before, started = edge.cpu_seconds(), time.monotonic()
        chunks = (b"%x\r\n%s\r\n" % (len(c), c) for c in gzip_zeros(bomb_size) if c)
        answer = exchange(edge.port, head, chunks)
        time.sleep(0.5)  # whatever the worker still does with it
        cpu = edge.cpu_seconds() - before
        assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
        assert time.monotonic() - started < 10
        assert cpu < 0.25, f"{path}: {cpu:.3f} s of worker CPU"


def test_2_a_mostly_bad_batch_is_one_dead_letter_and_a_small_gzip_of_many_lines_is_refused(edge):
    """Probe 2: a 230-byte gzip of 100,000 lines of `x` made 100,000 dead letters."""
    before = len(edge.dead_letters())
    lines = gzip.compress(b"x\n" * 100_000)
    refused = edge.post(lines, **{"Content-Encoding": "gzip"})
    assert refused.status_code == 413 and str(MAX_ITEMS) in refused.json()["error"]

    batch = b"\n".join([article("edge-mostly-1"), *(b"{broken %d" % n for n in range(30)), article("edge-mostly-2")])
    whole = edge.post(batch)
    assert whole.status_code == 400
    answer = whole.json()
    assert answer["accepted"] == 0 and answer["rejected_total"] == 30 and "30 of its 32" in answer["error"]

    letters = edge.dead_letters()
    assert len(letters) == before + 1, [letter["error"] for letter in letters]
    (summary,) = [letter for letter in letters if base64.b64decode(letter["original"]) == batch]
    validate("articles.dlq", summary)
    assert summary["reason"] == "malformed_json" and "malformed_json 30" in summary["error"]
    assert base64.b64decode(summary["original"]) == batch
    raw_ids = {key for key, _ in edge.pipeline.read_to_end("articles.raw")}
    assert b"edge-mostly-1" not in raw_ids  # refused whole: the two good ones were not sent either


def test_4_a_0xff_byte_in_authorization_is_401(edge):
    """Probe 4: a byte 0xff in the Authorization header gave 500."""
    head = b"POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\nContent-Length: 0\r\n\r\n"
    answer = exchange(edge.port, head)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    for header in (f"bearer {TOKEN}", f"Bearer {TOKEN} x"):
        response = edge.post(article("edge-loose"), media_type="application/json", Authorization=header)
        assert response.status_code == 401


def test_4_a_body_shorter_than_its_content_length_does_not_hold_the_connection(edge):
    """Probe 4: a Content-Length larger than the body held the connection 20 s and more."""
    for head in (
        f"POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id": ',
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ",  # headers that never end
    ):
        started = time.monotonic()
        answer = exchange(edge.port, head.encode(), read_timeout=30)
        held = time.monotonic() - started
        assert held < IDLE_TIMEOUT + 3, f"held {held:.1f}s"
        if "Content-Length" in head:
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_6_an_empty_body_is_dead_lettered_and_clean_stage_dead_letters_name_the_article(edge):
    """Probe 6: an empty body reached no dead-letter topic; the clean stage's dead letters had
    article_id null; a malformed request logged a traceback."""
    before = len(edge.dead_letters())
    for body in (b"", b" \n\t "):
        response = edge.post(body, media_type="application/json")
        assert response.status_code == 400 and response.json()["rejected"][0]["reason"] == "empty_body"
    produce(
        edge.pipeline,
        "articles.raw",
        [
            (b"edge-raw-schema", orjson.dumps({"article_id": "edge-raw-schema", "body": "no other field"})),
            (b"edge-raw-broken", b'{"article_id": "edge-raw-broken", "body": '),
        ],
    )
    letters = edge.dead_letters()
    assert len(letters) == before + 2
    empty = [letter for letter in letters if letter["reason"] == "empty_body" and "/ingest" in letter["origin"]]
    assert sorted(base64.b64decode(letter["original"]) for letter in empty) == [b"", b" \n\t "]
    deadline = time.monotonic() + 60
    while len(edge.dead_letters("clean")) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    cleaned = {letter["article_id"]: letter for letter in edge.dead_letters("clean")}
    assert set(cleaned) == {"edge-raw-schema", "edge-raw-broken"}
    assert cleaned["edge-raw-broken"]["reason"] == "malformed_json"

    log_before = len(edge.log())
    answer = exchange(edge.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header: \x01\r\n\r\n")
    assert answer.split(b" ", 2)[1] == b"400", answer[:200]
    time.sleep(0.5)
    logged = edge.log()[log_before:]
    assert "Error handling request" in logged and "Traceback" not in logged, logged


def test_the_live_page_opened_with_the_read_token_goes_live_in_a_browser(edge):
    """Issue 19, item 4: the page's own requests (its scripts, the land, the EventSource) carry the
    read token in the cookie that /ui?access_token= set; without it the page is refused."""
    browser = chromium()
    try:
        browser.get(edge.url + "/ui")
        assert "this worker's events need its read token" in browser.page_source
        browser.get(f"{edge.url}/ui?access_token={READ_TOKEN}")
        WebDriverWait(browser, 60).until(
            lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "live"
        )
    finally:
        browser.quit()


def test_7_a_client_that_never_reads_a_stream_is_dropped_and_counted_and_streams_are_capped(edge):
    """Probe 7: clients that connected to the stream and never read stayed open indefinitely."""
    events = [make_event(f"ev_{n:016x}") for n in range(6000)]  # about 8 MB to replay to each client
    produce(edge.pipeline, "events.enriched", [(e["event_id"].encode(), orjson.dumps(e)) for e in events])
    auth = {"Authorization": f"Bearer {READ_TOKEN}"}
    deadline = time.monotonic() + 60
    while httpx.get(f"{edge.url}/events/{events[-1]['event_id']}", headers=auth, timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the worker's view never had the events"
        time.sleep(0.5)

    dropped = metric_total(edge.port, "wirewatch_web_streams_dropped_total", reason="slow")
    request = f"GET /events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {READ_TOKEN}\r\n\r\n".encode()
    sockets = []
    try:
        for _ in range(MAX_STREAMS):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and never read
            sock.connect(("127.0.0.1", edge.port))
            sock.sendall(request)
            sockets.append(sock)
        deadline = time.monotonic() + 30
        while metric_total(edge.port, "wirewatch_web_streams_dropped_total", reason="slow") < dropped + MAX_STREAMS:
            assert time.monotonic() < deadline, "slow clients were not dropped"
            time.sleep(0.5)
    finally:
        for sock in sockets:
            sock.close()

    # At most WIREWATCH_WEB_MAX_STREAMS open at once: the next one is turned away and counted.
    full = metric_total(edge.port, "wirewatch_web_streams_dropped_total", reason="full")
    with contextlib_streams(edge, MAX_STREAMS) as opened:
        assert all(response.status_code == 200 for response in opened)
        refused = httpx.get(f"{edge.url}/events/stream", headers=auth, timeout=10)
        assert refused.status_code == 503 and "Retry-After" in refused.headers
    assert metric_total(edge.port, "wirewatch_web_streams_dropped_total", reason="full") == full + 1


class contextlib_streams:
    """`count` streams opened and read as they come (in the background), closed on exit."""

    def __init__(self, edge: Edge, count: int) -> None:
        self.client = httpx.Client(timeout=30, headers={"Authorization": f"Bearer {READ_TOKEN}"})
        self.edge, self.count = edge, count
        self.responses: list[httpx.Response] = []

    def __enter__(self) -> list[httpx.Response]:
        for _ in range(self.count):
            response = self.client.send(self.client.build_request("GET", self.edge.url + "/events/stream"), stream=True)
            self.responses.append(response)
        return self.responses

    def __exit__(self, *exc) -> None:
        for response in self.responses:
            response.close()
        self.client.close()


def test_the_read_token_guards_events_and_the_page_but_not_metrics_or_the_api_document(edge):
    """Issue 19, item 4: a read token separate from the ingest token."""
    for path in ("/events", "/events/ev_0000000000000000", "/events/stream", "/ui", "/ui/static/app.js"):
        assert httpx.get(edge.url + path, timeout=10).status_code == 401, path
        wrong = httpx.get(edge.url + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert wrong.status_code == 401, path  # the ingest token does not read
    assert httpx.get(edge.url + "/events", headers={"Authorization": f"Bearer {READ_TOKEN}"}).status_code == 200
    assert httpx.get(edge.url + "/events", params={"access_token": READ_TOKEN, "limit": 1}).status_code == 200

    with httpx.Client(base_url=edge.url, timeout=10) as browser:
        page = browser.get("/ui", params={"access_token": READ_TOKEN})
        assert page.status_code == 200 and "wirewatch_read_token" in page.headers["set-cookie"]
        assert "httponly" in page.headers["set-cookie"].lower()
        assert browser.get("/ui/static/app.js").status_code == 200  # the cookie is enough
    assert httpx.get(edge.url + "/metrics", timeout=10).status_code == 200
    document = httpx.get(edge.url + "/openapi.yaml", timeout=10)
    assert document.status_code == 200 and document.text.startswith("openapi: 3.1")
    ingest_with_read_token = edge.post(article("edge-read"), Authorization=f"Bearer {READ_TOKEN}")
    assert ingest_with_read_token.status_code == 401
