"""Clean-stage benchmark over the fixture corpus (tests/fixtures/clean).

Prints micro-averaged precision, recall and F1 of body tokens against the expected
bodies, the fixtures that lost a story sentence, and single-process throughput for
plain-text and HTML articles. Run from the repository root:

    python bench/clean_bench.py [--json] [--seconds 2.5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.logic.clean import CleanError, clean_article  # noqa: E402
from agents.logic.clean.eval import Fixture, f1, load_fixtures, lost_sentences, token_overlap  # noqa: E402


def quality(fixtures: list[Fixture]) -> dict:
    common = output_total = reference_total = 0
    lost: dict[str, list[str]] = {}
    for fixture in fixtures:
        try:
            body = clean_article(fixture.raw)["body"]
        except CleanError as error:
            body = f"[{error.reason}]"
        both, got, wanted = token_overlap(body, fixture.expected["body"])
        common, output_total, reference_total = common + both, output_total + got, reference_total + wanted
        missing = lost_sentences(body, fixture.expected["body"])
        if missing:
            lost[fixture.name] = missing
    precision, recall, score = f1(common, output_total, reference_total)
    return {"precision": precision, "recall": recall, "f1": score, "lost": lost}


def articles_per_second(fixtures: list[Fixture], seconds: float) -> float:
    """Articles cleaned per second, passing over the fixtures until `seconds` have gone by."""
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for fixture in fixtures:
            clean_article(fixture.raw)
        count += len(fixtures)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--seconds", type=float, default=2.5, help="total time for the throughput runs")
    args = parser.parse_args()

    fixtures = load_fixtures()
    plain = [f for f in fixtures if f.raw["content_type"] == "text"]
    html = [f for f in fixtures if f.raw["content_type"] == "html"]
    figures = quality(fixtures)  # also warms up: the language model loads on first use
    figures["plain_text_articles_per_second"] = articles_per_second(plain, args.seconds / 2)
    figures["html_articles_per_second"] = articles_per_second(html, args.seconds / 2)

    if args.json:
        print(
            json.dumps(
                {
                    "fixtures": len(fixtures),
                    "plain_text_fixtures": len(plain),
                    "html_fixtures": len(html),
                    "fixtures_with_lost_sentence": len(figures["lost"]),
                    **figures,
                },
                ensure_ascii=False,
            )
        )
        return
    print(f"clean stage: {len(fixtures)} fixtures ({len(plain)} plain text, {len(html)} HTML), single process")
    rows = [
        ("token precision", f"{figures['precision']:.4f}"),
        ("token recall", f"{figures['recall']:.4f}"),
        ("token F1", f"{figures['f1']:.4f}"),
        ("fixtures with a lost sentence", str(len(figures["lost"]))),
        ("plain-text articles/s", f"{figures['plain_text_articles_per_second']:.0f}"),
        ("HTML articles/s", f"{figures['html_articles_per_second']:.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>8}")
    for name, missing in figures["lost"].items():
        print(f"lost in {name}:")
        for sentence in missing:
            print(f"    {sentence[:100]}")


if __name__ == "__main__":
    main()
