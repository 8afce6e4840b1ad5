"""Fetching reaches public addresses only (issue 20, probe 3): checked after name resolution and
on every redirect, and the connection goes to the address checked. A loopback server stands in
for whatever a wirewatch host can reach that the internet cannot."""

from __future__ import annotations

import asyncio
import http.server
import ipaddress
import threading
from collections.abc import Iterator

import pytest

from agents.fetch import AddressPolicy, FetchError, RefusedAddress, fetch, is_public, new_client
from agents.ingest import read_url
from agents.logic.ingest import Refused
from streams.settings import Settings


class Loopback:
    def __init__(self) -> None:
        self.hosts: list[str] = []
        seen = self.hosts

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.headers["Host"])
                if self.path.startswith("/to/"):
                    self.send_response(302)
                    self.send_header("Location", "http://" + self.path.removeprefix("/to/"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"wirewatch_messages_in_total 1\n"  # what a worker's /metrics would give away
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.server.shutdown()
    server.server.server_close()


def get(url: str, allow: str = "", resolver=None) -> bytes:
    async def run() -> bytes:
        client = new_client(Settings(fetch_allow=allow), **({"resolver": resolver} if resolver else {}))
        async with client:
            return (await fetch(client, url, max_bytes=10_000, deadline=5)).content

    return asyncio.run(run())


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "0x7f.1", "017700000001", "127.1", "[::ffff:127.0.0.1]"],
)
def test_loopback_in_any_spelling_is_refused(loopback, host):
    asked = len(loopback.hosts)
    with pytest.raises(FetchError) as caught:
        get(f"http://{host}:{loopback.port}/metrics")
    assert "not a public address" in str(caught.value)
    assert len(loopback.hosts) == asked  # the server never heard of it


def test_a_redirect_to_a_non_public_address_is_refused(loopback):
    # 127.0.0.1 is allowed here, as a wire on the LAN would be; 127.0.0.2 is not.
    assert get(f"http://127.0.0.1:{loopback.port}/metrics", allow="127.0.0.1")
    with pytest.raises(FetchError) as caught:
        get(f"http://127.0.0.1:{loopback.port}/to/127.0.0.2:{loopback.port}/metrics", allow="127.0.0.1")
    assert "127.0.0.2" in str(caught.value) and "not a public address" in str(caught.value)


def test_an_allowed_host_name_is_fetched_and_only_http_and_https_are(loopback):
    assert get(f"http://localhost:{loopback.port}/metrics", allow="localhost").startswith(b"wirewatch")
    with pytest.raises(FetchError):
        get(f"http://localhost:{loopback.port}/metrics", allow="other.example")


def test_the_connection_goes_to_the_address_that_was_checked(loopback):
    """A name the system cannot resolve reaches the server through the address the check
    resolved it to, with its own Host header: nothing resolves it a second time."""
    calls = []

    async def resolver(host: str, port: int):
        calls.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    body = get(f"http://wire.invalid:{loopback.port}/metrics", allow="127.0.0.0/8", resolver=resolver)
    assert body.startswith(b"wirewatch") and calls == ["wire.invalid"]
    assert loopback.hosts[-1] == f"wire.invalid:{loopback.port}"


def test_ingest_of_a_loopback_url_is_dead_lettered_not_sent(loopback):
    async def run():
        async with new_client(Settings()) as client:
            return list(await read_url(client, f"http://127.0.0.1:{loopback.port}/metrics", Settings()))

    (refused,) = asyncio.run(run())
    assert isinstance(refused, Refused) and "not a public address" in refused.error


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1::1", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
    ],
)
def test_what_counts_as_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


def test_a_policy_allows_named_networks_and_hosts():
    policy = AddressPolicy("wire.lan, 10.20.0.0/16")
    policy.check("wire.lan", [ipaddress.ip_address("192.168.0.5")])
    policy.check("feeds.example", [ipaddress.ip_address("10.20.3.4")])
    with pytest.raises(RefusedAddress):
        policy.check("feeds.example", [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.21.0.1")])
