"""MobileNetV3's measured costs on this machine: the nonlinearities and Figure 5's two last stages.

The same library calls the MobileNetV3 page makes (``mobilenet_viz.runtime.v3_timing``): batch 1, fp32, one
thread, inside the inference slot, every candidate run once per round (interleaved), median over
the rounds. Activations run on V3-Large's 112x112x16 and 7x7x960 tensors; the last stages on
(1, 160, 7, 7), plus the whole MobileNetV3-Large at 224x224 (seeded untrained weights with
calibrated BatchNorm: the time does not depend on the weight values) for the share of the network.
Howard et al., arXiv:1905.02244v5, sections 5.1-5.2, quote 7 ms / 11% and ~30M MAdds for the last
stage on Pixel phones (TFLite); this prints what this CPU and eager PyTorch do.

Usage: python benchmarks/v3_measurements.py [--runs 200] [--stage-runs 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilenet_viz.analytic.v3_block import last_stage_saving  # noqa: E402
from mobilenet_viz.runtime.v3_timing import time_activations, time_last_stages  # noqa: E402
from mobilenet_viz.runtime.weights import V3_LARGE, untrained  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=200, help="rounds per activation measurement (default 200)"
    )
    parser.add_argument(
        "--stage-runs",
        type=int,
        default=100,
        help="rounds per last-stage measurement (default 100)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="whole measurements, to show the spread (default 3)"
    )
    args = parser.parse_args()

    print(f"Nonlinearities: ns per element, median of {args.runs} interleaved rounds, 1 thread "
          f"({args.repeats} measurements)")  # fmt: skip
    rows: dict[tuple[str, tuple], list[float]] = {}
    for _ in range(args.repeats):
        for t in time_activations(runs=args.runs):
            rows.setdefault((t.name, t.shape), []).append(t.ns_per_element)
    shapes = list(dict.fromkeys(shape for _, shape in rows))
    print(f"{'function':<14}" + "".join(f"{f'{h}x{w}x{c}':>22}" for c, h, w in shapes))
    for name in dict.fromkeys(n for n, _ in rows):
        cells = []
        for shape in shapes:
            values = rows[(name, shape)]
            cells.append(f"{min(values):.3f}-{max(values):.3f}".rjust(22))
        print(f"{name:<14}" + "".join(cells))
    for shape in shapes:
        med = {
            n: sorted(rows[(n, shape)])[len(rows[(n, shape)]) // 2] for n, s in rows if s == shape
        }
        c, h, w = shape
        print(
            f"  {h}x{w}x{c}: swish / h-swish = {med['swish'] / med['h-swish']:.2f}, "
            f"h-swish / ReLU6 = {med['h-swish'] / med['ReLU6']:.2f}, "
            f"sigmoid / hard-sigmoid = {med['sigmoid'] / med['hard-sigmoid']:.2f}"
        )

    saving = last_stage_saving()
    print(f"\nLast stage (library): original {saving['original']['macs']:,} MACs, efficient "
          f"{saving['efficient']['macs']:,} MACs, saved {saving['macs_saved']:,} (paper: ~30M); params "
          f"{saving['original']['params']:,} -> {saving['efficient']['params']:,}")  # fmt: skip
    network = untrained(arch=V3_LARGE).model
    print(
        f"Last stage (measured): median of {args.stage_runs} interleaved rounds, 1 thread, eager PyTorch"
    )
    for i in range(args.repeats):
        t = time_last_stages(runs=args.stage_runs, network=network)
        print(
            f"  run {i + 1}: original {t.original_ms:.2f} ms, efficient {t.efficient_ms:.2f} ms, saved "
            f"{t.saved_ms:.2f} ms ({t.speedup:.2f}x), whole V3-Large {t.network_ms:.1f} ms, saving = "
            f"{t.saved_share:.1%} of the network with the original stage"
        )


if __name__ == "__main__":
    main()
