"""The feeds file, the poller's state (what was sent, at which version) and its back-off."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.logic.feed_state import FORGET_AFTER, STATE_FILE, FeedState, StateLocked, locked
from agents.logic.feeds import FeedConfig, FeedsFileError, load_feeds

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def test_the_sample_feeds_file_loads_and_names_the_sample_documents():
    feeds = load_feeds(ROOT / "samples" / "feeds.yaml")
    assert [f.name for f in feeds] == ["Highland Courier", "Steppe Gazette", "Caspian Wire"]
    assert feeds[0].follow_links and feeds[0].interval == 300
    # Served from samples/wire on loopback, as the file says: no Internet needed.
    for feed in feeds:
        assert feed.url.startswith("http://127.0.0.1:8765/")
        assert (ROOT / "samples" / "wire" / feed.url.removeprefix("http://127.0.0.1:8765/")).is_file()


def test_header_values_take_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("CASPIAN_WIRE_TOKEN", "t0ken")
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n  - url: https://wire.example/items\n    headers: {Authorization: 'Bearer ${CASPIAN_WIRE_TOKEN}'}\n"
    )
    assert load_feeds(path)[0].headers == {"Authorization": "Bearer t0ken"}


def test_a_toml_feeds_file_reads_the_same(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nurl = "https://a.example/rss"\noutlet = "A Daily"\ninterval = 30\n'
        '[[feeds]]\nurl = "http://b.example/atom"\n[feeds.headers]\nX-Api-Key = "k"\n',
        "utf-8",
    )
    assert load_feeds(path) == [
        FeedConfig(url="https://a.example/rss", name="A Daily", interval=30.0),
        FeedConfig(url="http://b.example/atom", headers={"X-Api-Key": "k"}),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds: []", "non-empty list"),
        ("feeds:\n  - url: ftp://x.example/feed", "http or https"),
        ("feeds:\n  - url: https://x.example/f\n    intervall: 5", "unknown setting(s) intervall"),
        ("feeds:\n  - url: https://x.example/f\n    interval: 0", "positive number"),
        ("feeds:\n  - url: https://x.example/f\n    follow_links: yes please", "true or false"),
        ("feeds:\n  - url: https://x.example/f\n  - url: https://x.example/f", "listed twice"),
        ("feeds:\n  - url: https://x.example/f\n    headers: {A: '${WIREWATCH_TEST_UNSET}'}", "not set"),
        ("feeds: [unclosed", "not valid YAML"),
    ],
)
def test_a_bad_feeds_file_says_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "feeds.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(FeedsFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_feeds(path)


def test_an_item_is_new_until_sent_then_only_a_newer_version_is():
    state = FeedState()
    assert state.is_new("a", 2)
    state.remember("a", NOW, 2, "2025-03-04T10:00:00+00:00")
    assert not state.is_new("a", 2, "2025-03-04T10:00:00+00:00")  # the same version again
    assert not state.is_new("a", 1, "2025-03-04T11:00:00+00:00")  # an older one
    assert not state.is_new("a", None, "2025-03-05T00:00:00+00:00")  # no number is not newer than 2
    assert state.is_new("a", 3, "2025-03-04T09:00:00+00:00")  # the number decides first


def test_without_version_numbers_a_later_version_time_is_newer():
    state = FeedState()
    state.remember("atom-1", NOW, None, "2025-03-04T10:00:00+00:00")
    assert not state.is_new("atom-1", None, "2025-03-04T13:00:00+03:00")  # the same instant
    assert state.is_new("atom-1", None, "2025-03-04T10:00:01+00:00")
    state.remember("rss-1", NOW)
    assert not state.is_new("rss-1")


def test_the_state_survives_a_restart_and_is_written_whole(tmp_path):
    state = FeedState()
    state.feed("https://a.example/rss").succeeded(NOW, 60, etag='"v1"', last_modified=None, keys=["a"])
    state.remember("a", NOW, 1, None)
    state.save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [STATE_FILE]  # no temporary file left behind
    again = FeedState.load(tmp_path)
    assert again == state
    assert again.feed("https://a.example/rss").etag == '"v1"'
    assert FeedState.load(tmp_path / "nothing-yet") == FeedState()


def test_failures_back_off_exponentially_up_to_the_cap_and_honour_retry_after():
    status = FeedState().feed("https://a.example/rss")
    delays = [status.failed(NOW, 10, 300, "timeout") for _ in range(6)]
    assert delays == [20, 40, 80, 160, 300, 300]
    assert status.due_in(NOW) == 300 and status.last_error == "timeout"
    assert status.failed(NOW, 10, 300, "busy", retry_after=3600) == 300  # the server's wish, capped too
    status.failures = 0
    assert status.failed(NOW, 10, 300, "busy", retry_after=90) == 90
    status.succeeded(NOW, 10, etag=None, last_modified=None, keys=None)
    assert status.failures == 0 and status.due_in(NOW) == 10 and status.last_error is None


def test_a_not_modified_answer_keeps_the_validators_and_the_listed_items():
    status = FeedState().feed("u")
    status.succeeded(NOW, 60, etag='"e1"', last_modified="Tue, 04 Mar 2025 10:00:00 GMT", keys=["a", "b"])
    status.succeeded(NOW, 60, etag=None, last_modified=None, keys=None)
    assert (status.etag, status.last_modified, status.keys) == ('"e1"', "Tue, 04 Mar 2025 10:00:00 GMT", ["a", "b"])


def test_items_are_forgotten_only_when_no_feed_lists_them_and_they_are_old():
    state = FeedState()
    long_ago = NOW - FORGET_AFTER - timedelta(days=1)
    for key in ("listed", "old", "recent"):
        state.remember(key, long_ago)
    state.remember("recent", NOW)
    state.feed("u").keys = ["listed"]
    state.forget_old(NOW)
    assert set(state.sent) == {"listed", "recent"}


def test_one_poller_per_state_directory(tmp_path):
    with locked(tmp_path), pytest.raises(StateLocked, match="another"), locked(tmp_path):
        pass
    with locked(tmp_path):  # released when the first one ended
        pass
