"""Theory vs practice: time a real standard conv against its depthwise + pointwise pair.

The MAC ratio 1/N + 1/D_K^2 (MobileNets section 3.1) predicts the speed-up only if every MAC costs
the same. It does not: a depthwise conv does D_K^2 MACs per loaded value where a 1x1 conv is a
dense matrix multiply, so depthwise layers run far below the machine's peak (the paper notes
95% of the time goes to the well-optimised 1x1 convs, section 3.2). This module measures it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from mobilenet_viz.costs import ConvComparison, output_size

# Keep one measurement (warm-up + runs of both layers) near or below ~2 s on a 2-core laptop.
# A 2-core laptop runs a standard conv at roughly 20-40 GMAC/s; ~30 timed calls at <= 1 GMAC each.
MAX_STANDARD_MACS_PER_RUN = 1_000_000_000


@dataclass(frozen=True)
class LayerTiming:
    runs: int
    input_size: int  # the D_F actually timed (may be scaled down)
    scaled: bool  # True when the spatial size was reduced to cap the work
    standard_ms: float  # medians, batch 1
    depthwise_ms: float
    pointwise_ms: float
    separable_ms: float
    theoretical_speedup: float  # standard MACs / separable MACs
    threads: int

    @property
    def measured_speedup(self) -> float:
        return self.standard_ms / self.separable_ms


def _median_ms(fn, x: torch.Tensor, runs: int) -> float:
    fn(x)  # warm-up (allocations, kernel selection)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(x)
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def timed_input_size(comparison: ConvComparison) -> int:
    """The largest D_F <= the configured one whose standard conv stays under the work cap."""
    cfg, m, n = comparison.config, comparison.in_channels, comparison.out_channels
    smallest = max(1, cfg.kernel - 2 * comparison.padding)  # the kernel must still fit

    def macs(size: int) -> int:
        d_o = output_size(size, cfg.kernel, cfg.stride, comparison.padding)
        return cfg.kernel**2 * m * n * d_o * d_o

    size = comparison.input_size
    while size > smallest and macs(size) > MAX_STANDARD_MACS_PER_RUN:
        size = max(smallest, int(size * 0.8))
    return size


@torch.inference_mode()
def time_layers(comparison: ConvComparison, runs: int = 15, seed: int = 0) -> LayerTiming:
    """Median wall time (ms, batch 1, this process's torch threads) of the real layers.

    Both sides are plain ``nn.Conv2d`` without bias, in eval/inference mode: standard
    ``Conv2d(M, N, D_K, s, p)`` vs ``Conv2d(M, M, D_K, s, p, groups=M)`` then ``Conv2d(M, N, 1)``.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    cfg = comparison.config
    m, n, p = comparison.in_channels, comparison.out_channels, comparison.padding
    size = timed_input_size(comparison)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(1, m, size, size, generator=generator)
    torch.manual_seed(seed)
    standard = nn.Conv2d(m, n, cfg.kernel, cfg.stride, p, bias=False).eval()
    depthwise = nn.Conv2d(m, m, cfg.kernel, cfg.stride, p, groups=m, bias=False).eval()
    pointwise = nn.Conv2d(m, n, 1, bias=False).eval()
    dw_out = depthwise(x)
    standard_ms = _median_ms(standard, x, runs)
    depthwise_ms = _median_ms(depthwise, x, runs)
    pointwise_ms = _median_ms(pointwise, dw_out, runs)
    separable_ms = _median_ms(lambda t: pointwise(depthwise(t)), x, runs)
    return LayerTiming(
        runs=runs,
        input_size=size,
        scaled=size != comparison.input_size,
        standard_ms=standard_ms,
        depthwise_ms=depthwise_ms,
        pointwise_ms=pointwise_ms,
        separable_ms=separable_ms,
        theoretical_speedup=comparison.saving,
        threads=torch.get_num_threads(),
    )
