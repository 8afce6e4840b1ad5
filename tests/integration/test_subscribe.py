"""`wirewatch subscribe` and the Python client against the real broker and a real worker:
start points (the beginning, now, --since), filters, readable and JSON output, and the
README's example. Every event read is checked against schemas/events.enriched."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pytest

from streams.client import subscribe
from streams.filters import FilterError
from streams.settings import Settings
from tests.harness import ROOT, WIREWATCH, Pipeline, latest_versions
from tests.integration.subscribers import (
    BATUMI,
    DERBENT_FIRST,
    DERBENT_SECOND,
    ISTANBUL,
    NALCHIK,
    deployment,
    event_of,
    ingest,
    source_ids,
    wait_for_sources,
)
from tests.schema_check import validate

IDLE_EXIT = "3"  # seconds without a new version before a replaying subscriber stops


@dataclass
class Scene:
    pipeline: Pipeline
    between: datetime  # after the versions of the first two reports, before the next two were sent
    latest: dict[str, dict]  # event id -> its latest version once all four reports are in

    def event_id(self, article_id: str) -> str:
        return event_of(self.latest, article_id)["event_id"]


@pytest.fixture(scope="module")
def scene(kafka, tmp_path_factory) -> Scene:
    """The Derbent killing told once and the Nalchik arrest; a moment; then the second report
    of the killing and the Istanbul arrest."""
    with deployment(kafka, tmp_path_factory.mktemp("subscribe")) as pipeline:
        ingest(pipeline, DERBENT_FIRST, NALCHIK)
        wait_for_sources(pipeline, {DERBENT_FIRST}, {NALCHIK})
        between = datetime.now(UTC)
        ingest(pipeline, DERBENT_SECOND, ISTANBUL)
        latest = wait_for_sources(pipeline, {DERBENT_FIRST, DERBENT_SECOND}, {NALCHIK}, {ISTANBUL})
        yield Scene(pipeline, between, latest)


def run_subscribe(pipeline: Pipeline, *args: str) -> subprocess.CompletedProcess:
    result = pipeline.run("subscribe", "--idle-exit", IDLE_EXIT, *args, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def json_lines(text: str | bytes) -> list[dict]:
    events = [orjson.loads(line) for line in text.splitlines()]
    for event in events:
        validate("events.enriched", event)
    return events


def versions_shown(events: list[dict], event_id: str) -> list[int]:
    return [event["version"] for event in events if event["event_id"] == event_id]


def forward_lines(stream, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


class Running:
    """A long-running command (a live subscriber) whose output lines are read as they come."""

    def __init__(self, args: list[str], pipeline: Pipeline) -> None:
        self.proc = subprocess.Popen(
            args,
            env={**pipeline.env, "PYTHONUNBUFFERED": "1"},  # lines as they are printed
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr: queue.Queue[str] = queue.Queue()
        self.before: list[str] = []  # the lines wait_for_line passed over
        for stream, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=forward_lines, args=(stream, lines), daemon=True).start()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc_info) -> None:
        self.proc.terminate()
        self.proc.wait(30)

    def wait_for_line(self, lines: queue.Queue[str], pattern: str, timeout: float = 60) -> str:
        """The first line matching the pattern within timeout seconds; the lines before it go to self.before."""
        self.before = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in {timeout}s; got {self.before}") from None
            if re.search(pattern, line):
                return line
            self.before.append(line)


def test_json_from_the_beginning_gives_each_version_once_and_ends_with_every_events_latest_state(scene):
    events = json_lines(run_subscribe(scene.pipeline, "--json").stdout)

    shown = [(event["event_id"], event["version"]) for event in events]
    assert len(shown) == len(set(shown)), "a version was shown twice"
    on_topic = json_lines(b"\n".join(value for _, value in scene.pipeline.read_to_end("events.enriched")))
    assert latest_versions(events) == latest_versions(on_topic)
    killing = scene.event_id(DERBENT_FIRST)
    assert versions_shown(events, killing) == [1, 2]
    latest = latest_versions(events)[killing]
    assert latest["type"] == "killed" and latest["num_sources"] == 2
    assert source_ids(latest) == {DERBENT_FIRST, DERBENT_SECOND}
    assert latest["location"]["canonical"] == "Derbent" and latest["location"]["country_code"] == "RU"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--type", "killed"], {DERBENT_FIRST}),
        (["--entity", "aliyev"], {DERBENT_FIRST}),  # the first report's spelling; the event's name is Aliev
        (["--entity", "per_kodzoev_timur"], {NALCHIK}),  # an actor id
        (["--country", "TR"], {ISTANBUL}),
        (["--place", "derbent", "--place", "Istanbul"], {DERBENT_FIRST, ISTANBUL}),  # alternatives
        (["--type", "arrested", "--country", "RU"], {NALCHIK}),  # both must hold
        (["--certainty", "confirmed"], set()),
    ],
)
def test_filters_choose_the_events(scene, filters, expected):
    events = json_lines(run_subscribe(scene.pipeline, "--json", *filters).stdout)
    assert set(latest_versions(events)) == {scene.event_id(article_id) for article_id in expected}


def test_min_sources_shows_an_event_from_the_version_that_reaches_it(scene):
    events = json_lines(run_subscribe(scene.pipeline, "--json", "--min-sources", "2").stdout)
    assert [(e["event_id"], e["version"]) for e in events] == [(scene.event_id(DERBENT_FIRST), 2)]


def test_since_starts_at_a_point_in_time(scene):
    events = json_lines(run_subscribe(scene.pipeline, "--json", "--since", scene.between.isoformat()).stdout)
    assert versions_shown(events, scene.event_id(DERBENT_FIRST)) == [2]  # the corroboration came after
    assert versions_shown(events, scene.event_id(ISTANBUL)) == [1]
    assert versions_shown(events, scene.event_id(NALCHIK)) == []  # not updated since
    assert all(datetime.fromisoformat(e["last_updated_at"]) >= scene.between for e in events)


def test_readable_output_shows_each_event_and_updates_as_updates(scene):
    result = run_subscribe(scene.pipeline, "--entity", "Rustam Aliev")
    out = result.stdout
    assert "following " + scene.pipeline.topic("events.enriched") + " from the beginning" in result.stderr
    first, update = out.split("(update of v1)")
    assert "killed" in first and "v1 (new)" in first and "1 report from 1 outlet" in first
    assert "where: Derbent, Dagestan, RU (42.066, 48.288)" in first
    assert "when:  2016-04-11 (day, from 'on Monday')" in first
    assert "Rustam Ali" in first and "[victim]" in first
    assert "2 reports from 2 outlets" in update
    assert "Derbent Herald (sub-dh-0413) NEW" in update and "Caspian Monitor (sub-cm-0412) NEW" not in update
    assert "Istanbul" not in out and "Kodzoev" not in out


def test_an_unusable_filter_is_refused_before_connecting(scene):
    result = scene.pipeline.run("subscribe", "--type", "riot")
    assert result.returncode == 2
    assert "unknown event type riot" in result.stderr


def test_from_now_shows_only_versions_published_after_it_started(scene):
    with Running([*WIREWATCH, "subscribe", "--from-now", "--json"], scene.pipeline) as live:
        live.wait_for_line(live.stderr, r"following .* from now")
        ingest(scene.pipeline, BATUMI)
        (event,) = json_lines(live.wait_for_line(live.stdout, BATUMI, timeout=120))
        assert live.before == []  # nothing replayed before it
    assert event["type"] == "bombing" and event["location"]["country_code"] == "GE" and event["version"] == 1


def settings_of(pipeline: Pipeline) -> Settings:
    return pipeline.settings()


async def test_python_client_yields_matching_versions_from_the_start_point_asked(scene):
    settings = settings_of(scene.pipeline)
    killing = scene.event_id(DERBENT_FIRST)

    replayed = [e async for e in subscribe(settings, types="killed", countries="RU", idle_timeout=float(IDLE_EXIT))]
    for event in replayed:
        validate("events.enriched", event)
    assert [(e["event_id"], e["version"]) for e in replayed] == [(killing, 1), (killing, 2)]

    recent = [e async for e in subscribe(settings, since=scene.between, idle_timeout=float(IDLE_EXIT))]
    for event in recent:
        validate("events.enriched", event)
    assert {e["event_id"] for e in recent} >= {killing, scene.event_id(ISTANBUL)}
    assert scene.event_id(NALCHIK) not in {e["event_id"] for e in recent}

    with pytest.raises(FilterError, match="min_sources"):
        async for _ in subscribe(settings, min_sources=0):
            pass


def readme_example() -> str:
    """The Python block of the README's Subscribing section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Subscribing\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_example_runs_and_prints_the_corroborated_killing(scene):
    with Running([sys.executable, "-c", readme_example()], scene.pipeline) as example:
        line = example.wait_for_line(example.stdout, scene.event_id(DERBENT_FIRST), timeout=60)
    assert example.before == []  # one outlet is not enough for it: version 1 was not printed
    assert " v2 " in line and "Derbent" in line
