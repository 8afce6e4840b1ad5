"""The worker's HTTP against the real broker and a real worker: recent events, an event by
id, the Server-Sent Events stream with filters, and the live page in headless Chromium
(Debian's chromium and chromedriver, driven by selenium). Every event read is checked
against schemas/events.enriched."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.harness import Pipeline
from tests.integration.subscribers import (
    BATUMI,
    DERBENT_FIRST,
    DERBENT_SECOND,
    ISTANBUL,
    NALCHIK,
    NALCHIK_SECOND,
    deployment,
    event_of,
    ingest,
    source_ids,
    wait_for_sources,
)
from tests.schema_check import validate

TIMEOUT = 120  # seconds for an ingested article to become an event a client sees


@dataclass
class Web:
    pipeline: Pipeline
    url: str

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(self.url + path, params=params, timeout=30)

    def events(self, path: str = "/events", **params) -> list[dict]:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        events = response.json()["events"]
        for event in events:
            validate("events.enriched", event)
        return events

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            assert time.monotonic() < deadline, f"{what}: not within {TIMEOUT}s"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def web(kafka, tmp_path_factory) -> Iterator[Web]:
    with deployment(kafka, tmp_path_factory.mktemp("web")) as pipeline:
        yield Web(pipeline, f"http://127.0.0.1:{pipeline.workers[0].web_port}")


@pytest.fixture(scope="module")
def arrests(web) -> dict[str, dict]:
    """The arrests in Nalchik and Istanbul, each told once, on the topic and in the worker's view."""
    ingest(web.pipeline, NALCHIK, ISTANBUL)
    latest = wait_for_sources(web.pipeline, {NALCHIK}, {ISTANBUL})
    web.wait_for(lambda: set(latest) <= {e["event_id"] for e in web.events()}, "the worker's view has the arrests")
    return latest


def test_recent_events_newest_first_with_filters_and_an_event_by_id(web, arrests):
    nalchik, istanbul = event_of(arrests, NALCHIK), event_of(arrests, ISTANBUL)

    recent = web.events()
    assert [e["last_updated_at"] for e in recent] == sorted((e["last_updated_at"] for e in recent), reverse=True)
    assert [e["event_id"] for e in recent if e["event_id"] in arrests] == [istanbul["event_id"], nalchik["event_id"]]
    assert web.events(country="TR") == [istanbul]
    assert web.events(type="arrested", entity="kodzoev") == [nalchik]
    assert web.events(limit=1) == recent[:1]

    by_id = web.get(f"/events/{nalchik['event_id']}")
    assert by_id.status_code == 200
    validate("events.enriched", by_id.json())
    assert by_id.json() == nalchik

    assert web.get("/events/ev_0000000000000000").status_code == 404
    for params, complaint in (
        ({"type": "riot"}, "unknown event type riot"),
        ({"country": "Russia"}, "two-letter"),
        ({"limit": "0"}, "limit must be"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ):
        refused = web.get("/events", **params)
        assert refused.status_code == 400 and complaint in refused.json()["error"], (params, refused.text)
    assert web.get("/events/stream", since="yesterday-ish").status_code == 400


def server_sent_events(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event name, data) of each Server-Sent Event on a streamed response, comments skipped;
    fails once TIMEOUT seconds have passed (the worker sends a comment at least every 15s)."""
    deadline = time.monotonic() + TIMEOUT
    name, data = "message", []
    for line in response.iter_lines():
        assert time.monotonic() < deadline, f"no more events in {TIMEOUT}s"
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield name, "\n".join(data)
            name, data = "message", []


def test_stream_sends_the_latest_matching_states_then_matching_versions_as_they_come(web, arrests):
    istanbul = event_of(arrests, ISTANBUL)
    query = {"country": ["GE", "TR"]}  # alternatives: Batumi or Istanbul, not the arrest in Nalchik (RU)
    with httpx.stream("GET", f"{web.url}/events/stream", params=query, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = server_sent_events(response)
        replayed = []
        for name, data in messages:
            if name == "ready":
                break
            replayed.append(orjson.loads(data))
            validate("events.enriched", replayed[-1])
        assert replayed == [istanbul]

        # A second report of the Nalchik arrest (RU) reaches the worker's view first, then the
        # Batumi bombing (GE): only the bombing comes down the stream.
        ingest(web.pipeline, NALCHIK_SECOND)
        web.wait_for(
            lambda: any(NALCHIK_SECOND in source_ids(e) for e in web.events(country="RU")), "the second Nalchik report"
        )
        ingest(web.pipeline, BATUMI)
        name, data = next(messages)
    live = orjson.loads(data)
    validate("events.enriched", live)
    assert name == "message" and source_ids(live) == {BATUMI}
    assert live["type"] == "bombing" and live["location"]["country_code"] == "GE"


def chromium() -> webdriver.Chrome:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert browser and driver, "needs Debian's chromium and chromium-driver (scripts/system-deps.sh installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(driver))


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = chromium()
    yield driver
    driver.quit()


def test_live_page_shows_an_ingested_article_as_an_event_and_a_corroborating_report_updates_it_in_place(web, browser):
    browser.get(web.url + "/ui")
    wait = WebDriverWait(browser, TIMEOUT)
    wait.until(lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "live")
    cards_before = len(browser.find_elements(By.CSS_SELECTOR, "article.event"))

    ingest(web.pipeline, DERBENT_FIRST)
    first_source = f'li.source[data-article-id="{DERBENT_FIRST}"]'
    card = wait.until(lambda b: b.find_element(By.CSS_SELECTOR, f"article.event:has({first_source})"))
    event_id = card.get_attribute("data-event-id")
    assert card.get_attribute("data-type") == "killed" and card.get_attribute("data-sources") == "1"
    assert card.find_element(By.CSS_SELECTOR, ".where").text == "Derbent, Dagestan, RU"
    assert card.find_elements(By.CSS_SELECTOR, ".source.new") == []
    assert len(browser.find_elements(By.CSS_SELECTOR, "article.event")) == cards_before + 1

    ingest(web.pipeline, DERBENT_SECOND)
    # The same element (a replaced one would make this reference stale) comes to show two outlets.
    wait.until(lambda b: card.get_attribute("data-sources") == "2")
    assert card.find_element(By.CSS_SELECTOR, ".source-count").text == "2"
    assert card.get_attribute("data-version") == "2"
    (new_source,) = card.find_elements(By.CSS_SELECTOR, ".source.new")
    assert new_source.get_attribute("data-article-id") == DERBENT_SECOND
    assert new_source.find_element(By.TAG_NAME, "strong").text == "Derbent Herald"
    assert new_source.find_element(By.CSS_SELECTOR, ".tag").get_attribute("textContent") == "new source"
    assert len(browser.find_elements(By.CSS_SELECTOR, f'article.event[data-event-id="{event_id}"]')) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "article.event")) == cards_before + 1
    assert browser.find_element(By.CSS_SELECTOR, "article.event").get_attribute("data-event-id") == event_id

    # What the page shows is the event the worker holds, a valid events.enriched message.
    shown = web.get(f"/events/{event_id}").json()
    validate("events.enriched", shown)
    assert shown["version"] == 2 and source_ids(shown) == {DERBENT_FIRST, DERBENT_SECOND}

    # The map and the timeline have it, drawn by the page with nothing fetched from elsewhere.
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, f'#map-points circle[data-event-id="{event_id}"]'))
    assert "Derbent" in browser.find_element(By.ID, "map-points").text
    assert browser.find_elements(By.CSS_SELECTOR, f'#timeline rect[data-event-id="{event_id}"]')
    assert browser.execute_script(
        "const c = document.getElementById('map-land'); "
        "return new Set(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).size > 8"
    ), "the map's land was not drawn"
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map((r) => r.name)")
    assert fetched and all(url.startswith(web.url + "/") for url in fetched), fetched
    browser.save_screenshot(str(web.pipeline.workdir / "live-page.png"))
