"""Measured time of real conv layers, next to the MACs the papers count (FLOPs = 2 x MACs).

Two measurements, one question (does a MAC cost the same in every layer?):

- :func:`time_layers` (the separable page): one standard conv against its depthwise + pointwise
  pair. The MAC ratio 1/N + 1/D_K^2 (MobileNets, arXiv:1704.04861 section 3.1) predicts the
  speed-up only if every MAC costs the same. It does not: a depthwise conv does D_K^2 MACs per
  loaded value where a 1x1 conv is a dense matrix multiply, so depthwise layers run far below the
  machine's peak (the paper notes 95% of the time goes to the well-optimised 1x1 convs, section
  3.2). Measured on a possibly shared server: it repeats until the spread is small or a time
  budget runs out, reports median and interquartile range, times the depthwise and pointwise
  convs separately, and picks its explanation from those measurements (:func:`explain`), saying
  so when the run was too noisy.
- :func:`profile_layers` (the Classify page): every conv/FC layer of MobileNetV2 on a real image,
  grouped by layer type (:func:`group_by_kind`). Types (MobileNets section 3.1; MobileNetV2,
  arXiv:1801.04381 section 3.3): ``depthwise`` (a D_K x D_K conv with one filter per channel,
  MACs = D_K * D_K * M * D_O * D_O), ``pointwise`` (a 1x1 conv, expansion or linear projection,
  MACs = M * N * D_O * D_O), ``other`` (the first standard 3x3 conv and the final FC layer).
  The MACs of each layer are the architecture table's (``analytic.architectures.build("v2")``),
  matched by module path. In MobileNetV2 the depthwise convs hold 6.9% of the 300.8M MACs
  (20.7M) yet take a much larger share of the time on CPUs (memory bound); how much larger
  depends on the thread count, so the share is always reported with it.

Both run in the process-wide inference slot (``serving.inference_slot``).
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.analytic.costs import ConvComparison, output_size
from mobilenet_viz.runtime.serving import inference_slot

# --- one standard conv vs its depthwise + pointwise pair ------------------------------------------

# Keep one round (one call of each layer) short, so a time budget buys many rounds: at most 1 GMAC
# per standard-conv call (the rates a CPU reaches are printed by benchmarks/theory_vs_practice.py).
MAX_STANDARD_MACS_PER_RUN = 1_000_000_000
# Memory caps (issue 16: M = N = 4096 with D_K = 15 asked for a 15 GB standard conv): the standard
# conv's weights (D_K^2 M N) and the largest activation (M or N channels x D^2), in fp32 values.
MAX_STANDARD_WEIGHTS = 16_000_000  # 64 MB
MAX_ACTIVATION_VALUES = 16_000_000  # 64 MB


# Repeat until the 95% interval of every median is narrower than this fraction of it...
TARGET_SPREAD = 0.10
# ...or the time budget runs out. A speed-up whose median is known only to within this
# fraction (95% interval width / median) is reported as too noisy to conclude anything from.
NOISY_SPREAD = 0.30
MIN_ROUNDS = 5
MAX_ROUNDS = 400
MIN_SAMPLE_S = 0.5e-3  # one sample repeats a call until it lasts at least this long


@dataclass(frozen=True)
class Spread:
    """Median, interquartile range (p25..p75) and a 95% confidence interval of the median.

    The interval is distribution-free (no normality assumed; timings have long right tails):
    the order statistics at ranks n/2 -/+ 1.96 * sqrt(n) / 2 (binomial approximation), so it
    narrows as rounds accumulate even when single rounds scatter widely.
    """

    median: float
    low: float  # p25
    high: float  # p75
    ci_low: float
    ci_high: float
    samples: int

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if not values:
            raise ValueError("no samples")
        ordered = sorted(values)
        n = len(ordered)
        if n == 1:
            return cls(*(ordered[0],) * 5, 1)
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        half = 1.96 * math.sqrt(n) / 2
        lo_rank = max(0, math.floor(n / 2 - half))
        hi_rank = min(n - 1, math.ceil(n / 2 + half) - 1)
        return cls(statistics.median(ordered), q1, q3, ordered[lo_rank], ordered[hi_rank], n)

    @property
    def relative(self) -> float:
        """(p75 - p25) / median: how much single rounds scatter."""
        return (self.high - self.low) / self.median if self.median else float("inf")

    @property
    def ci_relative(self) -> float:
        """Width of the median's 95% interval / median: how well the median is known."""
        return (self.ci_high - self.ci_low) / self.median if self.median else float("inf")


@dataclass(frozen=True)
class LayerTiming:
    rounds: int  # measurement rounds (each times every layer once, in rotating order)
    input_size: int  # the D_F actually timed (may be scaled down)
    output_size: int  # D_O at that size
    scaled: bool  # True when the spatial size was reduced to cap the work
    kernel: int
    standard: Spread  # ms per call, batch 1
    depthwise: Spread
    pointwise: Spread
    separable: Spread  # the pair, pointwise(depthwise(x)), as one call
    speedup: Spread  # per-round standard / separable
    overhead: Spread  # ms per call of a 1-MAC conv: the fixed cost of any call
    standard_macs: int  # at the timed size
    depthwise_macs: int
    pointwise_macs: int
    theoretical_speedup: float  # standard MACs / separable MACs
    threads: int
    elapsed_s: float
    converged: bool  # every median's 95% interval narrowed below TARGET_SPREAD within the budget
    in_channels: int = 0  # the M actually timed (may be scaled down to cap the weights' memory)
    out_channels: int = 0  # the N actually timed (scaled only when D_K^2 N alone exceeds the cap)
    channels_scaled: bool = False
    stopped: str = (
        "budget"  # why the rounds stopped: "converged", "budget" or "rounds" (MAX_ROUNDS reached)
    )

    @property
    def measured_speedup(self) -> float:
        return self.speedup.median

    @property
    def too_noisy(self) -> bool:
        return self.speedup.ci_relative > NOISY_SPREAD

    def gmacs(self, layer: str) -> float:
        """Achieved throughput in G MACs/s (median time) of 'standard', 'depthwise' or 'pointwise'."""
        macs = {
            "standard": self.standard_macs,
            "depthwise": self.depthwise_macs,
            "pointwise": self.pointwise_macs,
        }
        return macs[layer] / (getattr(self, layer).median * 1e6)


def _calls_per_sample(fn, x: torch.Tensor) -> int:
    """How many calls one sample needs to last MIN_SAMPLE_S (timer resolution, tiny layers)."""
    start = time.perf_counter()
    fn(x)
    once = time.perf_counter() - start
    return max(1, min(1000, math.ceil(MIN_SAMPLE_S / max(once, 1e-7))))


def _sample_ms(fn, x: torch.Tensor, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn(x)
    return (time.perf_counter() - start) * 1e3 / calls


def timed_channels(comparison: ConvComparison) -> tuple[int, int]:
    """(M, N) to time: M is reduced until the standard conv's D_K^2 M N weights fit
    MAX_STANDARD_WEIGHTS. N is kept when it can be, because the MAC ratio
    D_K^2 N / (D_K^2 + N) does not depend on M; only a D_K^2 N above the cap scales N too."""
    k2, m, n = comparison.config.kernel**2, comparison.in_channels, comparison.out_channels
    if k2 * m * n <= MAX_STANDARD_WEIGHTS:
        return m, n
    n = min(n, max(1, MAX_STANDARD_WEIGHTS // k2))
    return max(1, min(m, MAX_STANDARD_WEIGHTS // (k2 * n))), n


def timed_input_size(comparison: ConvComparison) -> int:
    """The largest D_F <= the configured one whose standard conv (at :func:`timed_channels`)
    stays under the work cap and whose activations stay under MAX_ACTIVATION_VALUES."""
    cfg = comparison.config
    m, n = timed_channels(comparison)
    smallest = max(1, cfg.kernel - 2 * comparison.padding)  # the kernel must still fit

    def too_big(size: int) -> bool:
        d_o = output_size(size, cfg.kernel, cfg.stride, comparison.padding)
        return (
            cfg.kernel**2 * m * n * d_o * d_o > MAX_STANDARD_MACS_PER_RUN
            or max(m * size * size, n * d_o * d_o) > MAX_ACTIVATION_VALUES
        )

    size = comparison.input_size
    while size > smallest and too_big(size):
        size = max(smallest, int(size * 0.8))
    return size


@torch.inference_mode()
def time_layers(
    comparison: ConvComparison,
    budget_s: float = 3.0,
    seed: int = 0,
    target_spread: float = TARGET_SPREAD,
    min_rounds: int = MIN_ROUNDS,
    max_rounds: int = MAX_ROUNDS,
) -> LayerTiming:
    """Wall time (ms per call, batch 1, this process's torch threads) of the real layers.

    Both sides are plain ``nn.Conv2d`` without bias, in eval/inference mode: standard
    ``Conv2d(M, N, D_K, s, p)`` vs ``Conv2d(M, M, D_K, s, p, groups=M)`` then ``Conv2d(M, N, 1)``.
    After one warm-up call each, every round times the standard conv, the depthwise conv, the
    pointwise conv, the pair and a 1-MAC conv (the fixed cost of a call) once, in rotating order
    so a burst of load hits them alike. The rounds stop once at least ``min_rounds`` ran and the
    95% interval of every median (and of the per-round speed-up's) is within ``target_spread`` of
    it, or when ``budget_s`` is spent. Runs in the process-wide inference slot
    (``serving.inference_slot``); a layer too large for memory is timed with fewer channels
    (:func:`timed_channels`) and a smaller D_F (:func:`timed_input_size`), as the result says.
    """
    if budget_s <= 0:
        raise ValueError("the time budget must be positive")
    if min_rounds < 1 or max_rounds < min_rounds:
        raise ValueError("need 1 <= min_rounds <= max_rounds")
    with (
        inference_slot()
    ):  # the process-wide slot Classify's inferences take: one heavy job at a time
        return _time_layers(comparison, budget_s, seed, target_spread, min_rounds, max_rounds)


def _time_layers(comparison, budget_s, seed, target_spread, min_rounds, max_rounds) -> LayerTiming:
    cfg = comparison.config
    p = comparison.padding
    m, n = timed_channels(comparison)
    size = timed_input_size(comparison)
    d_o = output_size(size, cfg.kernel, cfg.stride, p)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(1, m, size, size, generator=generator)
    torch.manual_seed(seed)
    standard = nn.Conv2d(m, n, cfg.kernel, cfg.stride, p, bias=False).eval()
    depthwise = nn.Conv2d(m, m, cfg.kernel, cfg.stride, p, groups=m, bias=False).eval()
    pointwise = nn.Conv2d(m, n, 1, bias=False).eval()
    dw_out = depthwise(x)
    layers = {
        "standard": (standard, x),
        "depthwise": (depthwise, x),
        "pointwise": (pointwise, dw_out),
        "separable": (lambda t: pointwise(depthwise(t)), x),
    }
    tiny, one_pixel = nn.Conv2d(1, 1, 1, bias=False).eval(), torch.zeros(1, 1, 1, 1)
    layers["call overhead"] = (tiny, one_pixel)  # a conv with 1 MAC: torch's fixed cost per call
    calls = {
        name: _calls_per_sample(fn, inp) for name, (fn, inp) in layers.items()
    }  # also the warm-up
    samples: dict[str, list[float]] = {name: [] for name in layers}
    ratios: list[float] = []
    names = list(layers)
    start = time.perf_counter()
    main = ("standard", "depthwise", "pointwise", "separable")
    converged = False
    rounds = 0
    while rounds < max_rounds:
        order = names[rounds % len(names) :] + names[: rounds % len(names)]
        this_round = {}
        for name in order:
            fn, inp = layers[name]
            this_round[name] = _sample_ms(fn, inp, calls[name])
            samples[name].append(this_round[name])
        ratios.append(this_round["standard"] / this_round["separable"])
        rounds += 1
        if rounds >= min_rounds:
            spreads = [Spread.of(samples[k]).ci_relative for k in main] + [
                Spread.of(ratios).ci_relative
            ]
            if max(spreads) <= target_spread:
                converged = True
                break
        if time.perf_counter() - start > budget_s:
            break
    return LayerTiming(
        rounds=rounds,
        input_size=size,
        output_size=d_o,
        scaled=size != comparison.input_size,
        in_channels=m,
        out_channels=n,
        channels_scaled=(m, n) != (comparison.in_channels, comparison.out_channels),
        kernel=cfg.kernel,
        standard=Spread.of(samples["standard"]),
        depthwise=Spread.of(samples["depthwise"]),
        pointwise=Spread.of(samples["pointwise"]),
        separable=Spread.of(samples["separable"]),
        speedup=Spread.of(ratios),
        overhead=Spread.of(samples["call overhead"]),
        standard_macs=cfg.kernel**2 * m * n * d_o * d_o,
        depthwise_macs=cfg.kernel**2 * m * d_o * d_o,
        pointwise_macs=m * n * d_o * d_o,
        theoretical_speedup=(
            comparison.saving
            if n == comparison.out_channels
            else (cfg.kernel**2 * n) / (cfg.kernel**2 + n)
        ),
        threads=torch.get_num_threads(),
        elapsed_s=time.perf_counter() - start,
        converged=converged,
        stopped="converged" if converged else ("rounds" if rounds >= max_rounds else "budget"),
    )


def explain(t: LayerTiming) -> list[str]:
    """Sentences the measured numbers support, picked from them (never a fixed story).

    Too noisy (the speed-up median's 95% interval wider than NOISY_SPREAD of it): say only that.
    Otherwise a verdict (matches the MAC ratio: within 10% or inside that interval; below; above)
    and the causes visible in each layer's achieved G MACs/s: a depthwise conv at under half the
    pointwise rate (few MACs per loaded value: MobileNets section 3.2 notes the 1x1 convs' efficient
    GEMMs) and a 1x1 conv slower per MAC than the standard conv both pull the speed-up down; a
    standard conv slower per MAC than the 1x1 conv pushes it up; a call's fixed cost weighs on a
    small layer's two calls.
    """
    sp, theory = t.speedup, t.theoretical_speedup
    if t.too_noisy:
        return [
            f"**Too noisy to conclude**: after {t.rounds} rounds the median speed-up is only known to lie "
            f"between {sp.ci_low:.2f}× and {sp.ci_high:.2f}× (95% interval; single rounds ranged "
            f"{sp.low:.2f}–{sp.high:.2f}× in their middle half). Other work was sharing the CPU; measure "
            "again when the server is quieter, or give it more time."
        ]
    std, dw, pw = t.gmacs("standard"), t.gmacs("depthwise"), t.gmacs("pointwise")
    rates = f"standard {std:.3g}, depthwise {dw:.3g}, pointwise {pw:.3g} G MACs/s"
    down, up = [], []
    if dw < 0.5 * pw:
        time_share = t.depthwise.median / (t.depthwise.median + t.pointwise.median)
        mac_share = t.depthwise_macs / (t.depthwise_macs + t.pointwise_macs)
        down.append(
            f"The depthwise conv is slow per MAC: {time_share:.0%} of the separable time for {mac_share:.0%} "
            f"of its MACs. It does only D_K² = {t.kernel**2} MACs per input value it loads, too little "
            "work per value to keep the cores busy (memory traffic dominates), while the 1×1 conv is a "
            "dense matrix product."
            + (
                f" At {t.depthwise.median * 1e3:.0f} µs it is also close to a call's fixed cost "
                f"({t.overhead.median * 1e3:.0f} µs for a 1-MAC conv), so setup counts too."
                if t.depthwise.median < 5 * t.overhead.median
                else ""
            )
        )
    if pw < 0.67 * std:
        down.append(
            "The 1×1 conv ran below the standard conv's rate: its matrix product is D_K² times shorter "
            "per output value, so it uses the cores less well."
        )
    if 2 * t.overhead.median > 0.2 * t.separable.median:
        down.append(
            f"This layer is small: any call costs about {t.overhead.median * 1e3:.0f} µs (measured on a "
            f"1-MAC conv), and the pair makes two calls in {t.separable.median * 1e3:.0f} µs."
        )
    if std < 0.67 * pw:
        up.append(
            "The standard conv ran at a lower rate per MAC than the 1×1 conv: it reads each input value "
            f"D_K² = {t.kernel**2} times ({t.depthwise_macs * 4 / 1e6:.1f} MB of fp32 if unfolded), more "
            "memory traffic per MAC than the two smaller layers."
        )
    if sp.ci_low <= theory <= sp.ci_high or abs(sp.median / theory - 1) <= 0.10:
        out = [
            f"The measured speed-up ({sp.median:.2f}×) matches the MAC ratio ({theory:.2f}×) within 10% or "
            f"its 95% interval ({rates})."
        ]
        if down and up:
            return (
                out
                + down
                + up
                + ["These effects pull in opposite directions and roughly cancel here."]
            )
        if not down and not up:
            return out + [
                "Every layer ran at a similar rate: here a MAC costs about the same in each."
            ]
        if down and pw > 1.05 * std:
            return (
                out
                + down
                + [
                    f"The 1×1 conv ran faster per MAC than the standard conv ({pw:.3g} vs {std:.3g} G MACs/s), which "
                    "makes up for it here."
                ]
            )
        return out + down + up
    if sp.median < theory:
        out = [f"Measured {sp.median:.2f}× is below the MAC ratio {theory:.2f}× ({rates})."]
        causes = down
    else:
        out = [f"Measured {sp.median:.2f}× is above the MAC ratio {theory:.2f}× ({rates})."]
        causes = up
    if not causes:
        causes = [
            "None of the usual causes (a slow depthwise conv, a slow standard conv, call overhead) "
            "stands out in these rates."
        ]
    return out + causes


# --- every layer of MobileNetV2 on a real image -------------------------------------------------

KINDS = ("pointwise", "depthwise", "other")


def layer_kind(module: nn.Module) -> str:
    """'depthwise', 'pointwise' or 'other' for a conv / linear layer."""
    if isinstance(module, nn.Conv2d):
        if module.groups > 1 and module.groups == module.in_channels:
            return "depthwise"
        if tuple(module.kernel_size) == (1, 1) and module.groups == 1:
            return "pointwise"
    return "other"


@dataclass(frozen=True)
class LayerProfile:
    name: str  # module path, e.g. "features.3.conv.1.0"
    kind: str
    macs: int  # per image, from the architecture table
    ms: float  # median over runs (includes the BN/ReLU6/add that follow it)


def _measured_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def _table_macs(layers: list[tuple[str, nn.Module]], resolution: int) -> list[int]:
    """Each layer's MACs for one image, from ``build("v2")`` at ``resolution``, matched by module
    path (a table row names torchvision's module; a Conv2dNormActivation's conv is its ``.0``)."""
    out_features = [m.out_features for _, m in layers if isinstance(m, nn.Linear)]
    table = build("v2", 1.0, resolution, out_features[-1] if out_features else 1000)
    rows = {r.module: r for r in table.layers if r.module is not None}
    macs = []
    for name, module in layers:
        row = rows.get(name) or (rows.get(name[:-2]) if name.endswith(".0") else None)
        width = module.out_channels if isinstance(module, nn.Conv2d) else module.out_features
        if row is None or row.output_shape[0] != width:
            raise ValueError(
                f"layer {name} is not in torchvision's MobileNetV2 1.0 table: cannot profile it"
            )
        macs.append(row.macs)
    return macs


def profile_layers(
    model: nn.Module, batch: torch.Tensor, *, runs: int = 5, warmup: int = 1
) -> list[LayerProfile]:
    """Median per-layer latency (ms) of torchvision's MobileNetV2 ``model`` on ``batch`` (eager,
    CPU/GPU as is), with each layer's MACs from the architecture table.

    A private copy gets the hooks (the shared model is never touched): a timestamp is taken before
    every conv/linear layer and the time until the next one is charged to it, so each conv's time
    includes its BatchNorm, ReLU6 and residual add.
    """
    private = copy.deepcopy(model).eval()
    layers = _measured_layers(private)
    macs = _table_macs(layers, int(batch.shape[-1]))
    marks: list[tuple[int, float]] = []
    cuda = batch.is_cuda

    def now() -> float:
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def pre_hook(index):
        def hook(_module, _inputs):
            marks.append((index, now()))

        return hook

    for i, (_, module) in enumerate(layers):
        module.register_forward_pre_hook(pre_hook(i))
    samples: list[list[float]] = [[] for _ in layers]
    with inference_slot(), torch.inference_mode():  # the process-wide slot, like every torch entry
        for run in range(warmup + runs):
            marks.clear()
            private(batch)
            end = now()
            if run < warmup:
                continue
            stamps = marks + [(-1, end)]
            for (index, t0), (_, t1) in zip(stamps, stamps[1:], strict=False):
                samples[index].append((t1 - t0) * 1e3)
    return [
        LayerProfile(name, layer_kind(module), macs[i], float(statistics.median(samples[i])))
        for i, (name, module) in enumerate(layers)
    ]


@dataclass(frozen=True)
class KindShare:
    kind: str
    layers: int
    macs: int
    ms: float
    mac_share: float  # fraction of all MACs
    time_share: float  # fraction of the profiled time


def group_by_kind(profile: list[LayerProfile]) -> list[KindShare]:
    """Sum MACs and time per layer type, with each type's share of the total."""
    total_macs = sum(p.macs for p in profile) or 1
    total_ms = sum(p.ms for p in profile) or 1.0
    rows = []
    for kind in KINDS:
        members = [p for p in profile if p.kind == kind]
        macs = sum(p.macs for p in members)
        ms = sum(p.ms for p in members)
        rows.append(KindShare(kind, len(members), macs, ms, macs / total_macs, ms / total_ms))
    return rows
