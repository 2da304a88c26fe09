"""Server-side rerun time of the "How the filters work" page after a control change.

Drives the real app through Streamlit's AppTest (no browser, no network): opens the page on one
tab, then alternates a control between two values and times each ``at.run()`` (the script run,
the convolutions and the plotly figures serialised into the page). Tabs are lazy (only the open
one runs), so the figure is reported per open tab. The first two reruns warm the caches and are
not counted.

Usage: python benchmarks/filters_rerun.py [--runs 20] [--size 64]
"""

from __future__ import annotations

import argparse

from rerun_timing import report, time_reruns

from tests.app.helpers import by_key, open_page

VIEWS = (
    "Standard conv",
    "Depthwise + pointwise",
    "Equivalence",
    "One output pixel",
    "Sliding window",
    "3D view",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=64, choices=(32, 48, 64, 96, 128))
    args = parser.parse_args()
    print(
        f"filters page rerun after a control change, D_F = {args.size}, cat photo, "
        f"{args.runs} runs per case (median / p90 / max, ms)"
    )
    for view in VIEWS:
        report(f"{view}: N 4<->5", measure(view, args.size, args.runs, "n"))
    report("One output pixel: row", measure("One output pixel", args.size, args.runs, "row"))
    report("Standard conv: kernel", measure("Standard conv", args.size, args.runs, "kernel"))


def change(at, control: str, i: int) -> None:
    if control == "n":
        by_key(at.slider, "flt_n").set_value(5 if i % 2 == 0 else 4)
    elif control == "row":
        by_key(at.slider, "flt_row").set_value(10 if i % 2 == 0 else 11)
    else:
        by_key(at.selectbox, "flt_kernel").set_value("blur" if i % 2 == 0 else "random")


def measure(view: str, size: int, runs: int, control: str) -> list[float]:
    at = open_page("pages/filters.py", query={"view": view, "size": str(size)})
    return time_reruns(at, lambda at, i: change(at, control, i), runs)


if __name__ == "__main__":
    main()
