"""MobileNetV2's inverted residual block: stage shapes, MACs, params and activation memory.

Source: Sandler et al., "MobileNetV2", arXiv:1801.04381, section 3 and Table 1. A block with
input h x w x k, expansion t, output channels k' and stride s is

    expand     1x1 conv k -> tk, BN, ReLU6          h x w x k      -> h x w x tk
    depthwise  3x3 dwise stride s, BN, ReLU6        h x w x tk     -> h/s x w/s x tk
    project    1x1 conv tk -> k', BN, *linear*      h/s x w/s x tk -> h/s x w/s x k'

and adds its input to its output (the residual) only when s = 1 and k = k'. Its cost at stride 1
is the paper's h * w * d' * t * (d' + k^2 + d'') MACs (section 3.3; there d' = in channels,
d'' = out channels and k is the kernel). At t = 1 there is no expand conv, exactly as in
torchvision's ``InvertedResidual`` (the first MobileNetV2 block), so the cost is lower by
h * w * d'^2. At stride 2 the depthwise and project terms run at h/s x w/s, so the paper's
formula written with h x w over-counts them; this module always uses the true output size.

Width multiplier alpha (section 6.1 / torchvision): k -> make_divisible(alpha * k, 8) and
k' -> make_divisible(alpha * k', 8); the hidden width is round(t * k). With alpha = 1 the
channels are used as given (Table 2's channels are all multiples of 8 already).

Costs: MACs are conv multiply-accumulates (the paper's "mult-adds"; FLOPs = 2 x MACs); BN, ReLU6
and the residual add are not counted. Params are conv weights (no conv bias) plus BN's weight and
bias (2 per channel); BN's running mean/variance are buffers, not learnable parameters.

Memory assumptions (batch size 1, activations only, weights not counted):

* Naive schedule (what an eager framework does): every stage materialises its whole output
  tensor; BN and the activation run in place; while a stage runs its input and output are both
  alive; when the residual applies, the block input also stays alive until the final add, which
  writes in place into the project output. Peak = the largest "live" total over the stages.
* Streaming schedule (section 5.1, "memory efficient inference"): the expanded tensor of
  n = tk channels is never materialised whole. The block is computed as
  F(x) = sum_i (A_i o N o B_i)(x) over ``splits`` channel groups of n / splits channels each
  (section 5.1 calls the number of splits t, a second use of the letter: it is not the expansion
  factor; the paper finds "t being a small constant between 2 and 5" most helpful, since many
  small matrix products cost cache misses; the default here is DEFAULT_SPLITS = 4): only one
  group of the expanded tensor (h x w) and of the depthwise
  output (h/s x w/s) is alive at a time, and the project output is accumulated in place, so
  peak = |x| + |y| + (n / splits) * (h*w + h/s*w/s). At t = 1 the "expanded" group is a slice of
  x itself, so only the depthwise group is extra. splits = n gives the paper's
  |x| + |y| + O(max(h*w, h/s*w/s)). One split is just the naive schedule, so the streaming peak
  is never reported above the naive one (it is the smaller of the two).
* Bytes: 4 per element in fp32, 2 in fp16 (the paper's Table 3 assumes 16-bit activations).

The same description is given for two blocks with the same in/out channels for comparison: a
ResNet bottleneck (He et al. 2016: 1x1 reduce to k'/4, 3x3 conv, 1x1 expand, ReLU after each, with
a projection shortcut when the shape changes) and MobileNetV1's depthwise separable block
(Howard et al. 2017, Figure 3: 3x3 dwise, BN, ReLU, 1x1 conv, BN, ReLU; no residual).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from mobilenet_viz.analytic.architectures import V2_SETTING, V2_STEM_CHANNELS
from mobilenet_viz.analytic.costs import (
    LayerCost,
    depthwise_conv_cost,
    grouped_conv_cost,
    output_size,
    pointwise_conv_cost,
    scale_channels,
)

BYTES_PER_ELEMENT = {"fp32": 4, "fp16": 2}
# Streaming splits (section 5.1's t): the paper recommends "a small constant between 2 and 5".
DEFAULT_SPLITS = 4
MAX_CHANNELS = 100_000
MAX_INPUT_SIZE = 4096


@dataclass(frozen=True)
class BlockConfig:
    """One inverted residual block as the user configures it (before alpha)."""

    input_size: int  # h = w
    in_channels: int  # k (the paper's d')
    expansion: int  # t
    out_channels: int  # k' (the paper's d'')
    stride: int = 1  # s
    kernel: int = 3  # depthwise kernel (3 in MobileNetV2)
    alpha: float = 1.0  # width multiplier
    divisor: int = 8  # channel rounding used with alpha != 1 (torchvision's round_nearest)


@dataclass(frozen=True)
class Preset:
    """One of the 17 bottleneck blocks of MobileNetV2 at 224 x 224 (Table 2)."""

    number: int  # 1..17, torchvision's model.features[number]
    config: BlockConfig
    row: int  # Table 2 row of the (t, c, n, s) body, 1..7

    @property
    def label(self) -> str:
        c = self.config
        return (
            f"Block {self.number}: {c.input_size}x{c.input_size}x{c.in_channels}, t={c.expansion}, "
            f"-> {c.out_channels}, s={c.stride}"
        )


def mobilenet_v2_presets(resolution: int = 224) -> list[Preset]:
    """The 17 bottleneck blocks of MobileNetV2 from Table 2 (width 1.0).

    The stem (3x3 conv, stride 2, 32 channels) halves the input; within a (t, c, n, s) row only
    the first block has stride s and takes the previous row's channels.
    """
    size = output_size(resolution, 3, 2)
    channels = V2_STEM_CHANNELS
    presets = []
    for row, (t, c, n, s) in enumerate(V2_SETTING, start=1):
        for i in range(n):
            stride = s if i == 0 else 1
            presets.append(Preset(len(presets) + 1, BlockConfig(size, channels, t, c, stride), row))
            size = output_size(size, 3, stride)
            channels = c
    return presets


@dataclass(frozen=True)
class Stage:
    """One conv (+ BN + activation) inside a block. Shapes are (C, H, W)."""

    name: str  # "expand", "depthwise", "project", ...
    operator: str  # "1x1 conv", "3x3 depthwise conv, stride 2"
    activation: str  # "ReLU6", "ReLU" or "linear"
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    conv: LayerCost  # conv weights and MACs
    bn_params: int  # 2 x output channels (BN weight + bias)
    live_elements: int  # activations alive while this stage runs (naive schedule)

    @property
    def macs(self) -> int:
        return self.conv.macs

    @property
    def params(self) -> int:
        return self.conv.params + self.bn_params

    @property
    def output_elements(self) -> int:
        return math.prod(self.output_shape)

    def output_bytes(self, dtype: str = "fp32") -> int:
        return self.output_elements * BYTES_PER_ELEMENT[dtype]

    def live_bytes(self, dtype: str = "fp32") -> int:
        return self.live_elements * BYTES_PER_ELEMENT[dtype]

    @property
    def linear(self) -> bool:
        return self.activation == "linear"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "operator": self.operator,
            "activation": self.activation,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "macs": self.macs,
            "params": self.params,
            "conv_params": self.conv.params,
            "bn_params": self.bn_params,
            "output_bytes_fp32": self.output_bytes("fp32"),
            "output_bytes_fp16": self.output_bytes("fp16"),
            "live_bytes_fp32": self.live_bytes("fp32"),
        }


class StageTotals:
    """Totals over ``self.stages`` (each with ``macs`` and ``params``): a block costs the sum of
    its stages (FLOPs = 2 x MACs). Shared by MobileNetV2's and MobileNetV3's block costs."""

    @property
    def macs(self) -> int:
        return sum(s.macs for s in self.stages)

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def params(self) -> int:
        return sum(s.params for s in self.stages)


@dataclass(frozen=True)
class BlockCost(StageTotals):
    """Shapes, costs and memory of one block (any of the three kinds)."""

    kind: str  # "inverted_residual", "resnet_bottleneck", "separable"
    title: str
    config: BlockConfig
    in_channels: int  # after alpha
    hidden_channels: int  # widest inner tensor (tk for the inverted residual)
    out_channels: int  # after alpha
    input_size: int
    output_size: int
    stages: tuple[Stage, ...]
    residual: bool
    residual_reason: str
    input_linear: bool  # the block input is a linear bottleneck (drawn hatched)
    streaming_extra_per_channel: int  # elements per hidden channel alive when streaming

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.in_channels, self.input_size, self.input_size)

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return self.stages[-1].output_shape

    @property
    def naive_peak_elements(self) -> int:
        return max(s.live_elements for s in self.stages)

    def naive_peak_bytes(self, dtype: str = "fp32") -> int:
        return self.naive_peak_elements * BYTES_PER_ELEMENT[dtype]

    def streaming_peak_elements(self, splits: int | None = None) -> int:
        """Section 5.1's peak: |x| + |y| + (n / splits) channels of the inner tensors.

        ``splits`` (section 5.1's t, not the expansion factor) defaults to DEFAULT_SPLITS, at
        most n; only the inverted residual streams, the other kinds return their naive peak.
        """
        if self.kind != "inverted_residual":
            return self.naive_peak_elements
        n = self.hidden_channels
        splits = min(DEFAULT_SPLITS, n) if splits is None else splits
        if not 1 <= splits <= n:
            raise ValueError(f"splits must be in 1..{n} (the expanded channels), got {splits}")
        group = math.ceil(n / splits)
        io = math.prod(self.input_shape) + math.prod(self.output_shape)
        return min(self.naive_peak_elements, io + group * self.streaming_extra_per_channel)

    def streaming_peak_bytes(self, dtype: str = "fp32", splits: int | None = None) -> int:
        return self.streaming_peak_elements(splits) * BYTES_PER_ELEMENT[dtype]

    @property
    def paper_formula_macs(self) -> int:
        """h * w * d' * t * (d' + k^2 + d'') (section 3.3), with the input h x w throughout."""
        c = self
        return (
            c.input_size**2
            * c.in_channels
            * c.config.expansion
            * (c.in_channels + c.config.kernel**2 + c.out_channels)
        )

    def paper_formula_note(self) -> str:
        """Why h*w*d'*t*(d' + k^2 + d'') (section 3.3) equals the stage sum, or why it does not.

        The formula assumes an expansion conv (t > 1) and every stage at the input's h x w; it is
        exact exactly when both hold, whatever the stride (a 1x1 input stays 1x1 at stride 2).
        """
        h, ho, s, t = self.input_size, self.output_size, self.config.stride, self.config.expansion
        if self.macs == self.paper_formula_macs:
            if s == 1:
                return "Equal: at stride 1 with t > 1 the formula is exact."
            return (
                f"Equal: t > 1, and at stride {s} this {h}×{h} input still gives a {ho}×{ho} output, "
                "so every stage runs at the size the formula assumes."
            )
        why = []
        if t == 1:
            why.append(
                f"t = 1 has no expansion conv (−{h}·{h}·{self.in_channels}² MACs, as in torchvision)"
            )
        if ho != h:
            why.append(f"at stride {s} the depthwise and projection run on {ho}×{ho}, not {h}×{h}")
        return (
            f"The formula gives {self.paper_formula_macs / self.macs:.2f}× the true count: "
            + "; ".join(why)
            + "."
        )

    def tensors(self) -> list[tuple[str, tuple[int, int, int], str]]:
        """(name, shape, activation that produced it): the input and each main-path stage output."""
        first = ("input", self.input_shape, "linear" if self.input_linear else "ReLU")
        return [first] + [(s.name, s.output_shape, s.activation) for s in self.main_path]

    @property
    def main_path(self) -> tuple[Stage, ...]:
        """The stages in a chain from input to output (a projection shortcut runs beside them)."""
        return tuple(s for s in self.stages if s.name != "shortcut")

    def as_dict(self) -> dict:
        """The CLI's JSON contract (DESIGN.md, `block`) plus a few extra fields."""
        return {
            "kind": self.kind,
            "residual": self.residual,
            "residual_reason": self.residual_reason,
            "in_channels": self.in_channels,
            "hidden_channels": self.hidden_channels,
            "out_channels": self.out_channels,
            "stages": [s.as_dict() for s in self.stages],
            "macs": self.macs,
            "flops": self.flops,
            "params": self.params,
            "peak_activation_bytes": self.naive_peak_bytes("fp32"),
            "peak_activation_bytes_fp16": self.naive_peak_bytes("fp16"),
            "streaming_peak_activation_bytes": self.streaming_peak_bytes("fp32"),
            "streaming_peak_activation_bytes_fp16": self.streaming_peak_bytes("fp16"),
            "streaming_splits": min(DEFAULT_SPLITS, self.hidden_channels)
            if self.kind == "inverted_residual"
            else 1,
            "paper_formula_macs": self.paper_formula_macs,
        }


def _validate(config: BlockConfig) -> None:
    for name, value, lo, hi in (
        ("input size", config.input_size, 1, MAX_INPUT_SIZE),
        ("in channels", config.in_channels, 1, MAX_CHANNELS),
        ("out channels", config.out_channels, 1, MAX_CHANNELS),
        ("expansion t", config.expansion, 1, 100),
    ):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be in {lo}..{hi}, got {value}")
    if config.stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2 (as in MobileNetV2), got {config.stride}")
    if config.kernel < 1 or config.kernel % 2 == 0 or config.kernel > 15:
        raise ValueError(f"kernel must be odd and in 1..15 (same padding), got {config.kernel}")


def block_channels(config: BlockConfig) -> tuple[int, int, int]:
    """(k, tk, k') after the width multiplier; hidden = round(t * k) as in torchvision."""
    if config.alpha == 1:
        k, k2 = config.in_channels, config.out_channels
    else:
        k = scale_channels(config.in_channels, config.alpha, config.divisor)
        k2 = scale_channels(config.out_channels, config.alpha, config.divisor)
    hidden = int(round(k * config.expansion))
    if k * config.expansion > MAX_CHANNELS:
        raise ValueError(f"t x k = {hidden} expanded channels is more than {MAX_CHANNELS}")
    return k, hidden, k2


def residual_rule(stride: int, in_channels: int, out_channels: int) -> tuple[bool, str]:
    """The shortcut x + F(x) needs F(x) to have x's shape: s = 1 and k = k' (section 4)."""
    problems = []
    if stride != 1:
        problems.append(f"stride {stride} shrinks the spatial size, so F(x) is smaller than x")
    if in_channels != out_channels:
        problems.append(f"the channels change ({in_channels} -> {out_channels})")
    if problems:
        return False, "No residual: " + " and ".join(problems) + "."
    return True, f"Residual applies: stride 1 and k = k' = {in_channels}, so x + F(x) is defined."


def inverted_residual(config: BlockConfig) -> BlockCost:
    """Stages, costs and memory of MobileNetV2's bottleneck block (Table 1), see module doc."""
    _validate(config)
    k, n, k2 = block_channels(config)
    h = config.input_size
    ho = output_size(h, config.kernel, config.stride)
    residual, reason = residual_rule(config.stride, k, k2)
    x = k * h * h
    keep_x = x if residual else 0  # the block input stays alive for the final add
    stages = []
    dw_in = (k, h, h)
    if config.expansion != 1:
        e = n * h * h
        stages.append(
            Stage(
                "expand",
                "1x1 conv",
                "ReLU6",
                (k, h, h),
                (n, h, h),
                pointwise_conv_cost(k, n, h),
                2 * n,
                x + e,
            )
        )
        dw_in = (n, h, h)
    d = n * ho * ho
    stages.append(
        Stage(
            "depthwise",
            f"{config.kernel}x{config.kernel} depthwise conv, stride {config.stride}",
            "ReLU6",
            dw_in,
            (n, ho, ho),
            depthwise_conv_cost(n, config.kernel, ho),
            2 * n,
            math.prod(dw_in) + d + (keep_x if config.expansion != 1 else 0),
        )
    )
    y = k2 * ho * ho
    stages.append(
        Stage(
            "project",
            "1x1 conv",
            "linear",
            (n, ho, ho),
            (k2, ho, ho),
            pointwise_conv_cost(n, k2, ho),
            2 * k2,
            d + y + keep_x,
        )
    )
    per_channel = (h * h if config.expansion != 1 else 0) + ho * ho
    return BlockCost(
        "inverted_residual",
        "Inverted residual (MobileNetV2)",
        config,
        k,
        n,
        k2,
        h,
        ho,
        tuple(stages),
        residual,
        reason,
        True,
        per_channel,
    )


def resnet_bottleneck(config: BlockConfig) -> BlockCost:
    """A classic ResNet bottleneck with the same in/out channels: wide -> narrow -> wide.

    1x1 conv k -> k'/4, BN, ReLU; 3x3 conv (stride s) k'/4 -> k'/4, BN, ReLU; 1x1 conv
    k'/4 -> k', BN; shortcut (identity, or 1x1 conv stride s + BN when the shape changes);
    add; ReLU. This is torchvision's ``Bottleneck(k, k'/4, s)`` (expansion 4).
    """
    _validate(config)
    k, _, k2 = block_channels(config)
    mid = max(1, round(k2 / 4))
    h = config.input_size
    ho = output_size(h, config.kernel, config.stride)
    identity = config.stride == 1 and k == k2
    x = k * h * h
    a, b, c = mid * h * h, mid * ho * ho, k2 * ho * ho
    reduce = Stage(
        "reduce",
        "1x1 conv",
        "ReLU",
        (k, h, h),
        (mid, h, h),
        pointwise_conv_cost(k, mid, h),
        2 * mid,
        x + a,
    )
    conv = Stage(
        "conv",
        f"{config.kernel}x{config.kernel} conv, stride {config.stride}",
        "ReLU",
        (mid, h, h),
        (mid, ho, ho),
        grouped_conv_cost(mid, mid, config.kernel, ho),
        2 * mid,
        x + a + b,
    )
    if identity:
        reason = "Identity shortcut: stride 1 and the channels match."
        stages = [
            reduce,
            conv,
            Stage(
                "expand",
                "1x1 conv, + x, ReLU",
                "ReLU",
                (mid, ho, ho),
                (k2, ho, ho),
                pointwise_conv_cost(mid, k2, ho),
                2 * k2,
                x + b + c,
            ),
        ]
    else:
        reason = "Projection shortcut: a 1x1 conv (stride s) + BN reshapes x so it can be added."
        stages = [
            reduce,
            conv,
            Stage(
                "shortcut",
                f"1x1 conv, stride {config.stride}",
                "linear",
                (k, h, h),
                (k2, ho, ho),
                pointwise_conv_cost(k, k2, ho),
                2 * k2,
                x + b + c,
            ),
            Stage(
                "expand",
                "1x1 conv, + shortcut, ReLU",
                "ReLU",
                (mid, ho, ho),
                (k2, ho, ho),
                pointwise_conv_cost(mid, k2, ho),
                2 * k2,
                b + c + c,
            ),
        ]
    return BlockCost(
        "resnet_bottleneck",
        "ResNet bottleneck",
        config,
        k,
        mid,
        k2,
        h,
        ho,
        tuple(stages),
        True,
        reason,
        False,
        0,
    )


def separable_block(config: BlockConfig) -> BlockCost:
    """MobileNetV1's depthwise separable block (Figure 3): 3x3 dwise k (stride s), BN, ReLU;
    1x1 conv k -> k', BN, ReLU. No residual, no expansion."""
    _validate(config)
    k, _, k2 = block_channels(config)
    h = config.input_size
    ho = output_size(h, config.kernel, config.stride)
    x, d, y = k * h * h, k * ho * ho, k2 * ho * ho
    stages = (
        Stage(
            "depthwise",
            f"{config.kernel}x{config.kernel} depthwise conv, stride {config.stride}",
            "ReLU",
            (k, h, h),
            (k, ho, ho),
            depthwise_conv_cost(k, config.kernel, ho),
            2 * k,
            x + d,
        ),
        Stage(
            "pointwise",
            "1x1 conv",
            "ReLU",
            (k, ho, ho),
            (k2, ho, ho),
            pointwise_conv_cost(k, k2, ho),
            2 * k2,
            d + y,
        ),
    )
    return BlockCost(
        "separable",
        "Depthwise separable (MobileNetV1)",
        config,
        k,
        k,
        k2,
        h,
        ho,
        stages,
        False,
        "No residual in MobileNetV1.",
        False,
        0,
    )


def compare_blocks(config: BlockConfig) -> list[BlockCost]:
    """ResNet bottleneck, V1 separable and V2 inverted residual with the same in/out channels."""
    return [resnet_bottleneck(config), separable_block(config), inverted_residual(config)]


@dataclass(frozen=True)
class SweepPoint:
    expansion: int
    macs: int
    params: int
    naive_peak_bytes: int  # fp32
    streaming_peak_bytes: int  # fp32, DEFAULT_SPLITS splits


def expansion_sweep(
    config: BlockConfig, expansions: Iterable[int] = range(1, 11)
) -> list[SweepPoint]:
    """MACs, params and peak activation memory (fp32) of the block as t varies."""
    points = []
    for t in expansions:
        cost = inverted_residual(replace(config, expansion=t))
        points.append(
            SweepPoint(
                t,
                cost.macs,
                cost.params,
                cost.naive_peak_bytes("fp32"),
                cost.streaming_peak_bytes("fp32"),
            )
        )
    return points


def stage_rows(cost: BlockCost) -> list[dict]:
    """The stage table (one row per stage, then a total row) for display or CSV."""

    def shape(s):
        return f"{s[1]}x{s[2]}x{s[0]}"

    rows = [
        {
            "stage": s.name,
            "operator": s.operator,
            "activation": s.activation,
            "input (h x w x c)": shape(s.input_shape),
            "output (h x w x c)": shape(s.output_shape),
            "MACs": s.macs,
            "params (conv + BN)": s.params,
            "output fp32 bytes": s.output_bytes("fp32"),
            "output fp16 bytes": s.output_bytes("fp16"),
            "live fp32 bytes (naive)": s.live_bytes("fp32"),
        }
        for s in cost.stages
    ]
    rows.append(
        {
            "stage": "total",
            "operator": "",
            "activation": "",
            "input (h x w x c)": shape(cost.input_shape),
            "output (h x w x c)": shape(cost.output_shape),
            "MACs": cost.macs,
            "params (conv + BN)": cost.params,
            "output fp32 bytes": sum(s.output_bytes("fp32") for s in cost.stages),
            "output fp16 bytes": sum(s.output_bytes("fp16") for s in cost.stages),
            "live fp32 bytes (naive)": cost.naive_peak_bytes("fp32"),
        }
    )
    return rows


def comparison_rows(costs: list[BlockCost]) -> list[dict]:
    """One row per block kind: channel flow, MACs, params, widest tensor, peak memory, residual."""
    return [
        {
            "block": c.title,
            "channels": f"{c.in_channels} -> {c.hidden_channels} -> {c.out_channels}",
            "shape": "wide -> narrow -> wide"
            if c.hidden_channels < min(c.in_channels, c.out_channels)
            else "narrow -> wide -> narrow"
            if c.hidden_channels > max(c.in_channels, c.out_channels)
            else "no expansion",
            "MACs": c.macs,
            "params (conv + BN)": c.params,
            "widest tensor (elements)": max(math.prod(shape) for _, shape, _ in c.tensors()),
            "peak fp32 bytes (naive)": c.naive_peak_bytes("fp32"),
            "shortcut": "yes" if c.residual else "no",
        }
        for c in costs
    ]


@dataclass(frozen=True)
class StackedTensor:
    """One tensor in two stacked inverted residual blocks (MobileNetV2 Figure 2 c/d)."""

    name: str
    channels: int
    linear: bool  # produced by a linear layer (the paper hatches these)
    role_c: str  # in Figure 2 (c)'s cut: "block", "next" (lightly coloured) or "outside"
    role_d: str  # the same in Figure 2 (d)'s cut


def figure2_cuts(in_channels: int, expansion: int) -> tuple[list[StackedTensor], list[str]]:
    """Two stacked blocks of k -> tk -> tk -> k channels, with the two ways the paper cuts them.

    MobileNetV2 Figure 2 (arXiv:1801.04381v4): (c) "separable with linear bottleneck" is a
    block from a wide tensor through the 3x3 depthwise and the linear 1x1 to the thin bottleneck,
    then the 1x1 expansion; (d) "bottleneck with expansion layer" starts and ends at the thin
    bottlenecks. "2d and 2c are equivalent blocks when stacked": the same layers, cut at a
    different boundary. The last (lightly coloured) tensor of each is the next block's first.
    Returns the tensors and the names of the layers between consecutive tensors.
    """
    if in_channels < 1 or expansion < 1:
        raise ValueError("channels and expansion must be at least 1")
    k, wide = in_channels, expansion * in_channels
    spec = [  # name, channels, linear, role in (c), role in (d)
        ("bottleneck", k, True, "outside", "block"),
        ("expanded", wide, False, "block", "block"),
        ("depthwise out", wide, False, "block", "block"),
        ("bottleneck", k, True, "block", "block"),
        ("expanded", wide, False, "block", "next"),
        ("depthwise out", wide, False, "next", "outside"),
        ("bottleneck", k, True, "outside", "outside"),
    ]
    layers = [
        "1×1 expand, ReLU6",
        "3×3 dwise, ReLU6",
        "1×1 linear",
        "1×1 expand, ReLU6",
        "3×3 dwise, ReLU6",
        "1×1 linear",
    ]
    return [StackedTensor(*row) for row in spec], layers
