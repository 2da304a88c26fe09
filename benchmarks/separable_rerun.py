"""Server-side rerun time of the "Standard vs depthwise separable" page after a control change.

Drives the real app through Streamlit's AppTest (no browser, no network): opens the page once,
then alternates the kernel slider between two values and times each `at.run()`. The on-demand
"theory vs practice" timing is not part of a rerun (it runs only when its button is pressed).

Each tab is lazy (only the open one runs), so the figure is reported per open tab.

Usage: python benchmarks/separable_rerun.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.app.helpers import by_key, open_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"separable page rerun after a kernel change, {args.runs} runs per open tab")
    for view in ("Formulas", "Charts", "Groups", "PyTorch code"):
        report(view, measure(view, args.runs))


def measure(view: str, runs: int) -> list[float]:
    at = open_page("app_pages/separable.py", query={"view": view})
    samples = []
    for i in range(runs + 2):
        by_key(at.slider, "sep_kernel").set_value(5 if i % 2 == 0 else 3)
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1e3
        if at.exception:
            raise SystemExit(f"page raised: {at.exception[0].value}")
        if i >= 2:  # the first two reruns warm caches
            samples.append(elapsed)
    return sorted(samples)


def report(view: str, samples: list[float]) -> None:
    print(f"  {view:<14} median {statistics.median(samples):.1f} ms   p90 {samples[int(0.9 * (len(samples) - 1))]:.1f} ms   "
          f"min {samples[0]:.1f} ms   max {samples[-1]:.1f} ms")


if __name__ == "__main__":
    main()
