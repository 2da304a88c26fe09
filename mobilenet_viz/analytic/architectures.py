"""MobileNetV1, V2 and V3 (Large/Small) layer by layer: shapes, MACs and parameters.

Sources:
- V1: Howard et al., "MobileNets", arXiv:1704.04861, Table 1 (3x3 conv s2, 13 depthwise/
  pointwise pairs, global average pool, FC). The last depthwise conv runs at stride 1 on 7x7
  (Table 1 prints "s2", a known typo: the output stays 7x7 and the paper's 569M needs s1).
- V2: Sandler et al., "MobileNetV2", arXiv:1801.04381, Table 2 (rows t, c, n, s), as built by
  ``torchvision.models.mobilenet_v2``.
- V3: Howard et al., "Searching for MobileNetV3", arXiv:1905.02244, Tables 1-2, as built by
  ``torchvision.models.mobilenet_v3_large/small`` (SE blocks, hard-swish, 5x5 depthwise convs).

Width multiplier alpha (V1 section 3.3): every channel count C -> alpha * C, rounded
- V1: plain rounding to the nearest integer (``make_divisible(alpha*C, 1)``), as the paper;
- V2/V3: ``make_divisible(alpha*C, 8)`` as torchvision (multiples of 8, never more than 10%
  below alpha*C). V2 keeps the last 1x1 conv at 1280 for alpha < 1 (torchvision:
  ``1280 * max(1, alpha)``); V3 scales it (``make_divisible(1280*alpha, 8)``) like every layer.
Resolution multiplier rho (V1 section 3.4): the input resolution itself (224 -> 192, 160, 128,
or any value); every feature map follows torch's rule D_O = floor((D_F + 2p - D_K)/s) + 1.

Counting rules (the tests check every total against torch):
- ``macs``: multiply-accumulates of convs and FC layers only (the papers' "mult-adds"), i.e.
  ``FlopCounterMode`` total / 2. BatchNorm, activations, residual additions and pooling count 0.
- SE (squeeze-and-excite) rows: the global pooling and the channel-wise rescaling cost 0 MACs
  here (FlopCounterMode does not count them either); the two 1x1 convs on the pooled 1x1 map
  cost C*S + S*C MACs (S = squeeze channels = make_divisible(C // 4, 8)).
- ``params``: every learnable number of the torch module: conv/FC weights, biases (FC, SE) and
  BatchNorm weight + bias (2 per channel). Sum = ``sum(p.numel())``.
- ``weights``: conv/FC weights only, the MobileNet paper's convention (its Table 2 shares).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass, field

from mobilenet_viz.analytic.costs import (
    LayerCost,
    check_alpha,
    depthwise_conv_cost,
    grouped_conv_cost,
    make_divisible,
    output_size,
    pointwise_conv_cost,
    scale_channels,
    standard_conv_cost,
)
from mobilenet_viz.tables import rows_to_csv

MODELS = ("v1", "v2", "v3-large", "v3-small")
MODEL_NAMES = {
    "v1": "MobileNetV1",
    "v2": "MobileNetV2",
    "v3-large": "MobileNetV3-Large",
    "v3-small": "MobileNetV3-Small",
}
LAYER_TYPES = ("standard conv", "depthwise", "pointwise/1x1", "SE", "FC", "pool")
RESOLUTION_RANGE = (16, 1024)
NUM_CLASSES_RANGE = (1, 100_000)

# MobileNetV1 Table 1: (stride of the depthwise conv, output channels of the pointwise conv).
V1_SEPARABLE = (
    (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
    (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),
    (2, 1024), (1, 1024),
)  # fmt: skip

# MobileNetV2 Table 2 (the one copy; blocks.mobilenet_v2_presets walks it too): the stem conv's
# output channels, then the body's rows: expansion t, output channels c, repeats n, first stride s.
V2_STEM_CHANNELS = 32
V2_SETTING = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)

# MobileNetV3 bneck rows (torchvision = paper Tables 1-2): input c, kernel, expanded c,
# output c, SE, activation (RE = ReLU, HS = hard-swish), stride.
V3_LARGE = (
    (16, 3, 16, 16, False, "RE", 1), (16, 3, 64, 24, False, "RE", 2), (24, 3, 72, 24, False, "RE", 1),
    (24, 5, 72, 40, True, "RE", 2), (40, 5, 120, 40, True, "RE", 1), (40, 5, 120, 40, True, "RE", 1),
    (40, 3, 240, 80, False, "HS", 2), (80, 3, 200, 80, False, "HS", 1), (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1), (80, 3, 480, 112, True, "HS", 1), (112, 3, 672, 112, True, "HS", 1),
    (112, 5, 672, 160, True, "HS", 2), (160, 5, 960, 160, True, "HS", 1), (160, 5, 960, 160, True, "HS", 1),
)  # fmt: skip
V3_SMALL = (
    (16, 3, 16, 16, True, "RE", 2), (16, 3, 72, 24, False, "RE", 2), (24, 3, 88, 24, False, "RE", 1),
    (24, 5, 96, 40, True, "HS", 2), (40, 5, 240, 40, True, "HS", 1), (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 120, 48, True, "HS", 1), (48, 5, 144, 48, True, "HS", 1), (48, 5, 288, 96, True, "HS", 2),
    (96, 5, 576, 96, True, "HS", 1), (96, 5, 576, 96, True, "HS", 1),
)  # fmt: skip
V3_LAST_CHANNEL = {"v3-large": 1280, "v3-small": 1024}

Shape = tuple[int, int, int]  # [C, H, W]


@dataclass(frozen=True)
class Layer:
    """One row of an architecture table. Shapes are (C, H, W) for a batch of one image."""

    name: str  # readable, e.g. "bneck 3 · expand 1x1"
    block: str  # the node it belongs to in the network graph, e.g. "bneck 3"
    operator: str  # e.g. "conv 3x3 s2", "dw 5x5 s1", "1x1 conv", "SE", "avg pool", "FC"
    layer_type: str  # one of LAYER_TYPES
    input_shape: Shape
    output_shape: Shape
    kernel: int | None
    stride: int | None
    expansion: float | None  # t of the block this layer belongs to (V2/V3), else None
    activation: str  # "ReLU", "ReLU6", "h-swish", "linear", ...
    macs: int
    params: int  # all learnable numbers incl. biases and BatchNorm
    weights: int  # conv/FC weights only (paper convention)
    module: str | None  # dotted path of the matching torch module (None: functional op)

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def as_dict(self) -> dict:
        row = asdict(self)
        row["input_shape"] = list(self.input_shape)
        row["output_shape"] = list(self.output_shape)
        return row


@dataclass(frozen=True)
class Architecture:
    """A whole network at one (alpha, resolution, num_classes)."""

    model: str
    alpha: float
    resolution: int
    num_classes: int
    layers: tuple[Layer, ...] = field(repr=False)

    @property
    def title(self) -> str:
        return f"{MODEL_NAMES[self.model]} {format_alpha(self.alpha)}-{self.resolution}"

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    def blocks(self) -> list[dict]:
        """Consecutive layers grouped into the network's blocks (graph nodes), in order."""
        groups: OrderedDict[str, list[Layer]] = OrderedDict()
        for layer in self.layers:
            groups.setdefault(layer.block, []).append(layer)
        return [
            {
                "block": name,
                "layers": [layer.name for layer in rows],
                "operators": [layer.operator for layer in rows],
                "input_shape": rows[0].input_shape,
                "output_shape": rows[-1].output_shape,
                "macs": sum(r.macs for r in rows),
                "params": sum(r.params for r in rows),
                "residual": rows[0].input_shape == rows[-1].output_shape
                and self.model != "v1"
                and name.startswith("bneck"),
            }
            for name, rows in groups.items()
        ]

    def breakdown(self) -> list[dict]:
        """MACs, weights and params per layer type, with shares of the totals (V1 Table 2)."""
        out = []
        for kind in LAYER_TYPES:
            rows = [layer for layer in self.layers if layer.layer_type == kind]
            if not rows:
                continue
            macs = sum(r.macs for r in rows)
            weights = sum(r.weights for r in rows)
            params = sum(r.params for r in rows)
            out.append(
                {
                    "layer_type": kind,
                    "layers": len(rows),
                    "macs": macs,
                    "macs_share": macs / self.macs,
                    "weights": weights,
                    "weights_share": weights / self.weights,
                    "params": params,
                    "params_share": params / self.params,
                }
            )
        return out

    def activation_memory(self, bytes_per_value: int = 2) -> dict:
        """The largest activation tensor that must be held in memory (MobileNetV2 Table 3).

        Two ways of counting, both single tensors of one image at ``bytes_per_value`` bytes:
        - ``paper``: V2 section 5.1 / Table 3. V1 materialises every layer's output. V2/V3 only
          need the bottleneck tensors (block inputs/outputs): the expanded tensor inside an
          inverted residual block can be computed and consumed in slices. The stem conv's output
          is excluded for V2/V3 (the table's footnote: the same trick applies to the first
          layer). V1 1.0-224: 64x112x112 = 1600K; V2 1.0-224: 16x112x112 = 400K (16-bit).
        - ``every_layer``: the largest output of any layer (no streaming at all).
        """

        def best(rows: list[Layer]) -> dict:
            layer = max(rows, key=lambda r: _numel(r.output_shape))
            values = _numel(layer.output_shape)
            return {
                "layer": layer.name,
                "shape": list(layer.output_shape),
                "values": values,
                "bytes": values * bytes_per_value,
            }

        convs = [r for r in self.layers if r.layer_type not in ("pool", "FC", "SE")]
        if self.model == "v1":
            paper_rows = convs
        else:
            by_block = self.blocks()
            names = {b["block"] for b in by_block if b["block"].startswith("bneck")}
            paper_rows = [
                r
                for r in self.layers
                if r.block in names and r is _last_of_block(self.layers, r.block)
            ] + [r for r in self.layers if r.block == "last conv"]
        return {
            "bytes_per_value": bytes_per_value,
            "paper": best(paper_rows),
            "every_layer": best(convs),
        }

    def tensor_sizes(self) -> list[dict]:
        """Output size H = W and channels C after every layer but SE, in depth order (a line chart).

        Sizes only; the activations themselves (values of a real image) are
        ``runtime.feature_maps``."""
        return [
            {"index": i, "layer": r.name, "channels": r.output_shape[0], "size": r.output_shape[1]}
            for i, r in enumerate(self.layers)
            if r.layer_type not in ("SE",)
        ]

    def table(self) -> list[dict]:
        """Display rows: one flat dict per layer (shapes as "C×H×W"), plus its share of the MACs."""
        total = self.macs or 1
        return [
            {
                "#": i,
                "layer": r.name,
                "type": r.layer_type,
                "operator": r.operator,
                "input (C×H×W)": "×".join(map(str, r.input_shape)),
                "output (C×H×W)": "×".join(map(str, r.output_shape)),
                "MACs": r.macs,
                "% of MACs": round(100 * r.macs / total, 3),
                "params": r.params,
                "weights": r.weights,
                "kernel": r.kernel,
                "stride": r.stride,
                "expansion t": r.expansion,
                "activation": r.activation,
            }
            for i, r in enumerate(self.layers)
        ]

    def to_csv(self) -> str:
        """The layer table as CSV text (header + one line per layer + a total line)."""
        total = {
            "layer": "total",
            "MACs": self.macs,
            "params": self.params,
            "weights": self.weights,
            "% of MACs": 100,
        }
        return rows_to_csv([*self.table(), total])

    def as_dict(self) -> dict:
        """The CLI's JSON contract (DESIGN.md, `arch`), plus a few extra keys."""
        return {
            "model": self.model,
            "alpha": self.alpha,
            "resolution": self.resolution,
            "num_classes": self.num_classes,
            "layers": [layer.as_dict() for layer in self.layers],
            "macs": self.macs,
            "flops": self.flops,
            "params": self.params,
            "weights": self.weights,
        }


def _numel(shape: Shape) -> int:
    c, h, w = shape
    return c * h * w


def _last_of_block(layers: tuple[Layer, ...], block: str) -> Layer:
    return [r for r in layers if r.block == block][-1]


def format_alpha(alpha: float) -> str:
    """The papers' way of naming a width: 1.0, 0.75, 1.4."""
    return f"{alpha:.1f}" if float(alpha).is_integer() else f"{alpha:g}"


class _Builder:
    """Appends rows while tracking the current (C, H, W)."""

    def __init__(self, resolution: int):
        self.shape: Shape = (3, resolution, resolution)
        self.rows: list[Layer] = []

    def conv(
        self,
        *,
        name: str,
        block: str,
        out_channels: int,
        kernel: int,
        stride: int = 1,
        groups: int = 1,
        activation: str,
        module: str | None,
        batchnorm: bool = True,
        expansion: float | None = None,
    ) -> None:
        c, h, _ = self.shape
        size = output_size(h, kernel, stride, (kernel - 1) // 2)
        if groups == 1 and kernel == 1:
            cost, kind, op = pointwise_conv_cost(c, out_channels, size), "pointwise/1x1", "1x1 conv"
        elif groups == 1:
            cost, kind, op = (
                standard_conv_cost(c, out_channels, kernel, size),
                "standard conv",
                f"conv {kernel}x{kernel}",
            )
        elif groups == c == out_channels:
            cost, kind, op = (
                depthwise_conv_cost(c, kernel, size),
                "depthwise",
                f"dw {kernel}x{kernel}",
            )
        else:  # pragma: no cover - no MobileNet uses other grouped convs
            cost, kind, op = (
                grouped_conv_cost(c, out_channels, kernel, size, groups),
                "standard conv",
                f"group conv {kernel}x{kernel}",
            )
        self._add(
            name, block, f"{op} s{stride}", kind, (out_channels, size, size), kernel, stride, expansion,
            activation, cost, cost.params + (2 * out_channels if batchnorm else 0), module,
        )  # fmt: skip

    def se(self, *, name: str, block: str, squeeze: int, module: str, expansion: float) -> None:
        """SE: pool -> 1x1 conv C->S (+bias) -> ReLU -> 1x1 conv S->C (+bias) -> h-sigmoid -> scale."""
        c = self.shape[0]
        cost = pointwise_conv_cost(c, squeeze, 1) + pointwise_conv_cost(squeeze, c, 1)
        self._add(
            name, block, f"SE {c}->{squeeze}->{c}", "SE", self.shape, None, None, expansion,
            "ReLU / h-sigmoid", cost, cost.params + squeeze + c, module,
        )  # fmt: skip

    def pool(self, *, module: str | None) -> None:
        c = self.shape[0]
        self._add(
            "global avg pool", "classifier", f"avg pool {self.shape[1]}x{self.shape[2]}", "pool",
            (c, 1, 1), None, None, None, "-", LayerCost(0, 0), 0, module,
        )  # fmt: skip

    def fc(self, *, name: str, out_features: int, activation: str, module: str) -> None:
        c = self.shape[0]
        cost = LayerCost(macs=c * out_features, params=c * out_features)
        self._add(
            name, "classifier", f"FC {c}->{out_features}", "FC", (out_features, 1, 1), None, None, None,
            activation, cost, cost.params + out_features, module,
        )  # fmt: skip

    def _add(
        self,
        name,
        block,
        operator,
        kind,
        out_shape,
        kernel,
        stride,
        expansion,
        activation,
        cost,
        params,
        module,
    ):
        self.rows.append(
            Layer(
                name=name, block=block, operator=operator, layer_type=kind, input_shape=self.shape,
                output_shape=out_shape, kernel=kernel, stride=stride, expansion=expansion,
                activation=activation, macs=cost.macs, params=params, weights=cost.params, module=module,
            )
        )  # fmt: skip
        self.shape = out_shape


def v1_channels(alpha: float) -> list[int]:
    """V1 channel counts after alpha, paper rounding: [stem, pw1, ..., pw13]."""
    return [scale_channels(c, alpha, 1) for c in (32, *(n for _, n in V1_SEPARABLE))]


def _v1(b: _Builder, alpha: float, num_classes: int) -> None:
    channels = v1_channels(alpha)
    b.conv(
        name="conv1",
        block="conv1",
        out_channels=channels[0],
        kernel=3,
        stride=2,
        activation="ReLU",
        module="features.0",
    )
    for i, ((stride, _), out) in enumerate(zip(V1_SEPARABLE, channels[1:], strict=True), start=1):
        block = f"dw/pw {i}"
        b.conv(
            name=f"{block} · dw 3x3", block=block, out_channels=b.shape[0], kernel=3, stride=stride,
            groups=b.shape[0], activation="ReLU", module=f"features.{2 * i - 1}",
        )  # fmt: skip
        b.conv(
            name=f"{block} · pw 1x1",
            block=block,
            out_channels=out,
            kernel=1,
            activation="ReLU",
            module=f"features.{2 * i}",
        )
    b.pool(module="avgpool")
    b.fc(name="classifier FC", out_features=num_classes, activation="softmax", module="classifier")


def _v2(b: _Builder, alpha: float, num_classes: int) -> None:
    c = make_divisible(V2_STEM_CHANNELS * alpha, 8)
    b.conv(
        name="conv1",
        block="conv1",
        out_channels=c,
        kernel=3,
        stride=2,
        activation="ReLU6",
        module="features.0",
    )
    index = 1
    for t, channels, repeats, first_stride in V2_SETTING:
        out = make_divisible(channels * alpha, 8)
        for r in range(repeats):
            stride = first_stride if r == 0 else 1
            inp = b.shape[0]
            hidden = int(round(inp * t))
            block, path, j = f"bneck {index}", f"features.{index}.conv", 0
            if t != 1:
                b.conv(
                    name=f"{block} · expand 1x1",
                    block=block,
                    out_channels=hidden,
                    kernel=1,
                    activation="ReLU6",
                    module=f"{path}.0",
                    expansion=t,
                )
                j = 1
            b.conv(
                name=f"{block} · dw 3x3", block=block, out_channels=hidden, kernel=3, stride=stride, groups=hidden,
                activation="ReLU6", module=f"{path}.{j}", expansion=t,
            )  # fmt: skip
            b.conv(
                name=f"{block} · project 1x1",
                block=block,
                out_channels=out,
                kernel=1,
                activation="linear",
                module=f"{path}.{j + 1}",
                expansion=t,
            )
            index += 1
    last = make_divisible(1280 * max(1.0, alpha), 8)
    b.conv(
        name="last conv 1x1",
        block="last conv",
        out_channels=last,
        kernel=1,
        activation="ReLU6",
        module=f"features.{index}",
    )
    b.pool(module=None)
    b.fc(
        name="classifier FC", out_features=num_classes, activation="softmax", module="classifier.1"
    )


def _v3(b: _Builder, model: str, alpha: float, num_classes: int) -> None:
    setting = V3_LARGE if model == "v3-large" else V3_SMALL
    adjust = lambda channels: make_divisible(channels * alpha, 8)  # noqa: E731
    b.conv(
        name="conv1",
        block="conv1",
        out_channels=adjust(setting[0][0]),
        kernel=3,
        stride=2,
        activation="h-swish",
        module="features.0",
    )
    for index, (_, kernel, expanded, out, use_se, act, stride) in enumerate(setting, start=1):
        inp, exp, out = b.shape[0], adjust(expanded), adjust(out)
        activation = "h-swish" if act == "HS" else "ReLU"
        block, path, j = f"bneck {index}", f"features.{index}.block", 0
        t = round(exp / inp, 2)
        if exp != inp:
            b.conv(
                name=f"{block} · expand 1x1",
                block=block,
                out_channels=exp,
                kernel=1,
                activation=activation,
                module=f"{path}.0",
                expansion=t,
            )
            j = 1
        b.conv(
            name=f"{block} · dw {kernel}x{kernel}", block=block, out_channels=exp, kernel=kernel, stride=stride,
            groups=exp, activation=activation, module=f"{path}.{j}", expansion=t,
        )  # fmt: skip
        if use_se:
            j += 1
            b.se(
                name=f"{block} · SE",
                block=block,
                squeeze=make_divisible(exp // 4, 8),
                module=f"{path}.{j}",
                expansion=t,
            )
        b.conv(
            name=f"{block} · project 1x1",
            block=block,
            out_channels=out,
            kernel=1,
            activation="linear",
            module=f"{path}.{j + 1}",
            expansion=t,
        )
    last_conv = 6 * b.shape[0]
    b.conv(
        name="last conv 1x1",
        block="last conv",
        out_channels=last_conv,
        kernel=1,
        activation="h-swish",
        module=f"features.{len(setting) + 1}",
    )
    b.pool(module="avgpool")
    b.fc(
        name="classifier FC 1",
        out_features=adjust(V3_LAST_CHANNEL[model]),
        activation="h-swish",
        module="classifier.0",
    )
    b.fc(
        name="classifier FC 2",
        out_features=num_classes,
        activation="softmax",
        module="classifier.3",
    )


def validate(model: str, alpha: float, resolution: int, num_classes: int) -> None:
    """Raise ValueError with a plain sentence for an impossible configuration."""
    if model not in MODELS:
        raise ValueError(f"unknown model '{model}'; choose one of {', '.join(MODELS)}")
    check_alpha(alpha)
    lo, hi = RESOLUTION_RANGE
    if not isinstance(resolution, int) or not lo <= resolution <= hi:
        raise ValueError(f"input resolution must be a whole number in {lo}..{hi}, got {resolution}")
    lo, hi = NUM_CLASSES_RANGE
    if not isinstance(num_classes, int) or not lo <= num_classes <= hi:
        raise ValueError(f"number of classes must be in {lo}..{hi}, got {num_classes}")


def build(
    model: str, alpha: float = 1.0, resolution: int = 224, num_classes: int = 1000
) -> Architecture:
    """The layer table of ``model`` ("v1", "v2", "v3-large", "v3-small") at alpha and resolution."""
    validate(model, alpha, resolution, num_classes)
    b = _Builder(resolution)
    if model == "v1":
        _v1(b, alpha, num_classes)
    elif model == "v2":
        _v2(b, alpha, num_classes)
    else:
        _v3(b, model, alpha, num_classes)
    return Architecture(
        model=model,
        alpha=float(alpha),
        resolution=resolution,
        num_classes=num_classes,
        layers=tuple(b.rows),
    )


def compare_v1_v2(alpha: float = 1.0, resolution: int = 224, num_classes: int = 1000) -> dict:
    """V1 and V2 side by side at the same settings: totals, ratios and the largest tensor."""
    v1, v2 = (
        build("v1", alpha, resolution, num_classes),
        build("v2", alpha, resolution, num_classes),
    )

    def summary(arch: Architecture) -> dict:
        memory = arch.activation_memory()
        kinds = {row["layer_type"]: row for row in arch.breakdown()}
        return {
            "title": arch.title,
            "macs": arch.macs,
            "params": arch.params,
            "weights": arch.weights,
            "layers": sum(1 for r in arch.layers if r.layer_type != "pool"),
            "conv_layers": sum(
                1
                for r in arch.layers
                if r.layer_type in ("standard conv", "depthwise", "pointwise/1x1")
            ),
            "pointwise_macs_share": kinds.get("pointwise/1x1", {}).get("macs_share", 0.0),
            "largest_tensor_bytes": memory["paper"]["bytes"],
            "largest_tensor_shape": memory["paper"]["shape"],
            "final_channels": arch.layers[-1].input_shape[0],
            "block_channels": sorted(
                {
                    b["output_shape"][0]
                    for b in arch.blocks()
                    if b["block"].startswith(("bneck", "dw/pw"))
                }
            ),
        }

    a, b = summary(v1), summary(v2)
    return {
        "v1": a,
        "v2": b,
        "macs_ratio": b["macs"] / a["macs"],
        "params_ratio": b["params"] / a["params"],
        "memory_ratio": b["largest_tensor_bytes"] / a["largest_tensor_bytes"],
    }
