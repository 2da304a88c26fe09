"""Eager vs optimized (TorchScript frozen) vs ONNX Runtime fp32 vs int8 for MobileNetV2, in one run.

    python benchmarks/inference_engines.py [--runs 40] [--batches 1 8] [--threads 1 2]
                                          [--weights PATH] [--candidates] [--torch-ao]
                                          [--accuracy-photos DIR]

For every (threads, batch) it builds the engines exactly as the app does
(``mobilenet_viz.runtime.engines.EngineSet``), then times them round-robin (a few runs of each engine
in turn, repeated) so that load from other processes hits all engines alike. It prints median and
p90 latency in ms, the ratio to ONNX Runtime's median and the speed-up over eager, plus
images/s. ``--candidates`` also times pure-torch variants considered for the "optimized"
engine (eager channels_last; frozen TorchScript with and without channels_last).
Weights do not change the arithmetic; the default is the seeded untrained model.

int8 (issue 14): the ``int8`` engine (ONNX Runtime on the statically quantized model,
``mobilenet_viz.runtime.quantization``) is timed in the same rounds; its ``x onnx`` column is the ratio to
fp32 ONNX Runtime (target <= 0.6 at batch 1). The script prints the CPU's int8 dot-product flags
(/proc/cpuinfo: avx512_vnni, avx_vnni, amx_int8): ORT's MLAS picks its uint8 x int8 kernels by
CPUID at start-up (AVX-512 VNNI ``vpdpbusd`` when the flag is there); which kernel ran is not
observable from Python, so the flags are what is verified. ``--torch-ao`` adds torch.ao's FX
x86 backend (same calibration images; eager and traced+frozen), the alternative that was measured
and not chosen. ``--accuracy-photos DIR`` (with ``--weights``) compares int8 with fp32 on every
sample photo and every .jpg in DIR: top-1 agreement, mean |delta probability|, KL divergence.
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

from mobilenet_viz.runtime.engines import (  # noqa: E402
    ENGINES,
    EngineSet,
    best_device,
    default_engine,
    device_name,
)
from mobilenet_viz.runtime.weights import load_file, untrained  # noqa: E402


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
        frozen_cl = torch.jit.optimize_for_inference(
            torch.jit.freeze(
                torch.jit.trace(copy.deepcopy(cl), x.contiguous(memory_format=torch.channels_last))
            )
        )

    def jit_cl(x):
        with torch.no_grad():
            return frozen_cl(x.contiguous(memory_format=torch.channels_last))

    out["frozen channels_last"] = jit_cl
    return out


def cpu_int8_flags() -> list[str]:
    """The int8 dot-product features /proc/cpuinfo lists (empty where there is no such file)."""
    try:
        flags = next(
            (
                line.split(":", 1)[1].split()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("flags")
            ),
            [],
        )
    except OSError:
        return []
    wanted = (
        "avx2",
        "avx512f",
        "avx512_vnni",
        "avx512_bf16",
        "avx_vnni",
        "amx_tile",
        "amx_int8",
        "amx_bf16",
    )
    return [f for f in wanted if f in flags]


def torch_ao_candidates(loaded) -> dict[str, callable]:
    """torch.ao FX post-training static quantization, x86 backend, calibrated like the int8 engine."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    from mobilenet_viz.runtime.quantization import calibration_set

    images = calibration_set(loaded)
    torch.backends.quantized.engine = "x86"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = prepare_fx(
            copy.deepcopy(loaded.model).eval(), get_default_qconfig_mapping("x86"), (images[:1],)
        )
        with torch.no_grad():
            for i in range(len(images)):
                prepared(images[i : i + 1])
        converted = convert_fx(prepared)
        with torch.no_grad():
            frozen = torch.jit.freeze(torch.jit.trace(converted, images[:1]).eval())

    def eager(x):
        with torch.no_grad():
            return converted(x)

    def jit(x):
        with torch.no_grad():
            return frozen(x)

    return {"torch.ao x86": eager, "torch.ao x86 frozen": jit}


def accuracy(loaded, folder: Path, torch_ao: dict | None) -> None:
    from mobilenet_viz.inputs.images import decode_image
    from mobilenet_viz.inputs.samples import list_samples
    from mobilenet_viz.runtime.quantization import agreement, quantized

    paths = [s.path for s in list_samples()] + sorted(folder.glob("*.jpg"))
    batch = torch.stack([loaded.transforms(decode_image(p.read_bytes()).image) for p in paths])
    with torch.inference_mode():
        fp32 = loaded.model(batch)
    session = quantized(loaded).session(1)
    candidates = {
        "int8 (ONNX Runtime)": lambda x: torch.from_numpy(
            session.run(["logits"], {"image": x.numpy()})[0]
        )
    }
    candidates.update(torch_ao or {})
    print(
        f"\naccuracy vs fp32 eager on {len(paths)} photos ({len(paths) - len(list(folder.glob('*.jpg')))} samples + {folder}):"
    )
    for name, fn in candidates.items():
        logits = torch.cat([fn(batch[i : i + 1]) for i in range(len(batch))])
        result = agreement(fp32, logits)
        wrong = [p.name for p, ok in zip(paths, result.top1_equal, strict=True) if not ok]
        print(
            f"  {name:<22} top-1 equal {sum(result.top1_equal)}/{len(paths)}{' (differs: ' + ', '.join(wrong) + ')' if wrong else ''}; "
            f"mean |dp| {result.mean_abs_prob_diff:.2e}; KL mean {result.mean_kl:.4f}, max {max(result.kl):.4f} nats"
        )


def measure(
    fns: dict[str, callable], batch: torch.Tensor, runs: int, rounds: int = 5
) -> dict[str, list[float]]:
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
    parser.add_argument(
        "--torch-ao", action="store_true", help="also time torch.ao's FX x86 int8 model"
    )
    parser.add_argument(
        "--accuracy-photos",
        type=Path,
        default=None,
        help="folder of .jpg test photos (with --weights)",
    )
    args = parser.parse_args()

    loaded = load_file(args.weights) if args.weights else untrained()
    device = best_device()
    print(
        f"MobileNetV2 1.0/224, weights: {loaded.describe()}; device {device_name(device)}; "
        f"torch {torch.__version__}; {platform.processor() or platform.machine()}; {args.runs} timed runs each"
    )
    try:
        import onnxruntime

        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = "not installed"
    flags = cpu_int8_flags()
    print(
        f"onnxruntime {ort_version}; CPU flags: {', '.join(flags) or 'none of avx2/avx512/vnni/amx'}; "
        f"int8 kernels (MLAS, chosen by CPUID): "
        f"{'AVX-512 VNNI' if 'avx512_vnni' in flags else 'AVX-VNNI' if 'avx_vnni' in flags else 'AVX2/AVX-512 without VNNI'}"
        f"{' (AMX present; MLAS does not use AMX for this model)' if 'amx_int8' in flags else ''}"
    )
    torch_ao = torch_ao_candidates(loaded) if args.torch_ao else None
    header = f"{'threads':>7} {'batch':>5}  {'engine':<22}{'median ms':>10}{'p90 ms':>9}{'x onnx':>8}{'x faster than eager':>21}{'images/s':>10}"
    print(header)
    print("-" * len(header))
    for threads in args.threads:
        torch.set_num_threads(threads)
        engines = EngineSet(loaded, device=device)
        fns = {name: engines.get(name).run for name in ENGINES}
        if args.candidates:
            fns.update(candidates(loaded.model))
        if torch_ao:
            fns.update(torch_ao)
        for batch_size in args.batches:
            batch = torch.randn(
                batch_size, 3, 224, 224, generator=torch.Generator().manual_seed(0)
            ).to(device)
            times = measure(fns, batch, args.runs)
            med = {name: statistics.median(t) for name, t in times.items()}
            for name, t in times.items():
                print(
                    f"{threads:>7} {batch_size:>5}  {name:<22}{med[name]:>10.2f}{np.percentile(t, 90):>9.2f}"
                    f"{med[name] / med['onnx']:>8.2f}{med['eager'] / med[name]:>21.2f}"
                    f"{batch_size / med[name] * 1e3:>10.1f}"
                )
        print()
    print(f"default engine here: {default_engine()}")
    if args.accuracy_photos:
        accuracy(loaded, args.accuracy_photos, torch_ao)


if __name__ == "__main__":
    main()
