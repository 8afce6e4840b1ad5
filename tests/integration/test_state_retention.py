"""What is kept of a worker's state: the tables of one entry per article id, which the
worker never deletes itself, keep an entry for the dedup window, on the broker and on the
worker's disk; the others (whose entries the worker deletes) and events.enriched are
compacted only."""

from __future__ import annotations

import struct
import time

import orjson
from rocksdict import AccessType, Options, Rdict

from tests.integration.conftest import ROOT

WINDOW_DAYS = 3
WINDOW_MS = str(WINDOW_DAYS * 86400 * 1000)
PER_ARTICLE = ("article-versions", "story-keys")
FAUST_OFFSET_KEY = b"__faust\x00offset__"


def stored_values(state_dir, table: str) -> list[bytes]:
    """The values of a table as a stopped worker's RocksDB stores hold them on disk (Faust's
    own offset entry left out)."""
    values = []
    for path in sorted((state_dir / "v1" / "tables").glob(f"{table}-*.db")):
        db = Rdict(str(path), options=Options(raw_mode=True), access_type=AccessType.read_only())
        try:
            values += [value for key, value in db.items() if key != FAUST_OFFSET_KEY]
        finally:
            db.close()
    return values


def test_per_article_tables_are_kept_for_the_dedup_window_and_the_rest_compacted(pipeline):
    pipeline.env["WIREWATCH_DEDUP_WINDOW_DAYS"] = str(WINDOW_DAYS)
    started = int(time.time())
    worker = pipeline.start_worker()
    app_id = pipeline.env["WIREWATCH_APP_ID"]

    for table in PER_ARTICLE:
        configs = pipeline.topic_configs(f"{app_id}-{table}-changelog")
        assert configs["cleanup.policy"] == "compact,delete", table
        assert configs["retention.ms"] == WINDOW_MS, table
    for table in ("event-states", "article-entries"):
        configs = pipeline.topic_configs(f"{app_id}-{table}-changelog")
        assert configs["cleanup.policy"] == "compact", table
        assert configs["retention.ms"] != WINDOW_MS, table
    assert pipeline.topic_configs(pipeline.topic("events.enriched"))["cleanup.policy"] == "compact"

    result = pipeline.run("ingest", str(ROOT / "samples" / "feed.jsonl"))
    assert result.returncode == 0, result.stderr
    pipeline.read_json("events.enriched", until=lambda events: len(events) >= 3, timeout=120)
    pipeline.stop_worker(worker)
    stopped = int(time.time())

    # RocksDB stores an entry of a table opened with a time to live with its write time
    # appended (4 bytes, little-endian), and drops it once that is older than the window.
    state_dir = pipeline.workdir / "w1-state"
    for table in PER_ARTICLE:
        values = stored_values(state_dir, table)
        assert values, table
        for value in values:
            assert started <= struct.unpack("<I", value[-4:])[0] <= stopped, table
            orjson.loads(value[:-4])
    event_states = stored_values(state_dir, "event-states")
    assert event_states
    for value in event_states:
        orjson.loads(value)
