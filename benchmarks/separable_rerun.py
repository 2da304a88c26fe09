"""Server-side rerun time of the "Standard vs depthwise separable" page after a control change.

Drives the real app through Streamlit's AppTest (no browser, no network): opens the page once,
then alternates the kernel slider between two values and times each `at.run()`. The on-demand
"theory vs practice" timing is not part of a rerun (it runs only when its button is pressed).

Each tab is lazy (only the open one runs), so the figure is reported per open tab.

Usage: python benchmarks/separable_rerun.py [--runs 20]
"""

from __future__ import annotations

import argparse

from rerun_timing import report, time_reruns

from tests.app.helpers import by_key, open_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"separable page rerun after a kernel change, {args.runs} runs per open tab")
    for view in ("Formulas", "Charts", "Groups", "PyTorch code"):
        at = open_page("pages/separable.py", query={"view": view})
        report(
            view,
            time_reruns(
                at,
                lambda at, i: by_key(at.slider, "sep_kernel").set_value(5 if i % 2 == 0 else 3),
                args.runs,
            ),
        )


if __name__ == "__main__":
    main()
