"""Wire formats and feeds to articles.raw records: ninjs 1.x/2.x, NewsML-G2, RSS 2.0, Atom.

Pure mapping, no network (except the XXE test's own loopback server, which must see
no request at all).
"""

import http.server
import threading
from pathlib import Path

import orjson
import pytest

from agents.logic.ingest import (
    Accepted,
    Entry,
    Refused,
    kind_of,
    read_bytes,
    read_entries,
    read_file,
)
from tests.schema_check import validate

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
LIMIT = 900_000


def records(name: str) -> list:
    items = list(read_file(FEEDS / name, LIMIT))
    for item in items:
        if isinstance(item, Accepted):
            validate("articles.raw", item.record)
    return items


def only_record(name: str) -> dict:
    (item,) = records(name)
    assert isinstance(item, Accepted), item
    return item.record


def test_ninjs_1x_maps_headline_html_body_byline_place_subjects_and_version():
    record = only_record("ninjs_1x.json")
    assert record["article_id"] == "urn:caspianwire.example:2025:cw-0407"
    assert record["title"] == "Ferry service between Makhachkala and Aktau resumes after storm"
    assert record["content_type"] == "html" and record["body"].startswith("<p>MAKHACHKALA, March 4")
    assert record["byline"] == "Rustam Idrisov"
    assert record["located"] == "Makhachkala"
    assert record["version"] == 1 and record["urgency"] == 3
    assert record["first_created_at"] == record["published_at"] == "2025-03-04T06:40:00+00:00"
    assert record["subjects"][0] == {"code": "medtop:20000580", "name": "transport"}
    assert record["source"] == "Caspian Wire"  # copyrightholder, for want of a configured outlet


def test_ninjs_2x_takes_the_main_headline_the_html_body_and_keeps_the_version_time_zone():
    record = only_record("ninjs_2x.json")
    assert record["title"] == "Kaspiysk bridge reopens to traffic after month of repairs"
    assert record["content_type"] == "html" and "<p>KASPIYSK" in record["body"]
    assert record["byline"] == "Madina Gadzhieva and Timur Aliev"
    assert record["version"] == 3
    assert record["version_created_at"] == "2025-03-04T09:30:00+03:00"
    assert record["first_created_at"] == "2025-03-04T08:05:00+00:00"
    assert record["subjects"] == [
        {"code": "http://cv.iptc.org/newscodes/mediatopic/20000591", "name": "road transport"},
        {"code": "infrastructure", "name": "infrastructure"},
    ]


def test_ninjs_lines_and_plain_lines_share_a_json_lines_file(tmp_path):
    ninjs = orjson.loads((FEEDS / "ninjs_1x.json").read_bytes())
    feed = tmp_path / "mixed.jsonl"
    feed.write_bytes(orjson.dumps(ninjs) + b"\n" + orjson.dumps({"id": "plain-1", "body": "A plain article."}))
    ninjs_item, plain_item = read_file(feed, LIMIT)
    assert ninjs_item.record["version"] == 1 and ninjs_item.record["located"] == "Makhachkala"
    assert plain_item.record["article_id"] == "plain-1" and "version" not in plain_item.record


def test_newsml_g2_item_with_xhtml_body_becomes_html_without_namespaces():
    record = only_record("newsml_item_v1.xml")
    assert record["article_id"] == "urn:newsml:caspianwire.example:20250304:cw-0412"
    assert record["source"] == "Caspian Wire"
    assert record["title"] == "Flash flood cuts coastal road south of Derbent"
    assert record["byline"] == "By Leyla Amirova"
    assert record["dateline"] == "DERBENT, March 4"
    assert record["located"] == "Derbent"
    assert record["urgency"] == 2 and record["version"] == 1 and record["language"] == "en"
    assert record["version_created_at"] == record["first_created_at"] == "2025-03-04T07:12:00+00:00"
    assert {s["code"] for s in record["subjects"]} == {"medtop:03000000", "medtop:06000000"}
    body = record["body"]
    assert record["content_type"] == "html"
    assert body.startswith("<html><body>") and "xmlns" not in body
    assert "<p>DERBENT, March 4 (Caspian Wire) - A flash flood" in body


def test_a_corrected_version_keeps_the_article_id_and_carries_its_version():
    first, corrected = only_record("newsml_item_v1.xml"), only_record("newsml_item_v2.xml")
    assert corrected["article_id"] == first["article_id"]
    assert (first["version"], corrected["version"]) == (1, 2)
    assert corrected["version_created_at"] > first["version_created_at"]
    assert corrected["first_created_at"] == first["first_created_at"]
    assert "four villages" in corrected["body"]


def test_a_news_message_yields_its_news_items_and_refuses_a_package_item():
    news_item, package = records("newsml_message.xml")
    assert isinstance(news_item, Accepted)
    assert news_item.record["content_type"] == "text"
    assert news_item.record["body"].startswith("NALCHIK, March 4")
    assert news_item.record["source"] == "Caspian Wire"  # provider literal
    assert isinstance(package, Refused) and package.reason == "unsupported_input"
    assert package.article_id == "urn:newsml:caspianwire.example:20250304:pkg-daily"
    assert package.original.startswith(b"<packageItem") and b"pkg-daily" in package.original


def test_rss_items_use_guid_full_content_and_creator_and_keep_duplicates_for_the_poller():
    items = records("highland_courier.rss")
    assert [i.record["article_id"] for i in items] == [
        "hc-2025-0301-ski",
        "hc-2025-0302-school",
        "hc-2025-0301-ski",
        "hc-2025-0303-market",
    ]
    ski, school = items[0].record, items[1].record
    assert ski["byline"] == "Aslan Tembotov" and ski["content_type"] == "text"
    assert ski["published_at"] == "2025-03-01T06:15:00+00:00"
    assert ski["source"] == "Highland Courier - Latest"  # the channel title, when nothing better is known
    assert ski["subjects"] == [{"code": None, "name": "Tourism"}]
    assert "version_created_at" not in ski  # RSS has no update time: the pubDate is not one
    assert school["content_type"] == "html" and "replacing a building" in school["body"]  # content:encoded
    assert school["subjects"] == [{"code": "medtop:05000000", "name": None}]


def test_a_configured_outlet_name_wins_over_the_channel_title():
    data = (FEEDS / "highland_courier.rss").read_bytes()
    records = [e.item(LIMIT).record for e in read_entries(data, "courier", LIMIT, "xml", source="Highland Courier")]
    assert {r["source"] for r in records} == {"Highland Courier"}
    ninjs = (FEEDS / "ninjs_1x.json").read_bytes()
    (wire,) = (e.item(LIMIT).record for e in read_entries(ninjs, "ninjs", LIMIT, "json", source="Configured"))
    assert wire["source"] == "Configured"  # over the copyright holder
    own = orjson.dumps({"id": "x", "body": "Text.", "outlet": "Its Own Outlet"})
    (plain,) = (e.item(LIMIT).record for e in read_entries(own, "line", LIMIT, "json", source="Configured"))
    assert plain["source"] == "Its Own Outlet"


def test_atom_entries_carry_updated_as_the_version_time():
    water, port = (item.record for item in records("steppe_gazette.atom"))
    assert water["article_id"] == "tag:steppe-gazette.example,2025:elista-water"
    assert water["content_type"] == "html" and water["body"].startswith("<p>ELISTA")
    assert water["url"] == "https://steppe-gazette.example/2025/03/04/elista-water"
    assert water["subjects"] == [{"code": "utilities", "name": "Utilities"}]
    assert port["published_at"] == "2025-03-04T09:00:00+00:00"
    assert port["version_created_at"] == "2025-03-04T11:30:00+00:00"
    assert port["byline"] == "Saglar Mandzhieva" and port["content_type"] == "text"


def test_malformed_xml_is_refused_with_the_reason_and_the_whole_document():
    (refused,) = records("broken.rss")
    assert isinstance(refused, Refused) and refused.reason == "malformed_xml"
    assert "not well-formed" in refused.error
    assert refused.original == (FEEDS / "broken.rss").read_bytes()


def test_xml_of_an_unknown_kind_is_refused(tmp_path):
    path = tmp_path / "invoice.xml"
    path.write_bytes(b"<?xml version='1.0'?><invoice><total>12</total></invoice>")
    (refused,) = read_file(path, LIMIT)
    assert refused.reason == "unsupported_input" and "<invoice>" in refused.error


def test_an_xxe_entity_is_refused_and_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", "utf-8")
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>'
        "<rss version='2.0'><channel><title>t</title><item><guid>x1</guid>"
        "<description>before &leak; after</description></item></channel></rss>"
    ).encode()
    items = list(read_bytes(payload, "xxe", LIMIT, media_type="application/rss+xml"))
    assert [(i.reason, type(i)) for i in items] == [("unsupported_input", Refused)]
    assert "declares entities" in items[0].error
    assert b"TOP-SECRET-VALUE" not in orjson.dumps([i.error for i in items])


def test_billion_laughs_is_refused_at_once():
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    payload = f'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY l0 "ha">{laughs}]><rss><channel>&l9;</channel></rss>'
    (refused,) = read_bytes(payload.encode(), "laughs", LIMIT, media_type="application/xml")
    # libxml2's amplification guard may stop it before the entity check does: refused either way.
    assert isinstance(refused, Refused) and refused.reason in ("malformed_xml", "unsupported_input")
    assert "entit" in refused.error


@pytest.fixture
def dtd_server():
    """A loopback server for an external DTD: the reader must never ask it for anything."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b'<!ENTITY leak "FETCHED-FROM-THE-NETWORK">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["feed", "newsml"])
def test_an_external_dtd_is_never_fetched(dtd_server, kind):
    base, requests = dtd_server
    if kind == "feed":
        payload = (
            f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{base}/evil.dtd">'
            "<rss version='2.0'><channel><title>t</title><item><guid>x1</guid>"
            "<description>Body &leak; text</description></item></channel></rss>"
        )
    else:
        payload = (
            f'<?xml version="1.0"?><!DOCTYPE newsItem SYSTEM "{base}/evil.dtd">'
            '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g1" version="1">'
            '<contentSet><inlineData contenttype="text/plain">Body &leak; text</inlineData></contentSet></newsItem>'
        )
    items = list(read_bytes(payload.encode(), kind, LIMIT, media_type="application/xml"))
    assert requests == []
    assert all(b"FETCHED-FROM-THE-NETWORK" not in orjson.dumps(getattr(i, "record", {})) for i in items)


@pytest.mark.parametrize(
    ("head", "media_type", "kind"),
    [
        (b'{"uri": "x"}', "application/json", "json"),
        (b'{"uri": "x"}', None, "json"),
        (b"<?xml version='1.0'?><rss/>", "text/html", "xml"),  # a feed served as HTML
        (b"<rss version='2.0'/>", "application/octet-stream", "xml"),
        (b"<newsItem/>", "application/vnd.iptc.g2.newsitem+xml", "xml"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "text/html", "html"),
        (b"<html><body><p>x</p></body></html>", None, "html"),
        (b"MOSCOW, May 3 - Police said.", "text/plain", "text"),
    ],
)
def test_fetched_bytes_are_read_by_media_type_or_by_their_look(head, media_type, kind):
    assert kind_of(head, media_type=media_type) == kind


def test_a_page_fetched_from_a_url_keeps_the_url_and_takes_its_id_from_it():
    page = (FEEDS / "school_page.html").read_bytes()
    url = "https://highland-courier.example/2025/03/02/school"
    (item,) = read_bytes(page, url, LIMIT, media_type="text/html", url=url)
    assert item.record["url"] == url and item.record["content_type"] == "html"
    (again,) = read_bytes(page + b"<!-- edited -->", url, LIMIT, media_type="text/html", url=url)
    assert again.record["article_id"] == item.record["article_id"]


def test_a_guid_longer_than_the_schema_allows_becomes_a_stable_hash():
    guid = "https://wire.example/" + "a" * 300
    entry = Entry({"guid": guid, "body": "Text."}, b"", "test")
    assert entry.article_id == Entry({"guid": guid, "body": "Other."}, b"", "test").article_id
    assert len(entry.article_id) <= 200 and entry.article_id.startswith("id_")
    validate("articles.raw", entry.item(LIMIT).record)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"version": "4", "urgency": "9"}, {"version": 4, "urgency": 9}),
        ({"version": 2, "urgency": 1}, {"version": 2, "urgency": 1}),
        ({"version": "v2", "urgency": 12}, {}),  # not a version number, out of the IPTC range
        ({"version": 0, "urgency": 0}, {}),
    ],
)
def test_versions_and_urgency_outside_the_contract_are_left_out_not_refused(fields, expected):
    record = Entry({"id": "a", "body": "Text.", **fields}, b"", "test").item(LIMIT).record
    assert {k: record[k] for k in ("version", "urgency") if k in record} == expected


def test_a_guid_stays_as_written_and_a_relative_link_resolves_against_the_feed_address():
    feed = (
        b"<rss version='2.0'><channel><title>t</title><item><guid>hc-7</guid><link>/2025/03/07/story</link>"
        b"<description>Text.</description></item></channel></rss>"
    )
    (item,) = read_bytes(feed, "feed", LIMIT, media_type="application/rss+xml", url="https://courier.example/rss")
    assert item.record["article_id"] == "hc-7"
    assert item.record["url"] == "https://courier.example/2025/03/07/story"
