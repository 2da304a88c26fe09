"""Timing an engine honestly: warm-up, then timed runs; median and p90; batches; engines side by side.

Every timed section holds an inference slot (:func:`mobilenet_viz.runtime.serving.inference_slot`)
and, on CUDA, reads the clock after ``torch.cuda.synchronize()``. Achieved GFLOP/s uses
FLOPs = 2 x MACs (the MobileNet papers count multiply-adds).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mobilenet_viz.runtime.engines import (
    ENGINE_TITLES,
    ENGINES,
    Engine,
    EngineSet,
    EngineUnavailable,
)
from mobilenet_viz.runtime.serving import inference_slot

MAX_RUNS = 1000


def check_settings(top: int, runs: int, warmup: int = 0) -> None:
    if not 1 <= top <= 1000:
        raise ValueError(f"--top must be between 1 and 1000, got {top}")
    if not 1 <= runs <= MAX_RUNS:
        raise ValueError(f"--runs must be between 1 and {MAX_RUNS}, got {runs}")
    if not 0 <= warmup <= MAX_RUNS:
        raise ValueError(f"warm-up runs must be between 0 and {MAX_RUNS}, got {warmup}")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (linear interpolation, numpy's default)."""
    return float(np.percentile(np.asarray(values, dtype=float), q))


def time_runs(
    engine: Engine, batch: torch.Tensor, runs: int, warmup: int
) -> tuple[list[float], torch.Tensor]:
    """``warmup`` untimed then ``runs`` timed calls; returns (times in ms, last logits)."""
    logits = None
    for _ in range(warmup):
        logits = engine.run(batch)
    times = []
    for _ in range(runs):
        engine.sync()
        start = time.perf_counter()
        logits = engine.run(batch)
        engine.sync()
        times.append((time.perf_counter() - start) * 1e3)
    return times, logits


@dataclass(frozen=True)
class BatchTiming:
    engine: str
    batch_size: int
    median_ms: float
    p90_ms: float
    images_per_s: float
    queued_ms: float


def time_batch(
    engine: Engine, tensors: Sequence[torch.Tensor], *, runs: int = 5, warmup: int = 1
) -> tuple[BatchTiming, torch.Tensor]:
    """All images in one batch: (timing with images/s from the median, logits [B, 1000])."""
    if not tensors:
        raise ValueError("no images to batch")
    check_settings(1, runs, warmup)
    batch = torch.stack(list(tensors))
    with inference_slot() as slot:
        times, logits = time_runs(engine, batch, runs, warmup)
    median = float(statistics.median(times))
    timing = BatchTiming(
        engine.name,
        len(tensors),
        median,
        percentile(times, 90),
        len(tensors) / (median / 1e3),
        slot["queued_ms"],
    )
    return timing, logits


@dataclass(frozen=True)
class EngineComparison:
    engine: str
    title: str
    median_ms: float | None
    p90_ms: float | None
    ratio_to_onnx: float | None  # median / onnx median
    speedup_vs_eager: float | None  # eager median / median
    top5_matches_eager: bool | None
    max_prob_diff_vs_eager: float | None
    build_s: float | None
    error: str | None = None


def compare_engines(
    engines: EngineSet, tensor: torch.Tensor, *, runs: int = 20, warmup: int = 3
) -> list[EngineComparison]:
    """Every engine on the same 1x3x224x224 input, one after another under one slot."""
    check_settings(1, runs, warmup)
    batch = tensor.unsqueeze(0) if tensor.dim() == 3 else tensor
    measured: dict[str, tuple[list[float], torch.Tensor, Engine]] = {}
    errors: dict[str, str] = {}
    for name in ENGINES:
        try:
            engines.get(name)  # build outside the timed section
        except EngineUnavailable as exc:
            errors[name] = str(exc)
    with inference_slot():
        for name in ENGINES:
            if name in errors:
                continue
            engine = engines.get(name)
            times, logits = time_runs(engine, batch, runs, warmup)
            measured[name] = (times, logits, engine)
    ref_probs = torch.softmax(measured["eager"][1].float(), dim=1)
    ref_top5 = torch.topk(ref_probs, 5, dim=1).indices
    onnx_median = statistics.median(measured["onnx"][0]) if "onnx" in measured else None
    eager_median = statistics.median(measured["eager"][0])
    rows = []
    for name in ENGINES:
        if name not in measured:
            rows.append(
                EngineComparison(
                    name,
                    ENGINE_TITLES[name],
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    errors[name],
                )
            )
            continue
        times, logits, engine = measured[name]
        median = float(statistics.median(times))
        probs = torch.softmax(logits.float(), dim=1)
        rows.append(
            EngineComparison(
                engine=name,
                title=ENGINE_TITLES[name],
                median_ms=median,
                p90_ms=percentile(times, 90),
                ratio_to_onnx=median / onnx_median if onnx_median else None,
                speedup_vs_eager=eager_median / median,
                top5_matches_eager=bool(torch.equal(torch.topk(probs, 5, dim=1).indices, ref_top5)),
                max_prob_diff_vs_eager=float((probs - ref_probs).abs().max()),
                build_s=engine.build_s,
            )
        )
    return rows


def achieved_gflops(macs: int, batch_size: int, seconds: float) -> float:
    """Achieved GFLOP/s = 2 x MACs x batch / time (FLOPs = 2 x multiply-accumulates)."""
    return 2.0 * macs * batch_size / seconds / 1e9
