"""Crash scenarios at benchmark size against the real broker (tests/crash.py), under both
processing guarantees.

A generated stream (about five articles per event) runs through its own deployment, for
at-least-once and for exactly-once processing in turn: undisturbed, with the worker
killed by SIGKILL and restarted part-way, and with the broker stopped and started again
part-way. Prints, for each run, its time and throughput, the worker's CPU per article,
the versions published more than once on events.enriched (and how many of those differ
in content), the versions `wirewatch subscribe` showed twice, and for each disturbed run
whether every article is accounted for, whether any event id was published that the
undisturbed run never had, and whether the final events equal the undisturbed run's.
Usage: python bench/crash_bench.py [--events N] [--at FRACTION] [--guarantees G,G]
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


def describe(label: str, outcome: crash.Outcome, records: list[dict]) -> None:
    cpu = ", ".join(f"{name} {seconds / len(records) * 1000:.2f} ms" for name, seconds in outcome.worker_cpu.items())
    print(
        f"  {label:<30} {outcome.seconds:7.1f} s  {len(records) / outcome.seconds:6.1f} articles/s;"
        f" CPU per article: {cpu}; {len(outcome.events)} events, {outcome.versions_published} versions published,"
        f" {outcome.published_again} published again ({outcome.published_again_differing} differing),"
        f" {outcome.delivered_again} shown twice by subscribe",
        flush=True,
    )


def report(label: str, outcome: crash.Outcome, reference: crash.Outcome, records: list[dict]) -> bool:
    """Print how a disturbed run compares with the undisturbed one; True when it falls short."""
    describe(label, outcome, records)
    problems = outcome.problems(reference, records)
    accounted = len(outcome.articles_extracted | outcome.articles_dead_lettered)
    print(
        f"  {'':<30} struck after {outcome.disruption_at} articles; {accounted}/{len(records)} articles accounted"
        f" for; {'same events and ids as undisturbed' if not problems else 'DIFFERS'}",
        flush=True,
    )
    for problem in problems:
        print(f"      {problem}")
    return bool(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events to generate (about 5 articles each)")
    parser.add_argument("--at", type=float, default=0.4, help="share of the stream routed when the disruption strikes")
    parser.add_argument("--guarantees", default="at_least_once,exactly_once", help="processing guarantees to run")
    args = parser.parse_args()
    guarantees = args.guarantees.split(",")
    records = [report.record for report in generate(args.events, seed=11)]
    print(f"crash benchmark: {len(records)} generated articles ({args.events} events), real broker", flush=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="wirewatch-crash-") as tmp:
        tmp_path = Path(tmp)
        references: dict[str, crash.Outcome] = {}
        bootstrap = start_broker(tmp_path / "kafka")
        try:
            # Undisturbed runs of each guarantee one after the other, then the kills: the
            # throughput of the two is compared under the same load of the shared machine.
            for guarantee in guarantees:
                references[guarantee] = crash.run(
                    bootstrap, tmp_path / f"reference-{guarantee}", records, timeout=3600, guarantee=guarantee
                )
                describe(f"{guarantee}: undisturbed", references[guarantee], records)
            for guarantee in guarantees:
                killed = crash.run(
                    bootstrap,
                    tmp_path / f"killed-{guarantee}",
                    records,
                    disrupt=crash.kill_worker,
                    at_fraction=args.at,
                    timeout=3600,
                    guarantee=guarantee,
                )
                failed = report(f"{guarantee}: worker kill -9", killed, references[guarantee], records) or failed
        finally:
            stop_broker(tmp_path / "kafka")
        for guarantee in guarantees:
            # The broker restart needs a broker of its own: it is the one being disturbed.
            state = tmp_path / f"kafka-restarted-{guarantee}"
            bootstrap = start_broker(state)
            try:
                restarted = crash.run(
                    bootstrap,
                    tmp_path / f"restarted-{guarantee}",
                    records,
                    disrupt=crash.restart_broker(state),
                    at_fraction=args.at,
                    timeout=3600,
                    guarantee=guarantee,
                )
            finally:
                stop_broker(state)
            failed = report(f"{guarantee}: broker restart", restarted, references[guarantee], records) or failed
        if len(guarantees) == 2:
            first, second = (references[g] for g in guarantees)
            print(
                f"  throughput, undisturbed: {guarantees[1]} / {guarantees[0]} = {first.seconds / second.seconds:.2f}",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
