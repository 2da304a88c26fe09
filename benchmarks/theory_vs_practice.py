"""Theory vs practice on this machine: measured speed-up of depthwise + pointwise over a standard
conv against the MAC ratio, with the repeat-until-stable timing the separable page uses
(mobilenet_viz.runtime.layer_timing.time_layers: median, 95% interval of the median, the explanation the
page would show). One thread, as the app times on the server.

    python benchmarks/theory_vs_practice.py [--budget 8]

Also prints the depthwise convs' share of MobileNetV2's time at 1 and 2 threads (median of 5
interleaved rounds of mobilenet_viz.runtime.layer_timing.profile_layers), next to their share of the MACs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch
from torchvision.models import mobilenet_v2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilenet_viz.analytic.costs import ConvConfig, compare  # noqa: E402
from mobilenet_viz.runtime.layer_timing import (  # noqa: E402
    explain,
    group_by_kind,
    profile_layers,
    time_layers,
)

LAYERS = {
    "Table 3: 14x14x512 -> 512, 3x3": ConvConfig(14, 512, 512, 3),
    "same with D_K = 4": ConvConfig(14, 512, 512, 4),
    "early: 56x56x128 -> 128, 3x3": ConvConfig(56, 128, 128, 3),
    "small: 28x28x64 -> 64, 3x3": ConvConfig(28, 64, 64, 3),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per layer (default 8)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, cfg in LAYERS.items():
        t = time_layers(compare(cfg), budget_s=args.budget)
        s = t.speedup
        print(
            f"{name}: MAC ratio {t.theoretical_speedup:.2f}x, measured {s.median:.2f}x "
            f"(95% interval {s.ci_low:.2f}-{s.ci_high:.2f}x, {t.rounds} rounds in {t.elapsed_s:.1f} s, "
            f"{ {'converged': 'converged', 'rounds': 'round limit'}.get(t.stopped, 'budget spent') }); G MACs/s standard {t.gmacs('standard'):.1f}, "
            f"depthwise {t.gmacs('depthwise'):.2f}, pointwise {t.gmacs('pointwise'):.1f}"
        )
        for sentence in explain(t):
            print("   ", sentence)
    model, x = mobilenet_v2().eval(), torch.randn(1, 3, 224, 224)
    shares: dict[int, list[float]] = {1: [], 2: []}
    mac_share = 0.0
    for _ in range(5):
        for threads in shares:
            torch.set_num_threads(threads)
            dw = next(
                k for k in group_by_kind(profile_layers(model, x, runs=5)) if k.kind == "depthwise"
            )
            shares[threads].append(dw.time_share)
            mac_share = dw.mac_share
    for threads, values in shares.items():
        print(
            f"MobileNetV2 depthwise convs at {threads} thread(s): {100 * statistics.median(values):.1f}% of the "
            f"time (rounds: {', '.join(f'{100 * v:.0f}' for v in values)}), {100 * mac_share:.2f}% of the MACs"
        )


if __name__ == "__main__":
    main()
