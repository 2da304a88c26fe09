"""Eager vs optimized (TorchScript frozen) vs ONNX Runtime for MobileNetV2, in one run.

    python benchmarks/inference_engines.py [--runs 40] [--batches 1 8] [--threads 1 2]
                                          [--weights PATH] [--candidates]

For every (threads, batch) it builds the engines exactly as the app does
(``mobilenet_viz.inference.EngineSet``), then times them round-robin (a few runs of each engine
in turn, repeated) so that load from other processes hits all engines alike. It prints median and
p90 latency in ms, the ratio to ONNX Runtime's median and the speed-up over eager, plus
images/s. ``--candidates`` also times pure-torch variants considered for the "optimized"
engine (eager channels_last; frozen TorchScript with and without channels_last).
Weights do not change the arithmetic; the default is the seeded untrained model.
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilenet_viz import inference as inf  # noqa: E402
from mobilenet_viz.weights import load_file, untrained  # noqa: E402


def candidates(model: torch.nn.Module) -> dict[str, callable]:
    """Pure-torch variants for the 'optimized' engine (batch-agnostic callables)."""
    out = {}
    cl = copy.deepcopy(model).to(memory_format=torch.channels_last)

    def eager_cl(x):
        with torch.inference_mode():
            return cl(x.contiguous(memory_format=torch.channels_last))

    out["eager channels_last"] = eager_cl
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = torch.zeros(1, 3, 224, 224)
        frozen_cl = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(
            copy.deepcopy(cl), x.contiguous(memory_format=torch.channels_last))))

    def jit_cl(x):
        with torch.no_grad():
            return frozen_cl(x.contiguous(memory_format=torch.channels_last))

    out["frozen channels_last"] = jit_cl
    return out


def measure(fns: dict[str, callable], batch: torch.Tensor, runs: int, rounds: int = 5) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        for _ in range(3):
            fn(batch)
    per_round = max(1, runs // rounds)
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(per_round):
                start = time.perf_counter()
                fn(batch)
                times[name].append((time.perf_counter() - start) * 1e3)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--weights", default=None)
    parser.add_argument("--candidates", action="store_true")
    args = parser.parse_args()

    loaded = load_file(args.weights) if args.weights else untrained()
    device = inf.best_device()
    print(f"MobileNetV2 1.0/224, weights: {loaded.describe()}; device {inf.device_name(device)}; "
          f"torch {torch.__version__}; {platform.processor() or platform.machine()}; {args.runs} timed runs each")
    header = f"{'threads':>7} {'batch':>5}  {'engine':<22}{'median ms':>10}{'p90 ms':>9}{'x onnx':>8}{'x faster than eager':>21}{'images/s':>10}"
    print(header)
    print("-" * len(header))
    for threads in args.threads:
        torch.set_num_threads(threads)
        engines = inf.EngineSet(loaded, device=device)
        fns = {name: engines.get(name).run for name in inf.ENGINES}
        if args.candidates:
            fns.update(candidates(loaded.model))
        for batch_size in args.batches:
            batch = torch.randn(batch_size, 3, 224, 224, generator=torch.Generator().manual_seed(0)).to(device)
            times = measure(fns, batch, args.runs)
            med = {name: statistics.median(t) for name, t in times.items()}
            for name, t in times.items():
                print(f"{threads:>7} {batch_size:>5}  {name:<22}{med[name]:>10.2f}{np.percentile(t, 90):>9.2f}"
                      f"{med[name] / med['onnx']:>8.2f}{med['eager'] / med[name]:>21.2f}"
                      f"{batch_size / med[name] * 1e3:>10.1f}")
        print()
    print(f"default engine here: {inf.default_engine()}")


if __name__ == "__main__":
    main()
