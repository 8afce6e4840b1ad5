"""wirewatch on a Kafka that requires TLS, SASL (SCRAM) and ACLs, as a production cluster does.

The broker (scripts/kafka.sh with KAFKA_SECURITY=sasl_ssl) has one SASL_SSL listener and
enforces ACLs; the worker runs as `wirewatch`, granted only what `kafka.sh grant-worker`
grants, and subscribers as `subscriber`, who may only read. What a user gets wrong (the
password, the CA, a missing ACL) ends the command within seconds with one clear line.
"""

import asyncio
import subprocess
import time

import orjson

from streams.topics import declare_all
from tests.harness import ROOT, WIREWATCH, Pipeline, latest_versions
from tests.schema_check import validate

FEED = ROOT / "samples" / "feed.jsonl"
FAIL_FAST_S = 30


def sources_of(event: dict) -> set[str]:
    return {s["article_id"] for s in event["sources"]}


def test_the_pipeline_runs_end_to_end_over_sasl_ssl_with_a_workers_acls_only(secure_kafka, tmp_path):
    pipeline = Pipeline(secure_kafka, tmp_path)
    assert pipeline.env["WIREWATCH_KAFKA_USERNAME"] == "wirewatch"
    assert pipeline.env["WIREWATCH_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    try:
        pipeline.start_worker()
        ingest = pipeline.run("ingest", str(FEED))
        assert ingest.returncode == 0, ingest.stderr

        def killing_merged(values):
            return any(e["type"] == "killed" and len(sources_of(e)) >= 4 for e in latest_versions(values).values())

        published = pipeline.read_json("events.enriched", until=killing_merged, timeout=120)
        assert killing_merged(published), [(e["type"], sorted(sources_of(e))) for e in published]
        for event in published:
            validate("events.enriched", event)

        # A subscriber needs only to read: `subscriber` may do nothing else.
        as_subscriber = {**pipeline.env, **secure_kafka.env("subscriber")}
        subscribe = subprocess.run(
            [*WIREWATCH, "subscribe", "--json", "--idle-exit", "5"],
            env=as_subscriber,
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        assert subscribe.returncode == 0, subscribe.stderr.decode()
        delivered = [orjson.loads(line) for line in subscribe.stdout.splitlines()]
        shown = {event_id: e["version"] for event_id, e in latest_versions(delivered).items()}
        # The worker may have published more since: at least what was read above, each event.
        for event_id, event in latest_versions(published).items():
            assert shown.get(event_id, 0) >= event["version"], (event_id, shown)
        pairs = [(e["event_id"], e["version"]) for e in delivered]
        assert len(pairs) == len(set(pairs))
    finally:
        pipeline.stop_all()


def fails_fast(pipeline: Pipeline, env: dict[str, str], *args: str) -> str:
    """Run a wirewatch command that must fail; its one-line error, after checking it came fast
    and says nothing of the password."""
    started = time.monotonic()
    done = subprocess.run(
        [*WIREWATCH, *args], env={**pipeline.env, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    seconds = time.monotonic() - started
    assert done.returncode != 0, done.stderr
    assert seconds < FAIL_FAST_S, f"took {seconds:.1f} s: {done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    password_file = env.get("WIREWATCH_KAFKA_PASSWORD_FILE") or pipeline.env["WIREWATCH_KAFKA_PASSWORD_FILE"]
    with open(password_file) as given:
        password = given.read().strip()
    assert password not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    print(f"{args[0]} failed in {seconds:.1f} s: {lines[0]}")
    return lines[0]


def test_a_wrong_password_is_refused_in_one_line(secure_kafka, tmp_path):
    pipeline = Pipeline(secure_kafka, tmp_path)
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    error = fails_fast(pipeline, {"WIREWATCH_KAFKA_PASSWORD_FILE": str(wrong)}, "ingest", str(FEED))
    assert "refused the login" in error and "'wirewatch'" in error and "SCRAM-SHA-512" in error


def test_a_broker_certificate_from_an_untrusted_ca_is_refused_in_one_line(secure_kafka, tmp_path):
    pipeline = Pipeline(secure_kafka, tmp_path)
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=someone else"]
        + ["-keyout", str(tmp_path / "other-ca.key"), "-out", str(other_ca)],
        check=True,
        capture_output=True,
    )
    error = fails_fast(pipeline, {"WIREWATCH_KAFKA_CA_FILE": str(other_ca)}, "worker")
    assert "certificate is not trusted" in error and str(other_ca) in error


def test_a_worker_without_the_acls_it_needs_stops_in_one_line(secure_kafka, tmp_path):
    # `subscriber` may read the topics but not create them...
    pipeline = Pipeline(secure_kafka, tmp_path / "new", user="subscriber")
    error = fails_fast(pipeline, {}, "worker")
    assert "denied" in error and "'subscriber'" in error and "topic: missing ACL" in error

    # ...nor use the worker's consumer group once they exist.
    pipeline = Pipeline(secure_kafka, tmp_path / "declared", user="subscriber")
    asyncio.run(declare_all(pipeline.settings()))
    error = fails_fast(pipeline, {}, "worker")
    assert "denied" in error and "consumer group: missing ACL" in error
