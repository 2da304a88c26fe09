"""MobileNetV3's block (inverted residual + squeeze-and-excite) and its redesigned last stage.

Source: Howard et al., "Searching for MobileNetV3", arXiv:1905.02244v5. Section 5 and Figure 4:
the V3 bneck is MobileNetV2's inverted residual (1x1 expand -> depthwise -> linear 1x1 project,
shortcut when s = 1 and in = out) with an optional squeeze-and-excite (SE) module after the
depthwise conv (as in MnasNet), and ReLU or h-swish as its nonlinearity (Tables 1-2: "RE"/"HS").
Section 5.3 fixes the SE bottleneck to 1/4 of the expansion layer's channels. As torchvision's
``mobilenetv3.InvertedResidual`` builds it, with C = expanded channels:

    SE pool      global average pool          C x H x W -> C x 1 x 1        (0 MACs)
    SE reduce    1x1 conv C -> S, bias, ReLU  C x 1 x 1 -> S x 1 x 1        C * S MACs
    SE expand    1x1 conv S -> C, bias        S x 1 x 1 -> C x 1 x 1        S * C MACs
                 hard-sigmoid ReLU6(x + 3) / 6 (section 5.2)
    SE scale     channel-wise x * s            C x H x W -> C x H x W        (0 MACs)

with S = make_divisible(C // 4, 8) (torchvision ``_make_divisible(expanded // 4, 8)``). The expand
conv exists only when the expanded channels differ from the input channels (V3-Large's first
block has none). Channels follow torchvision's ``InvertedResidualConfig``: every count is
``make_divisible(c * alpha, 8)`` -- even at alpha = 1, so 13 channels become 16.

Counting (as in architectures.py; the tests check it against torch): MACs = conv
multiply-accumulates (FLOPs = 2 x MACs); pooling, the channel-wise scale, BN and activations cost
0 MACs (FlopCounterMode agrees). Params = conv weights + BN weight and bias (2 per channel) + the
SE convs' biases; ``sum(p.numel())`` of the torch module.

Last stage (section 5.1, Figure 5): MobileNetV2-style models end with a bottleneck (1x1 expand,
depthwise, 1x1 project to 320) and a 1x1 conv to 1280 at 7x7, then pool and classify. V3 moves
the 1280-wide layer past the average pool (computed at 1x1 instead of 7x7) and drops the
depthwise and projection layers: 1x1 conv to 960 at 7x7, pool, 1x1 conv 960 -> 1280 (no BN,
h-swish), 1x1 conv 1280 -> classes. The paper: "reduces the latency by 7 milliseconds which is
11% of the running time and reduces the number of operations by 30 millions MAdds".

Search reward (section 4.1, after MnasNet): ACC(m) x [LAT(m)/TAR]^w, w = -0.07 (MnasNet, reused
for V3-Large's seed) or -0.15 (V3-Small's search).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mobilenet_viz.analytic.architectures import V3_LARGE, V3_LAST_CHANNEL, V3_SMALL
from mobilenet_viz.analytic.blocks import StageTotals
from mobilenet_viz.analytic.costs import (
    check_alpha,
    depthwise_conv_cost,
    make_divisible,
    output_size,
    pointwise_conv_cost,
)

PAPER = "Searching for MobileNetV3 (Howard et al., arXiv:1905.02244v5)"
ACTIVATIONS = {"RE": "ReLU", "HS": "h-swish"}
TABLES = {"v3-large": V3_LARGE, "v3-small": V3_SMALL}
TABLE_NUMBERS = {"v3-large": 1, "v3-small": 2}
MAX_CHANNELS = 10_000
MAX_INPUT_SIZE = 1024
KERNELS = (3, 5, 7)
# Figure 5's original last stage projects the 960 expanded channels to 320 before the 1280 conv.
ORIGINAL_BOTTLENECK = 320
# Section 5.1's quoted savings of the efficient last stage.
PAPER_SAVED_MACS = 30_000_000
PAPER_SAVED_MS = 7
PAPER_SAVED_SHARE = 0.11


@dataclass(frozen=True)
class V3BlockConfig:
    """One V3 bneck as torchvision's InvertedResidualConfig describes it (channels before alpha)."""

    input_size: int  # D_F = h = w
    in_channels: int  # M
    kernel: int  # D_K of the depthwise conv (3 or 5 in V3)
    expanded_channels: int  # "exp size" of Tables 1-2
    out_channels: int  # N ("#out")
    use_se: bool = False
    activation: str = "RE"  # "RE" (ReLU) or "HS" (h-swish)
    stride: int = 1
    alpha: float = 1.0

    @property
    def activation_name(self) -> str:
        return ACTIVATIONS[self.activation]


@dataclass(frozen=True)
class V3Stage:
    """One step of the block. Shapes are (C, H, W)."""

    name: str  # "expand", "depthwise", "SE pool", "SE reduce", "SE expand", "SE scale", "project"
    operator: str
    activation: str
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    macs: int
    params: int  # conv weights + BN (2 per channel) or conv bias
    se: bool = False  # part of the squeeze-and-excite branch

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "operator": self.operator,
            "activation": self.activation,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "macs": self.macs,
            "params": self.params,
            "se": self.se,
        }


@dataclass(frozen=True)
class V3BlockCost(StageTotals):
    config: V3BlockConfig
    in_channels: int  # after torchvision's rounding
    expanded_channels: int
    out_channels: int
    squeeze_channels: int | None  # S, None without SE
    stages: tuple[V3Stage, ...]
    residual: bool

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.stages[0].input_shape

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return self.stages[-1].output_shape

    @property
    def se_macs(self) -> int:
        return sum(s.macs for s in self.stages if s.se)

    @property
    def se_params(self) -> int:
        return sum(s.params for s in self.stages if s.se)

    @property
    def se_scale_multiplies(self) -> int:
        """Elementwise products of the channel-wise scale (C*H*W; not MACs, not counted above)."""
        return math.prod(self.stages[-1].input_shape) if self.squeeze_channels else 0

    def as_dict(self) -> dict:
        c = self.config
        se = None
        if self.squeeze_channels is not None:
            se = {
                "squeeze_channels": self.squeeze_channels,
                "macs": self.se_macs,
                "params": self.se_params,
                "macs_share": self.se_macs / self.macs,
                "params_share": self.se_params / self.params,
                "scale_multiplies": self.se_scale_multiplies,
            }
        return {
            "kind": "v3_bneck",
            "residual": self.residual,
            "activation": c.activation_name,
            "kernel": c.kernel,
            "stride": c.stride,
            "in_channels": self.in_channels,
            "expanded_channels": self.expanded_channels,
            "out_channels": self.out_channels,
            "stages": [s.as_dict() for s in self.stages],
            "macs": self.macs,
            "flops": self.flops,
            "params": self.params,
            "se": se,
        }


def adjust_channels(channels: int, alpha: float) -> int:
    """torchvision's InvertedResidualConfig.adjust_channels: make_divisible(channels * alpha, 8)."""
    return make_divisible(channels * alpha, 8)


def squeeze_channels(expanded_channels: int) -> int:
    """SE bottleneck S = make_divisible(C // 4, 8) (section 5.3: 1/4 of the expansion layer)."""
    return make_divisible(expanded_channels // 4, 8)


def _validate(config: V3BlockConfig) -> None:
    for name, value, lo, hi in (
        ("input size", config.input_size, 1, MAX_INPUT_SIZE),
        ("in channels", config.in_channels, 1, MAX_CHANNELS),
        ("expanded channels", config.expanded_channels, 1, MAX_CHANNELS),
        ("out channels", config.out_channels, 1, MAX_CHANNELS),
    ):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be in {lo}..{hi}, got {value}")
    if config.stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2 (as in MobileNetV3), got {config.stride}")
    if config.kernel not in KERNELS:
        raise ValueError(
            f"kernel must be one of {', '.join(map(str, KERNELS))}, got {config.kernel}"
        )
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be RE (ReLU) or HS (h-swish), got {config.activation!r}")
    check_alpha(config.alpha)


def v3_block(config: V3BlockConfig) -> V3BlockCost:
    """Stages, MACs and params of one V3 bneck (module docstring; torchvision InvertedResidual)."""
    _validate(config)
    k = adjust_channels(config.in_channels, config.alpha)
    c = adjust_channels(config.expanded_channels, config.alpha)
    n = adjust_channels(config.out_channels, config.alpha)
    h, act, dk = config.input_size, config.activation_name, config.kernel
    ho = output_size(h, dk, config.stride)
    stages: list[V3Stage] = []
    if c != k:
        conv = pointwise_conv_cost(k, c, h)
        stages.append(
            V3Stage("expand", "1x1 conv", act, (k, h, h), (c, h, h), conv.macs, conv.params + 2 * c)
        )
    conv = depthwise_conv_cost(c, dk, ho)
    stages.append(
        V3Stage(
            "depthwise",
            f"{dk}x{dk} depthwise conv, stride {config.stride}",
            act,
            (c, h, h),
            (c, ho, ho),
            conv.macs,
            conv.params + 2 * c,
        )
    )
    s = None
    if config.use_se:
        s = squeeze_channels(c)
        reduce, expand = pointwise_conv_cost(c, s, 1), pointwise_conv_cost(s, c, 1)
        stages += [
            V3Stage(
                "SE pool", f"global average pool {ho}x{ho}", "-", (c, ho, ho), (c, 1, 1), 0, 0, True
            ),
            V3Stage(
                "SE reduce",
                "1x1 conv + bias",
                "ReLU",
                (c, 1, 1),
                (s, 1, 1),
                reduce.macs,
                reduce.params + s,
                True,
            ),
            V3Stage(
                "SE expand",
                "1x1 conv + bias",
                "h-sigmoid",
                (s, 1, 1),
                (c, 1, 1),
                expand.macs,
                expand.params + c,
                True,
            ),
            V3Stage("SE scale", "channel-wise multiply", "-", (c, ho, ho), (c, ho, ho), 0, 0, True),
        ]
    conv = pointwise_conv_cost(c, n, ho)
    stages.append(
        V3Stage(
            "project",
            "1x1 conv",
            "linear",
            (c, ho, ho),
            (n, ho, ho),
            conv.macs,
            conv.params + 2 * n,
        )
    )
    return V3BlockCost(config, k, c, n, s, tuple(stages), config.stride == 1 and k == n)


@dataclass(frozen=True)
class V3Preset:
    """Block ``number`` (1-based, torchvision ``features[number]``) of V3-Large or V3-Small."""

    model: str
    number: int
    config: V3BlockConfig

    @property
    def label(self) -> str:
        c = self.config
        extras = ", SE" if c.use_se else ""
        short = "Large" if self.model == "v3-large" else "Small"
        return (
            f"{short} block {self.number}: {c.input_size}x{c.input_size}x{c.in_channels}, "
            f"{c.kernel}x{c.kernel}, exp {c.expanded_channels} -> {c.out_channels}, "
            f"{c.activation_name}, s={c.stride}{extras}"
        )


def v3_presets(
    model: str = "v3-large", resolution: int = 224, alpha: float = 1.0
) -> list[V3Preset]:
    """Every bneck of V3-Large (Table 1) or V3-Small (Table 2), read from architectures.py's tables.

    The stem is a 3x3 conv with stride 2; each row's input size is the previous row's output.
    Channels are given before alpha (``v3_block`` rounds them like torchvision).
    """
    if model not in TABLES:
        raise ValueError(f"unknown model '{model}'; choose v3-large or v3-small")
    size = output_size(resolution, 3, 2)
    presets = []
    for number, (inp, kernel, exp, out, use_se, act, stride) in enumerate(TABLES[model], start=1):
        config = V3BlockConfig(size, inp, kernel, exp, out, use_se, act, stride, alpha)
        presets.append(V3Preset(model, number, config))
        size = output_size(size, kernel, stride)
    return presets


def placement(model: str = "v3-large", resolution: int = 224) -> list[dict]:
    """Where V3 puts SE and h-swish: one row per block with its size, activation elements and SE cost."""
    rows = []
    for p in v3_presets(model, resolution):
        cost = v3_block(p.config)
        nonlinear = sum(
            math.prod(s.output_shape) for s in cost.stages if s.name in ("expand", "depthwise")
        )
        rows.append(
            {
                "block": p.number,
                "input": f"{p.config.input_size}x{p.config.input_size}x{cost.in_channels}",
                "kernel": f"{p.config.kernel}x{p.config.kernel}",
                "exp size": cost.expanded_channels,
                "out": cost.out_channels,
                "SE": p.config.use_se,
                "NL": p.config.activation_name,
                "stride": p.config.stride,
                "MACs": cost.macs,
                "SE MACs": cost.se_macs,
                "params": cost.params,
                "SE params": cost.se_params,
                "nonlinearity elements": nonlinear,
            }
        )
    return rows


# --- the last stage (section 5.1, Figure 5) ------------------------------------------------------


@dataclass(frozen=True)
class LastStageConfig:
    """Channels of V3-Large's tail; defaults from architectures.py (Table 1) and Figure 5."""

    in_channels: int = V3_LARGE[-1][3]  # 160, the last bneck's output
    expanded_channels: int = 6 * V3_LARGE[-1][3]  # 960 (torchvision: 6 x the last bneck's output)
    bottleneck_channels: int = ORIGINAL_BOTTLENECK  # 320: the original stage's projection
    feature_channels: int = V3_LAST_CHANNEL["v3-large"]  # 1280
    num_classes: int = 1000
    input_size: int = 7  # 224 / 32
    kernel: int = 3  # depthwise kernel of the original stage


@dataclass(frozen=True)
class LastStageLayer:
    name: str
    operator: str
    activation: str
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    macs: int
    params: int

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "operator": self.operator,
            "activation": self.activation,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "macs": self.macs,
            "params": self.params,
        }


@dataclass(frozen=True)
class LastStage:
    kind: str  # "original" or "efficient"
    layers: tuple[LastStageLayer, ...]

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "layers": [x.as_dict() for x in self.layers],
            "macs": self.macs,
            "params": self.params,
        }


DEFAULT_LAST_STAGE = LastStageConfig()  # V3-Large 1.0-224's tail


def _check_last(config: LastStageConfig) -> None:
    for name in (
        "in_channels",
        "expanded_channels",
        "bottleneck_channels",
        "feature_channels",
        "num_classes",
    ):
        value = getattr(config, name)
        if not isinstance(value, int) or not 1 <= value <= 100_000:
            raise ValueError(
                f"{name.replace('_', ' ')} must be a whole number in 1..100000, got {value!r}"
            )
    if not 1 <= config.input_size <= 64:
        raise ValueError(f"input size must be in 1..64, got {config.input_size}")
    if config.kernel not in KERNELS:
        raise ValueError(
            f"kernel must be one of {', '.join(map(str, KERNELS))}, got {config.kernel}"
        )


def last_stage(kind: str, config: LastStageConfig = DEFAULT_LAST_STAGE) -> LastStage:
    """Figure 5's original or efficient last stage: layers, MACs and params (BN, biases included).

    original:  1x1 conv M->E, BN, h-swish | kxk dw E, BN, h-swish | 1x1 conv E->B, BN (linear) |
               1x1 conv B->F, BN, h-swish | avg pool | 1x1 conv F->classes + bias     (all 7x7)
    efficient: 1x1 conv M->E, BN, h-swish | avg pool | 1x1 conv E->F + bias, h-swish (NBN) |
               1x1 conv F->classes + bias                                            (at 1x1)
    """
    _check_last(config)
    m, e, b, f, k = (
        config.in_channels,
        config.expanded_channels,
        config.bottleneck_channels,
        config.feature_channels,
        config.num_classes,
    )
    h, dk = config.input_size, config.kernel

    def conv(name, cin, cout, size, activation, *, bn=True, kernel=1, depthwise=False):
        cost = (
            depthwise_conv_cost(cin, kernel, size)
            if depthwise
            else pointwise_conv_cost(cin, cout, size)
        )
        extra = 2 * cout if bn else cout  # BN weight + bias, or the conv's bias
        op = (
            f"{kernel}x{kernel} depthwise conv"
            if depthwise
            else "1x1 conv" + ("" if bn else " + bias (no BN)")
        )
        return LastStageLayer(
            name,
            op,
            activation,
            (cin, size, size),
            (cout, size, size),
            cost.macs,
            cost.params + extra,
        )

    def pool(channels):
        return LastStageLayer(
            "avg pool",
            f"global average pool {h}x{h}",
            "-",
            (channels, h, h),
            (channels, 1, 1),
            0,
            0,
        )

    expand = conv("1x1 expand", m, e, h, "h-swish")
    if kind == "original":
        layers = (
            expand,
            conv("depthwise", e, e, h, "h-swish", kernel=dk, depthwise=True),
            conv("1x1 project", e, b, h, "linear"),
            conv("1x1 features", b, f, h, "h-swish"),
            pool(f),
            conv("1x1 classifier", f, k, 1, "softmax", bn=False),
        )
    elif kind == "efficient":
        layers = (
            expand,
            pool(e),
            conv("1x1 features", e, f, 1, "h-swish", bn=False),
            conv("1x1 classifier", f, k, 1, "softmax", bn=False),
        )
    else:
        raise ValueError(f"kind must be 'original' or 'efficient', got {kind!r}")
    return LastStage(kind, layers)


def last_stage_saving(config: LastStageConfig = DEFAULT_LAST_STAGE) -> dict:
    """Original vs efficient: MACs and params of each, and what the redesign saves."""
    original, efficient = last_stage("original", config), last_stage("efficient", config)
    return {
        "original": original.as_dict(),
        "efficient": efficient.as_dict(),
        "macs_saved": original.macs - efficient.macs,
        "params_saved": original.params - efficient.params,
        "paper_macs_saved": PAPER_SAVED_MACS,
    }


# --- the search's reward (section 4.1) -----------------------------------------------------------

MNAS_W = -0.07  # MnasNet's weight, reused for V3-Large's seed (MnasNet-A1)
V3_SMALL_W = -0.15  # section 4.1: "a smaller weight factor w = -0.15" for V3-Small's search


def reward_factor(latency_ratio: float, w: float) -> float:
    """[LAT(m) / TAR]^w: what platform-aware NAS multiplies ACC(m) by (section 4.1, after MnasNet).

    A model ``latency_ratio`` times slower than the target keeps this fraction of its accuracy as
    reward; to tie with an on-target model it must be 1 / factor times as accurate.
    """
    if not latency_ratio > 0:
        raise ValueError(f"latency ratio must be positive, got {latency_ratio}")
    return latency_ratio**w


def reward_curves(
    w_values: tuple[float, ...] = (MNAS_W, V3_SMALL_W),
    lo: float = 0.25,
    hi: float = 4.0,
    points: int = 121,
) -> dict[str, list[float]]:
    """LAT/TAR on a log grid and [LAT/TAR]^w for each w (for a chart)."""
    if not 0 < lo < hi or not 2 <= points <= 10_000:
        raise ValueError("need 0 < lo < hi and 2..10000 points")
    ratios = [lo * (hi / lo) ** (i / (points - 1)) for i in range(points)]
    out = {"ratio": ratios}
    for w in w_values:
        out[f"w = {w:g}"] = [reward_factor(r, w) for r in ratios]
    return out
