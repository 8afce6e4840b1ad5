"""`wirewatch process --articles`: one record per article after the whole in-process
pipeline (clean, copies, extraction, event dedup), through the command line itself."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

from agents.logic.clean.eval import FIXTURE_DIR
from streams.cli import main

SCHEMA = orjson.loads((FIXTURE_DIR.parents[2] / "schemas" / "articles.clean.schema.json").read_bytes())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
ADDED_KEYS = {"duplicate_of", "story_id", "event_ids"}

STORY = (
    "NALCHIK, March 1 (Caucasus Wire) - Police killed two gunmen in a shootout in the Kabardino-Balkarian "
    "capital Nalchik on Tuesday morning, the republic's Interior Ministry said.\n\n"
    "The men opened fire on a traffic police patrol on Lenin Avenue and were killed when officers "
    "returned fire, the ministry said in a statement. One officer was wounded."
)
WIRE = [
    {"id": "cw-101", "source": "Caucasus Wire", "published": "2016-03-01T09:30:00+03:00", "body": STORY},
    {"id": "mr-7", "source": "Mountain Radio", "published": "2016-03-01T10:05:00+03:00", "body": STORY},
    {"id": "blank-1", "source": "Caucasus Wire", "body": "   "},
]
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Ski lifts reopen in Elbrus after storm - Mountain Herald</title>
<meta property="og:site_name" content="Mountain Herald">
<meta property="article:published_time" content="0001-01-01T00:00:00Z">
<meta name="dc.date" content="2016-02-20T08:15:00+03:00">
</head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<article><h1>Ski lifts reopen in Elbrus after storm</h1>
<p>The cable cars on Mount Elbrus carried skiers again on Saturday, three days after a storm with winds of
up to 120 km/h forced the resort to shut every lift, the resort's operator said.</p>
<p>Engineers checked the cables and cabins of all four lines overnight before the first skiers were let on,
a spokeswoman for the operator told reporters at the lower station in Azau.</p>
<p>The operator said the upper chairlift would stay closed until the snow on the slopes below the
Garabashi station had been made safe by avalanche teams.</p>
<ul class="related"><li><a href="/n/1">Avalanche warning issued for Baksan gorge</a></li>
<li><a href="/n/2">Record snow in Dombai delights skiers</a></li></ul>
</article><footer>Mountain Herald 2016</footer></body></html>"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("process")
    wire = directory / "wire.jsonl"
    wire.write_bytes(b"\n".join(orjson.dumps(item) for item in WIRE) + b"\n")
    page = directory / "elbrus.html"
    page.write_text(PAGE, encoding="utf-8")
    return [str(wire), str(page)]


def run(*args: str):
    result = CliRunner().invoke(main, ["process", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def json_run(inputs):
    return run(*inputs, "--json", "--articles")


@pytest.fixture(scope="module")
def records(json_run):
    return [orjson.loads(line) for line in json_run.stdout.splitlines()]


def test_one_valid_record_per_admitted_article_in_input_order(records):
    assert [r["article_id"] for r in records[:2]] == ["cw-101", "mr-7"]
    assert len(records) == 3
    for record in records:
        clean_fields = {key: value for key, value in record.items() if key not in ADDED_KEYS}
        assert [error.message for error in VALIDATOR.iter_errors(clean_fields)] == []
        assert record.keys() >= ADDED_KEYS


def test_copies_and_events_are_what_the_later_stages_decided(inputs, records):
    first, copy, page = records
    assert first["duplicate_of"] is None
    assert copy["duplicate_of"] == "cw-101"
    assert page["duplicate_of"] is None
    assert first["event_ids"] and copy["event_ids"] == first["event_ids"]
    # A copy belongs to its original's story; a ski resort reopening is another story.
    assert copy["story_id"] == first["story_id"] and page["story_id"] != first["story_id"]
    events = [orjson.loads(line) for line in run(*inputs, "--json").stdout.splitlines()]
    fed_by_first = [e["event_id"] for e in events if "cw-101" in {s["article_id"] for s in e["sources"]}]
    assert first["event_ids"] == fed_by_first


def test_the_page_shows_what_the_cleaner_kept(records):
    page = records[2]
    assert page["title"] == "Ski lifts reopen in Elbrus after storm"
    assert page["site_name"] == "Mountain Herald"
    # The placeholder 0001-01-01 gives way to the next date in the page's metadata.
    assert page["published_at"].startswith("2016-02-20") and page["published_at_source"] == "html"
    assert page["body"].startswith("The cable cars on Mount Elbrus")
    assert page["body"].count("\n\n") == 2
    for furniture in ("Avalanche warning", "Record snow", "Home", "Mountain Herald 2016"):
        assert furniture not in page["body"]


def test_rejected_inputs_go_to_stderr(json_run):
    assert "blank-1" not in json_run.stdout
    assert "rejected" in json_run.stderr and "empty_body" in json_run.stderr


def test_without_json_a_readable_rendering(inputs):
    text = run(*inputs, "--articles").stdout
    assert "article cw-101" in text and "article mr-7" in text
    assert "copy of:   cw-101" in text
    assert text.count("story:     ") == 3
    assert "Ski lifts reopen in Elbrus after storm" in text
    assert "2016-02-20T08:15:00+03:00 (from html)" in text
