"""`make bench`: every benchmark in turn, each printing its own figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "clean_bench.py",
    "clean_real_bench.py",
    "extract_bench.py",
    "extract_real_bench.py",
    "dedup_bench.py",
    "stories_bench.py",
    "pipeline_bench.py",
    "crash_bench.py",
    "http_edges_bench.py",
    "rebalance_bench.py",
]


def main() -> int:
    failed = []
    for name in BENCHES:
        print(f"\n=== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], cwd=HERE.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
