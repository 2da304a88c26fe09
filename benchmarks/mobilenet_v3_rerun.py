"""Server-side rerun time of the "MobileNetV3" page after a control change.

Drives the real app through Streamlit's AppTest (no browser; offline, so the SE tab uses the
labelled untrained MobileNetV3-Large): opens the page on one tab, changes that tab's control and
times each ``at.run()``. Tabs are lazy (only the open one runs). The measurement buttons are not
pressed (their time is the measurement itself, reported by benchmarks/v3_measurements.py).

- The V3 block: alternates the block (the library's block costs come from st.cache_data);
- h-swish / Last stage: moves the runs slider (figures and text only);
- Search: changes a setting it does not use (α), i.e. a plain rerun of its tables and chart;
- SE on a photo: alternates the second photo (the SE scales of each photo come from st.cache_data
  after their first run, which is the warm-up).

The first two reruns warm the caches and are not counted. Target: median under 300 ms.

Usage: python benchmarks/mobilenet_v3_rerun.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics

from rerun_timing import report, time_reruns

from tests.app.helpers import by_key, open_page

PAGE = "pages/mobilenet_v3.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed reruns per tab (default 20)")
    args = parser.parse_args()
    os.environ.setdefault("MOBILENET_VIZ_OFFLINE", "1")
    print(
        f"MobileNetV3 page: server-side rerun after a control change ({args.runs} runs per tab, AppTest)"
    )
    cases = {
        "The V3 block": lambda at, i: by_key(at.selectbox, "v3_block").set_value(13 if i % 2 else 12),
        "h-swish": lambda at, i: by_key(at.slider, "v3_runs").set_value(40 + i % 2),
        "Last stage": lambda at, i: by_key(at.slider, "v3_stage_runs").set_value(30 + i % 2),
        "Search": lambda at, i: at.session_state.__setitem__("v3_alpha", "1.0" if i % 2 else "0.75"),
        "SE on a photo": lambda at, i: by_key(at.selectbox, "v3_photo_b").set_value(
            "coins.jpg" if i % 2 else "rocket.jpg"),
    }  # fmt: skip
    worst = 0.0
    for view, change in cases.items():
        samples = time_reruns(open_page(PAGE, query={"view": view}), change, args.runs)
        worst = max(worst, statistics.median(samples))
        report(view, samples)
    print(f"slowest median: {worst:.1f} ms (target < 300 ms)")


if __name__ == "__main__":
    main()
