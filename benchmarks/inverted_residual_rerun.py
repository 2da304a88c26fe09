"""Server-side rerun time of the "Inverted residual block" page after a control change.

Drives the real app (app.py router) through Streamlit's AppTest, no browser: opens the page on
one tab, then alternates the expansion slider between two values and times each `at.run()`
(the whole script: router, sidebar, page, every st.* call serialised). Tabs are lazy, so the
figure is reported per open tab. On the "Real feature maps" tab the network's forward pass is
cached per (image, block), so a rerun after a block-config change excludes inference; the cold
forward pass (stem + blocks up to the chosen one, no hooks) is timed separately below.

Usage: python benchmarks/inverted_residual_rerun.py [--runs 20]
"""

from __future__ import annotations

import argparse
import time

from rerun_timing import report, time_reruns

from tests.app.helpers import by_key, open_page

PAGE = "pages/inverted_residual.py"
VIEWS = (
    "The block",
    "Inverted vs classic",
    "Expansion sweep",
    "Linear bottleneck",
    "Real feature maps",
)


def measure(view: str, runs: int) -> list[float]:
    at = open_page(PAGE, query={"view": view})
    return time_reruns(
        at, lambda at, i: by_key(at.slider, "ir_expansion").set_value(4 if i % 2 else 6), runs
    )


def home_baseline(runs: int) -> list[float]:
    """The same AppTest round trip on the nearly empty home page: the harness's own overhead."""
    return time_reruns(open_page("pages/home.py"), lambda at, i: None, runs)


def cold_feature_maps(runs: int = 5) -> list[float]:
    import torch
    from torchvision.models import mobilenet_v2

    from mobilenet_viz.runtime.feature_maps import block_feature_maps

    torch.manual_seed(0)
    model = mobilenet_v2().eval()
    batch = torch.randn(1, 3, 224, 224)
    samples = []
    for block in (3, 17) * runs:
        start = time.perf_counter()
        block_feature_maps(model, block, batch)
        samples.append((time.perf_counter() - start) * 1e3)
    return sorted(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(
        f"inverted residual page: AppTest rerun after an expansion change, {args.runs} runs per open tab"
    )
    for view in VIEWS:
        report(view, measure(view, args.runs))
    report("home page (baseline)", home_baseline(args.runs))
    print("cold feature-map forward pass (untrained MobileNetV2, 224x224, blocks 3 and 17, CPU):")
    report("features[:i] + block", cold_feature_maps())


if __name__ == "__main__":
    main()
