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

from rerun_timing import report, time_reruns

from tests.app.helpers import by_key, open_page

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
    def change(at, i: int) -> None:
        alpha = (0.75 if i % 2 == 0 else 1.0) if case == "revisit" else round(0.3 + 0.01 * i, 2)
        by_key(at.number_input, "arch_alpha").set_value(alpha)

    return time_reruns(
        open_page("pages/architectures.py", query={"view": view, "model": model}), change, runs
    )


if __name__ == "__main__":
    main()
