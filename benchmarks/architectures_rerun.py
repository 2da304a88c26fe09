"""Server-side rerun time of the "Architectures" page after a control change.

Drives the real app through Streamlit's AppTest (no browser, no network): opens the page on one
tab, changes a control and times each ``at.run()`` (the script run, the cached layer table, the
figures and the dataframe serialised into the page). Tabs are lazy (only the open one runs), so
the time is reported per open tab, in two cases:

- ``revisit``: the control alternates between two settings, so the layer tables come from
  ``st.cache_data`` (what a student clicking back and forth sees);
- ``new``: every rerun asks for a width multiplier not seen before, so the table is rebuilt.

The first two reruns warm the caches and are not counted. Target: median under 300 ms.

Usage: python benchmarks/architectures_rerun.py [--runs 20] [--model v2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.app.helpers import by_key, open_page  # noqa: E402

VIEWS = (
    "Layer table",
    "Per-layer chart",
    "Breakdown by type",
    "Feature maps & memory",
    "Accuracy vs MACs",
    "V1 vs V2",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed reruns per case (default 20)")
    parser.add_argument("--model", default="v2", help="network to show (default v2)")
    args = parser.parse_args()
    print(f"Architectures page, {args.model}: server-side rerun after changing alpha "
          f"({args.runs} runs per case, AppTest)")  # fmt: skip
    worst = 0.0
    for view in VIEWS:
        for case in ("revisit", "new"):
            samples = measure(view, args.model, args.runs, case)
            worst = max(worst, statistics.median(samples))
            report(f"{view} / {case}", samples)
    print(f"slowest median: {worst:.1f} ms (target < 300 ms)")


def measure(view: str, model: str, runs: int, case: str) -> list[float]:
    at = open_page("app_pages/architectures.py", query={"view": view, "model": model})
    samples = []
    for i in range(runs + 2):
        alpha = (0.75 if i % 2 == 0 else 1.0) if case == "revisit" else round(0.3 + 0.01 * i, 2)
        by_key(at.number_input, "arch_alpha").set_value(alpha)
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1e3
        if at.exception:
            raise SystemExit(f"page raised: {at.exception[0].value}")
        if i >= 2:  # the first two reruns warm caches
            samples.append(elapsed)
    return sorted(samples)


def report(name: str, samples: list[float]) -> None:
    p90 = samples[int(0.9 * (len(samples) - 1))]
    print(f"  {name:<34} median {statistics.median(samples):6.1f} ms   p90 {p90:6.1f} ms   "
          f"min {samples[0]:6.1f} ms   max {samples[-1]:6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
