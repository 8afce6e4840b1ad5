"""Crash scenarios at benchmark size against the real broker (tests/crash.py).

A generated stream (about five articles per event) runs three times through its own
deployment: undisturbed, with the worker killed by SIGKILL and restarted part-way, and
with the broker stopped and started again part-way. Prints, for each disturbed run,
whether every article is accounted for, whether any event id was published that the
undisturbed run never had, and whether the final events equal the undisturbed run's.
Usage: python bench/crash_bench.py [--events N] [--at FRACTION]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stream_generator import generate  # noqa: E402
from tests import crash  # noqa: E402
from tests.harness import start_broker, stop_broker  # noqa: E402


def report(label: str, outcome: crash.Outcome, reference: crash.Outcome, records: list[dict]) -> bool:
    """Print how a disturbed run compares with the undisturbed one; True when it falls short."""
    problems = outcome.problems(reference, records)
    accounted = len(outcome.articles_extracted | outcome.articles_dead_lettered)
    print(
        f"  {label:<17} {outcome.seconds:7.1f} s  struck after {outcome.disruption_at} articles;"
        f" {accounted}/{len(records)} articles accounted for; {len(outcome.events)} events,"
        f" {outcome.versions_published} versions published;"
        f" {'same events and ids as undisturbed' if not problems else 'DIFFERS'}",
        flush=True,
    )
    for problem in problems:
        print(f"      {problem}")
    return bool(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events to generate (about 5 articles each)")
    parser.add_argument("--at", type=float, default=0.4, help="share of the stream routed when the disruption strikes")
    args = parser.parse_args()
    records = [report.record for report in generate(args.events, seed=11)]
    print(f"crash benchmark: {len(records)} generated articles ({args.events} events), real broker", flush=True)
    with tempfile.TemporaryDirectory(prefix="wirewatch-crash-") as tmp:
        tmp_path = Path(tmp)
        bootstrap = start_broker(tmp_path / "kafka")
        try:
            reference = crash.run(bootstrap, tmp_path / "reference", records, timeout=3600)
            print(
                f"  undisturbed       {reference.seconds:7.1f} s  {len(reference.events)} events,"
                f" {reference.versions_published} versions published",
                flush=True,
            )
            killed = crash.run(
                bootstrap, tmp_path / "killed", records, disrupt=crash.kill_worker, at_fraction=args.at, timeout=3600
            )
            failed = report("worker kill -9", killed, reference, records)
        finally:
            stop_broker(tmp_path / "kafka")
        # The broker restart needs a broker of its own: it is the one being disturbed.
        bootstrap = start_broker(tmp_path / "kafka-restarted")
        try:
            restarted = crash.run(
                bootstrap,
                tmp_path / "restarted",
                records,
                disrupt=crash.restart_broker(tmp_path / "kafka-restarted"),
                at_fraction=args.at,
                timeout=3600,
            )
        finally:
            stop_broker(tmp_path / "kafka-restarted")
        failed = report("broker restart", restarted, reference, records) or failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
