"""Unauthenticated gzip bombs against a real worker's HTTP port (issue 20), on loopback only.

A worker (clean stage) on its own broker takes, from clients without a token, POSTs whose
bodies are gzip streams that would inflate to 10 GiB of zeros (about 10 MB each, made as they
are sent, never held whole). Prints for each request its answer, its time and the worker's
CPU for it (from /proc/<pid>/task/*/schedstat, nanoseconds), as measured and net of the
worker's idle CPU over the same time; then the latency of good articles posted with the token
(POST /ingest to 202, which includes the broker's acknowledgement) without and with the attack
running two bombs at a time. Goal: under 5 ms of worker CPU per unauthorised request, good
articles' latency unchanged within noise. Every loop is bounded.
Usage: python bench/http_edges_bench.py [--requests 20] [--gib 10]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import Pipeline, start_broker, stop_broker  # noqa: E402

TOKEN = "bench-token-3e9d"
BLOCK = 1 << 20  # bytes of zeros per compressed block
GOOD_INTERVAL = 0.1  # seconds between good articles
GOOD_COUNT = 60


class GzipBomb:
    """A gzip member of `size` zero bytes, as `BLOCK`-sized deflate blocks, each compressed once:
    after a full flush a compressor starts afresh, so every block compresses to the same bytes
    and the stream is that block repeated (checked on a small bomb before use)."""

    def __init__(self, size: int) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        zeros = bytes(BLOCK)
        first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        self.block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        assert first == self.block, "blocks after a full flush differ"
        self.end = compressor.flush(zlib.Z_FINISH)
        self.blocks = size // BLOCK
        crc = 0
        for _ in range(self.blocks):
            crc = zlib.crc32(zeros, crc)
        self.trailer = crc.to_bytes(4, "little") + (self.blocks * BLOCK % 2**32).to_bytes(4, "little")

    @property
    def compressed_size(self) -> int:
        return 10 + self.blocks * len(self.block) + len(self.end) + 8

    def chunks(self, per_chunk: int = 64) -> Iterator[bytes]:
        yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip header: deflate, no name, no time
        for start in range(0, self.blocks, per_chunk):
            yield self.block * min(per_chunk, self.blocks - start)
        yield self.end + self.trailer


def check_construction() -> None:
    small = GzipBomb(64 * BLOCK)
    inflated = zlib.decompress(b"".join(small.chunks()), 31)
    assert inflated == bytes(64 * BLOCK), "the bomb is not a valid gzip stream"


def cpu_seconds(pid: int) -> float:
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1e9


def bomb_request(port: int, bomb: GzipBomb, path: str = "/ingest") -> tuple[str, float]:
    """One unauthorised POST with the bomb as its body; (status line or what happened, seconds)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
        f"Content-Encoding: gzip\r\nContent-Length: {bomb.compressed_size}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        try:
            for chunk in bomb.chunks():
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused: the server closed without reading the rest
        try:
            while len(answer) < 65536 and (data := sock.recv(65536)):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "connection closed, no answer read"
    return status, time.monotonic() - started


class GoodArticles(threading.Thread):
    """Posts GOOD_COUNT good articles with the token, one every GOOD_INTERVAL; their latencies."""

    def __init__(self, port: int, tag: str) -> None:
        super().__init__(daemon=True)
        self.port, self.tag = port, tag
        self.latencies: list[float] = []
        self.failed = 0

    def run(self) -> None:
        with httpx.Client(timeout=60) as client:
            for n in range(GOOD_COUNT):
                body = orjson.dumps({"id": f"bench-{self.tag}-{n}", "body": f"MAGAS, July 1 - A road reopened ({n})."})
                started = time.monotonic()
                response = client.post(
                    f"http://127.0.0.1:{self.port}/ingest",
                    content=body,
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                )
                self.latencies.append(time.monotonic() - started)
                self.failed += response.status_code != 202
                time.sleep(GOOD_INTERVAL)


def describe(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
        f" ({len(ordered)} articles)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="unauthorised bomb requests")
    parser.add_argument("--gib", type=int, default=10, help="GiB each bomb inflates to")
    args = parser.parse_args()
    check_construction()
    started = time.monotonic()
    bomb = GzipBomb(args.gib << 30)
    print(
        f"http edges benchmark: {args.requests} unauthorised POSTs of a gzip body of"
        f" {bomb.compressed_size / 1e6:.1f} MB that inflates to {args.gib} GiB"
        f" (made in {time.monotonic() - started:.1f} s); loopback, shared machine",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="wirewatch-edges-") as tmp:
        tmp_path = Path(tmp)
        bootstrap = start_broker(tmp_path / "kafka")
        pipeline = Pipeline(bootstrap, tmp_path / "deployment")
        pipeline.env["WIREWATCH_INGEST_TOKEN"] = TOKEN
        try:
            worker = pipeline.start_worker(stages="clean")
            port = worker.web_port
            time.sleep(5)  # let the worker settle after its start
            idle_started, idle_cpu = time.monotonic(), cpu_seconds(worker.pid)
            time.sleep(5)
            idle_rate = (cpu_seconds(worker.pid) - idle_cpu) / (time.monotonic() - idle_started)
            print(f"  worker idle: {idle_rate * 1000:.1f} ms of CPU per second", flush=True)

            bomb_request(port, bomb)  # a first one, not counted: the server's code paths warm up
            costs = []
            for n in range(args.requests):
                path = "/ingest" if n % 4 else "/no-such-page"
                before, at = cpu_seconds(worker.pid), time.monotonic()
                status, seconds = bomb_request(port, bomb, path)
                time.sleep(0.1)  # anything the worker still does with it
                cpu = cpu_seconds(worker.pid) - before
                net = cpu - idle_rate * (time.monotonic() - at)
                costs.append(net)
                print(
                    f"  bomb {n + 1:2d} {path:<14} {status:<32} {seconds * 1000:7.1f} ms;"
                    f" worker CPU {cpu * 1000:6.2f} ms ({net * 1000:6.2f} ms net of idle)",
                    flush=True,
                )
            print(
                f"  worker CPU per unauthorised request, net of idle: mean {statistics.mean(costs) * 1000:.2f} ms,"
                f" max {max(costs) * 1000:.2f} ms (goal < 5 ms)",
                flush=True,
            )

            quiet = GoodArticles(port, "quiet")
            quiet.start()
            quiet.join(GOOD_COUNT * (GOOD_INTERVAL + 60))
            print(f"  good articles, no attack:           {describe(quiet.latencies)}", flush=True)
            attacked = GoodArticles(port, "attacked")
            attack_cpu = cpu_seconds(worker.pid)
            attacked.start()
            sent = 0
            while attacked.is_alive() and sent < args.requests:
                pair = [threading.Thread(target=bomb_request, args=(port, bomb)) for _ in range(2)]
                for thread in pair:
                    thread.start()
                for thread in pair:
                    thread.join(120)
                sent += 2
            attacked.join(GOOD_COUNT * (GOOD_INTERVAL + 60))
            print(
                f"  good articles, two bombs at a time: {describe(attacked.latencies)}; {sent} bombs sent meanwhile,"
                f" worker CPU {(cpu_seconds(worker.pid) - attack_cpu) * 1000:.0f} ms in all",
                flush=True,
            )
            if quiet.failed or attacked.failed:
                print(f"  good articles not accepted: {quiet.failed + attacked.failed}")
                return 1
        finally:
            pipeline.stop_all()
            stop_broker(tmp_path / "kafka")
    return 0


if __name__ == "__main__":
    sys.exit(main())
