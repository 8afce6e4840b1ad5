"""`wirewatch feeds` and `wirewatch ingest URL` against HTTP servers on loopback and the real broker.

The server (a thread in the test) serves the feed and wire fixtures with ETag or
Last-Modified validators, answers conditional GETs with 304, has a path that never
answers in time, and logs every request, so the tests can see what the poller asked.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.server
import itertools
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
import yaml

from agents.logic.ingest import derive_article_id
from tests.harness import ROOT, WIREWATCH
from tests.schema_check import validate

FEEDS = ROOT / "tests" / "fixtures" / "feeds"
SLOW_PATH = "/slow.rss"
SLOW_SECONDS = 10.0  # how long the slow path keeps a request waiting (the poller gives up long before)
COURIER_SITE = b"https://highland-courier.example"
FLOOD_ID = "urn:newsml:caspianwire.example:20250304:cw-0412"


class WireServer:
    """Documents served from a thread on 127.0.0.1, with validators, 304s and a request log."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str, str | None, str]] = {}
        self.log: list[tuple[str, int, float]] = []  # (path, status, arrival time)
        self._published = 0
        self._release = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, *args) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes, media_type: str, validator: str | None = None) -> None:
        """Publish (or replace) a document; validator "etag" or "last-modified" allows 304s."""
        self._published += 1
        # A distinct Last-Modified per publication, an hour apart: never the same second twice.
        modified = email.utils.formatdate(1_741_000_000 + 3600 * self._published, usegmt=True)
        self.documents[path] = (body, media_type, validator, modified)

    def statuses(self, path: str) -> list[int]:
        return [status for logged, status, _ in self.log if logged == path]

    def arrivals(self, path: str) -> list[float]:
        return [at for logged, _, at in self.log if logged == path]

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, request: http.server.BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        if request.path == SLOW_PATH:
            self.log.append((request.path, 0, arrived))
            self._release.wait(SLOW_SECONDS)
            return  # no answer at all
        document = self.documents.get(request.path)
        if document is None:
            self._respond(request, 404, b"not here", {"Content-Type": "text/plain"}, arrived)
            return
        body, media_type, validator, modified = document
        headers = {"Content-Type": media_type}
        unchanged = False
        if validator == "etag":
            headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            unchanged = request.headers.get("If-None-Match") == headers["ETag"]
        elif validator == "last-modified":
            headers["Last-Modified"] = modified
            unchanged = request.headers.get("If-Modified-Since") == modified
        self._respond(request, 304 if unchanged else 200, b"" if unchanged else body, headers, arrived)

    def _respond(self, request, status: int, body: bytes, headers: dict, arrived: float) -> None:
        self.log.append((request.path, status, arrived))
        request.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)


@pytest.fixture
def wire_server():
    server = WireServer()
    yield server
    server.stop()


@pytest.fixture
def pollers():
    """Long-running `wirewatch feeds` processes, killed at the end if a test left one running."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def fixture_bytes(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def configure_feeds(pipeline, tmp_path: Path, feeds: list[dict], fetch_timeout: float = 1.0) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": feeds}), "utf-8")
    pipeline.env.update(
        {
            "WIREWATCH_FEEDS_FILE": str(path),
            "WIREWATCH_FEEDS_STATE_DIR": str(tmp_path / "feeds-state"),
            "WIREWATCH_FETCH_TIMEOUT": str(fetch_timeout),
            "WIREWATCH_FETCH_ALLOW": "127.0.0.1",  # the wire server is on loopback
        }
    )


def start_poller(pipeline, pollers: list, name: str) -> subprocess.Popen:
    log = open(pipeline.workdir / f"{name}.log", "wb")  # noqa: SIM115 - the poller writes to it until it stops
    proc = subprocess.Popen(
        [*WIREWATCH, "feeds"], env=pipeline.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.log_path = pipeline.workdir / f"{name}.log"
    pollers.append(proc)
    return proc


def stop_poller(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(20) == 0, proc.log_path.read_text()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}", pytrace=False)
        time.sleep(0.1)


def summary_rows(output: str) -> dict[str, tuple[int, int, int]]:
    """The counts per feed of the table `wirewatch feeds --once` prints (rows of the same feed name added up)."""
    rows: dict[str, tuple[int, int, int]] = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) == 5 and cells[1].isdigit():
            counts = tuple(int(cell) for cell in cells[1:4])
            rows[cells[0]] = tuple(map(sum, zip(rows.get(cells[0], (0, 0, 0)), counts, strict=True)))
    return rows


def records_by_key(messages) -> dict[str, dict]:
    records = {key.decode(): orjson.loads(value) for key, value in messages}
    for record in records.values():
        validate("articles.raw", record)
    return records


def test_polling_sends_each_item_once_and_a_corrected_version_again(pipeline, wire_server, tmp_path):
    server = wire_server
    ninjs_1x, ninjs_2x = (orjson.loads(fixture_bytes(n)) for n in ("ninjs_1x.json", "ninjs_2x.json"))
    courier = fixture_bytes("highland_courier.rss").replace(COURIER_SITE, server.base.encode())
    server.serve("/courier.rss", courier, "application/rss+xml", validator="etag")
    server.serve("/2025/03/02/school", fixture_bytes("school_page.html"), "text/html; charset=utf-8")
    server.serve("/gazette.atom", fixture_bytes("steppe_gazette.atom"), "application/atom+xml", "last-modified")
    server.serve("/wire/ninjs", orjson.dumps([ninjs_1x, ninjs_2x]), "application/json")
    server.serve("/wire/message.xml", fixture_bytes("newsml_message.xml"), "application/vnd.iptc.g2.newsmessage+xml")
    server.serve("/wire/flood.xml", fixture_bytes("newsml_item_v1.xml"), "application/vnd.iptc.g2.newsitem+xml")
    server.serve("/broken.rss", fixture_bytes("broken.rss"), "application/rss+xml")
    configure_feeds(
        pipeline,
        tmp_path,
        [
            {"name": "Highland Courier", "url": server.url("/courier.rss"), "follow_links": True},
            {"name": "Steppe Gazette", "url": server.url("/gazette.atom")},
            {"name": "Caspian Wire", "url": server.url("/wire/ninjs")},
            {"name": "Caspian Wire", "url": server.url("/wire/message.xml")},
            {"name": "Caspian Wire", "url": server.url("/wire/flood.xml")},
            {"name": "Valley Herald", "url": server.url("/broken.rss")},
            {"name": "Slow Times", "url": server.url(SLOW_PATH)},
        ],
    )

    first = pipeline.run("feeds", "--once", timeout=120)
    assert first.returncode == 1, first.stderr  # one feed failed: the slow one
    assert "Slow Times" in first.stderr and "no complete answer within 1s" in first.stderr
    # What each feed came to, as the summary table reports it: (sent, refused, already sent).
    assert summary_rows(first.stderr) == {
        "Highland Courier": (3, 0, 1),  # one item listed twice
        "Steppe Gazette": (2, 0, 0),
        "Caspian Wire": (4, 1, 0),  # three wire documents; a packageItem refused
        "Valley Herald": (0, 1, 0),  # malformed XML
        "Slow Times": (0, 0, 0),
    }

    raw = pipeline.read_to_end("articles.raw")
    records = records_by_key(raw)
    assert len(raw) == len(records) == 9  # the RSS item listed twice went once
    assert set(records) == {
        "hc-2025-0301-ski",
        "hc-2025-0302-school",
        "hc-2025-0303-market",
        "tag:steppe-gazette.example,2025:elista-water",
        "tag:steppe-gazette.example,2025:lagan-port",
        ninjs_1x["uri"],
        ninjs_2x["uri"],
        "urn:newsml:caspianwire.example:20250304:cw-0420",
        FLOOD_ID,
    }
    school, ski = records["hc-2025-0302-school"], records["hc-2025-0301-ski"]
    assert school["content_type"] == "html" and "declared unsafe last year" in school["body"]  # the linked page
    assert ski["body"].startswith("TERSKOL, March 1")  # its page is gone (404): the feed's own text
    assert {records[k]["source"] for k in (ninjs_2x["uri"], FLOOD_ID)} == {"Caspian Wire"}
    assert records[FLOOD_ID]["version"] == 1 and records[ninjs_2x["uri"]]["version"] == 3

    dlq = [orjson.loads(value) for _, value in pipeline.read_to_end("articles.dlq")]
    assert sorted((d["reason"], d["origin"]) for d in dlq) == [
        ("malformed_xml", server.url("/broken.rss")),
        ("unsupported_input", server.url("/wire/message.xml") + "#2"),  # the packageItem
    ]
    broken = next(d for d in dlq if d["reason"] == "malformed_xml")
    assert base64.b64decode(broken["original"]) == fixture_bytes("broken.rss")

    # The wire corrects one story and re-sends an older version of another; the poller starts again.
    server.serve("/wire/flood.xml", fixture_bytes("newsml_item_v2.xml"), "application/vnd.iptc.g2.newsitem+xml")
    server.serve("/wire/ninjs", orjson.dumps([ninjs_1x, {**ninjs_2x, "version": "2"}]), "application/json")
    second = pipeline.run("feeds", "--once", timeout=120)
    assert second.returncode == 1, second.stderr
    assert summary_rows(second.stderr) == {
        "Highland Courier": (0, 0, 0),  # 304
        "Steppe Gazette": (0, 0, 0),  # 304
        "Caspian Wire": (1, 0, 4),  # the correction; the rest, the older version and the refused item known
        "Valley Herald": (0, 0, 1),  # the same broken document: known, not dead-lettered again
        "Slow Times": (0, 0, 0),
    }

    raw_after = pipeline.read_to_end("articles.raw")
    versions = Counter((key.decode(), orjson.loads(value).get("version")) for key, value in raw_after)
    added = versions - Counter((key.decode(), orjson.loads(value).get("version")) for key, value in raw)
    assert added == Counter({(FLOOD_ID, 2): 1})  # only the correction, under the same key
    assert len(raw_after) == len(raw) + 1
    assert len(pipeline.read_to_end("articles.dlq")) == len(dlq)  # the broken feed is not dead-lettered twice
    assert server.statuses("/courier.rss") == [200, 304]  # ETag / If-None-Match
    assert server.statuses("/gazette.atom") == [200, 304]  # Last-Modified / If-Modified-Since
    assert server.statuses("/2025/03/02/school") == [200]  # an unchanged feed fetches no page


def test_the_poller_backs_off_a_failing_feed_and_resends_nothing_after_a_restart(
    pipeline, wire_server, tmp_path, pollers
):
    server = wire_server
    courier = fixture_bytes("highland_courier.rss")
    server.serve("/courier.rss", courier, "application/rss+xml", validator="etag")
    configure_feeds(
        pipeline,
        tmp_path,
        [
            {"name": "Highland Courier", "url": server.url("/courier.rss"), "interval": 0.3},
            {"name": "Slow Times", "url": server.url(SLOW_PATH), "interval": 0.3},
        ],
        fetch_timeout=0.5,
    )
    poller = start_poller(pipeline, pollers, "poller-1")
    wait_for(lambda: len(server.arrivals(SLOW_PATH)) >= 3, 30, "three tries of the slow feed")
    stop_poller(poller)

    # Tries of the slow feed: 0.5s timeout, then 0.3 x 2^n seconds of back-off, growing each time.
    first_gap, second_gap = (b - a for a, b in itertools.pairwise(server.arrivals(SLOW_PATH)[:3]))
    assert second_gap > first_gap + 0.3, (first_gap, second_gap)
    courier_statuses = server.statuses("/courier.rss")
    assert courier_statuses[0] == 200 and len(courier_statuses) >= 3 and set(courier_statuses[1:]) == {304}
    assert len(pipeline.read_to_end("articles.raw")) == 3

    # A new story appears; a new poller process sends it, and nothing it had sent before.
    new_item = (
        b"<item><guid>hc-2025-0304-bus</guid><title>Night bus to Nalchik returns</title>"
        b"<description>NALCHIK, March 4 (Highland Courier) - The night bus from Terskol to Nalchik runs again "
        b"from Friday, the operator said.</description></item></channel>"
    )
    server.serve("/courier.rss", courier.replace(b"</channel>", new_item), "application/rss+xml", "etag")
    poller = start_poller(pipeline, pollers, "poller-2")
    pipeline.read("articles.raw", until=lambda messages: len(messages) >= 4, timeout=30)
    stop_poller(poller)

    raw = pipeline.read_to_end("articles.raw")
    assert sorted(key.decode() for key, _ in raw) == [
        "hc-2025-0301-ski",
        "hc-2025-0302-school",
        "hc-2025-0303-market",
        "hc-2025-0304-bus",
    ]


def test_ingest_reads_a_feed_a_page_and_a_wire_document_by_url(pipeline, wire_server):
    server = wire_server
    server.serve("/gazette.atom", fixture_bytes("steppe_gazette.atom"), "application/atom+xml")
    server.serve("/school", fixture_bytes("school_page.html"), "text/html")
    server.serve("/wire/flood.xml", fixture_bytes("newsml_item_v1.xml"), "application/xml")
    pipeline.env["WIREWATCH_FETCH_ALLOW"] = "127.0.0.1"  # the wire server is on loopback

    result = pipeline.run(
        "ingest", server.url("/gazette.atom"), server.url("/school"), server.url("/wire/flood.xml"), server.url("/gone")
    )
    assert result.returncode == 0, result.stderr
    assert "unsupported_input" in result.stderr

    records = records_by_key(pipeline.read_to_end("articles.raw"))
    page_id = derive_article_id(server.url("/school"), "")
    assert set(records) == {
        "tag:steppe-gazette.example,2025:elista-water",
        "tag:steppe-gazette.example,2025:lagan-port",
        page_id,
        FLOOD_ID,
    }
    assert records[page_id]["url"] == server.url("/school") and records[page_id]["content_type"] == "html"
    ((_, gone),) = pipeline.read_to_end("articles.dlq")
    gone = orjson.loads(gone)
    assert gone["origin"] == server.url("/gone") and "HTTP 404" in gone["error"]


def test_ingest_names_a_source_that_is_neither_a_file_nor_a_url(pipeline):
    result = pipeline.run("ingest", "/no/such/feed.rss")
    assert result.returncode == 2 and "no such file, folder or http(s) URL" in result.stderr
