"""Published ImageNet accuracy / cost numbers for the MobileNet family, each with its source.

These are quoted, not computed: the app plots them next to the MACs the library computes for the
current configuration. MACs are in millions of multiply-adds ("mult-adds"/"MAdds"); params in
millions. torchvision's model docs label their cost column "GFLOPS", but the values are
multiply-adds (MobileNetV2: 0.301 = FlopCounterMode total / 2 = 300.8M MACs), so they are
stored here as MACs.

Where the papers and torchvision disagree (see ``DISAGREEMENTS``), both numbers are kept and the
tests check each against its own source: the library against the torch model, the constants
against torchvision's weight metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

V1_PAPER = "MobileNets (arXiv:1704.04861)"
V2_PAPER = "MobileNetV2 (arXiv:1801.04381)"
V3_PAPER = "Searching for MobileNetV3 (arXiv:1905.02244)"
TORCHVISION = "torchvision model docs (weights metadata)"


@dataclass(frozen=True)
class PublishedPoint:
    """One published model variant: its configuration, ImageNet top-1, cost, and where it is from."""

    model: str  # "v1", "v2", "v3-large", "v3-small"
    alpha: float
    resolution: int
    top1: float  # ImageNet top-1 accuracy, %
    macs_m: float  # millions of multiply-adds as published
    params_m: float  # millions of parameters as published
    source: str  # paper or library + table

    @property
    def label(self) -> str:
        short = {"v1": "V1", "v2": "V2", "v3-large": "V3-Large", "v3-small": "V3-Small"}[self.model]
        alpha = f"{self.alpha:.1f}" if float(self.alpha).is_integer() else f"{self.alpha:g}"
        return f"{short} {alpha}-{self.resolution}"

    def as_dict(self) -> dict:
        return {**asdict(self), "label": self.label}


POINTS: tuple[PublishedPoint, ...] = (
    # MobileNetV1 Table 6 (width multiplier, 224x224) and Table 7 (resolution, alpha = 1).
    PublishedPoint("v1", 1.0, 224, 70.6, 569, 4.2, f"{V1_PAPER} Tables 6-7"),
    PublishedPoint("v1", 0.75, 224, 68.4, 325, 2.6, f"{V1_PAPER} Table 6"),
    PublishedPoint("v1", 0.5, 224, 63.7, 149, 1.3, f"{V1_PAPER} Table 6"),
    PublishedPoint("v1", 0.25, 224, 50.6, 41, 0.5, f"{V1_PAPER} Table 6"),
    PublishedPoint("v1", 1.0, 192, 69.1, 418, 4.2, f"{V1_PAPER} Table 7"),
    PublishedPoint("v1", 1.0, 160, 67.2, 290, 4.2, f"{V1_PAPER} Table 7"),
    PublishedPoint("v1", 1.0, 128, 64.4, 186, 4.2, f"{V1_PAPER} Table 7"),
    # MobileNetV2 Table 4.
    PublishedPoint("v2", 1.0, 224, 72.0, 300, 3.4, f"{V2_PAPER} Table 4"),
    PublishedPoint("v2", 1.4, 224, 74.7, 585, 6.9, f"{V2_PAPER} Table 4"),
    # MobileNetV3 Table 3 (the V2 0.35 row is the V3 paper's baseline).
    PublishedPoint("v3-large", 1.0, 224, 75.2, 219, 5.4, f"{V3_PAPER} Table 3"),
    PublishedPoint("v3-large", 0.75, 224, 73.3, 155, 4.0, f"{V3_PAPER} Table 3"),
    PublishedPoint("v3-small", 1.0, 224, 67.4, 66, 2.9, f"{V3_PAPER} Table 3, first arXiv version"),
    PublishedPoint(
        "v3-small", 0.75, 224, 65.4, 44, 2.4, f"{V3_PAPER} Table 3, first arXiv version"
    ),
    PublishedPoint(
        "v3-small", 1.0, 224, 67.4, 56, 2.5, f"{V3_PAPER} Table 3, revised (ICCV 2019) version"
    ),
    PublishedPoint(
        "v3-small", 0.75, 224, 65.4, 44, 2.0, f"{V3_PAPER} Table 3, revised (ICCV 2019) version"
    ),
    PublishedPoint("v2", 0.35, 224, 60.8, 59.2, 1.6, f"{V3_PAPER} Table 3"),
    # torchvision's pretrained weights (acc@1 of the listed weights, "GFLOPS" field x 1000).
    PublishedPoint(
        "v2", 1.0, 224, 71.878, 301, 3.504872, f"{TORCHVISION}: MobileNet_V2_Weights.IMAGENET1K_V1"
    ),
    PublishedPoint(
        "v2", 1.0, 224, 72.154, 301, 3.504872, f"{TORCHVISION}: MobileNet_V2_Weights.IMAGENET1K_V2"
    ),
    PublishedPoint(
        "v3-large",
        1.0,
        224,
        74.042,
        217,
        5.483032,
        f"{TORCHVISION}: MobileNet_V3_Large_Weights.IMAGENET1K_V1",
    ),
    PublishedPoint(
        "v3-large",
        1.0,
        224,
        75.274,
        217,
        5.483032,
        f"{TORCHVISION}: MobileNet_V3_Large_Weights.IMAGENET1K_V2",
    ),
    PublishedPoint(
        "v3-small",
        1.0,
        224,
        67.668,
        57,
        2.542856,
        f"{TORCHVISION}: MobileNet_V3_Small_Weights.IMAGENET1K_V1",
    ),
)

# torchvision weights enum name -> (model, acc@1, "GFLOPS" field, num_params): checked in the tests
# against torchvision's own metadata so a torchvision update that changes them is noticed.
TORCHVISION_META = {
    "MobileNet_V2_Weights.IMAGENET1K_V1": ("v2", 71.878, 0.301, 3_504_872),
    "MobileNet_V2_Weights.IMAGENET1K_V2": ("v2", 72.154, 0.301, 3_504_872),
    "MobileNet_V3_Large_Weights.IMAGENET1K_V1": ("v3-large", 74.042, 0.217, 5_483_032),
    "MobileNet_V3_Large_Weights.IMAGENET1K_V2": ("v3-large", 75.274, 0.217, 5_483_032),
    "MobileNet_V3_Small_Weights.IMAGENET1K_V1": ("v3-small", 67.668, 0.057, 2_542_856),
}

# MobileNetV1 Table 2: resource per layer type for MobileNet 1.0-224, % of mult-adds and of params
# (params there = conv/FC weights only). Keys are this library's layer types.
V1_TABLE2 = {
    "pointwise/1x1": (94.86, 74.59),
    "depthwise": (3.06, 1.06),
    "standard conv": (1.19, 0.02),
    "FC": (0.18, 24.33),
}
V1_TABLE2_NOTE = (
    "The paper's 1.19% for the first 3x3 conv is a digit transposition of 1.91%: the four "
    "mult-add shares must add up to 100% (94.86 + 3.06 + 0.18 + 1.91 = 100.01), and "
    "112x112x3x3x3x32 = 10.8M of 568.7M mult-adds is 1.91%."
)

# MobileNetV2 Table 3: the largest tensor to materialise at 16-bit, in K(ilo)bytes.
V2_TABLE3_MAX_KB = {"v1": 1600, "v2": 400}


@dataclass(frozen=True)
class Disagreement:
    model: str
    paper: str
    torchvision: str
    reason: str


DISAGREEMENTS: tuple[Disagreement, ...] = (
    Disagreement(
        "v3-large",
        "219M mult-adds, 5.4M params (V3 paper Table 3)",
        "0.217 GFLOPS in its docs = 216.6M MACs measured here, 5.48M params",
        "The V3 authors' own TF-slim checkpoint table lists 217M for the same network; the paper "
        "does not say what its extra ~2M (1%) counts. FlopCounterMode (like this page) counts "
        "conv and FC multiply-adds only, not SE pooling/scaling or hard-swish.",
    ),
    Disagreement(
        "v3-small",
        "66M mult-adds, 2.9M params (V3 paper Table 3, first arXiv version)",
        "0.057 GFLOPS in its docs = 56.5M MACs measured here, 2.54M params",
        "The paper's Table 3 was revised: the ICCV 2019 version lists V3-Small 1.0 at 56M "
        "mult-adds and 2.5M params (67.4% top-1), which torchvision's network matches. The first "
        "arXiv version's 66M/2.9M (67.4%) is also in the TF-slim checkpoint table (with 67.5% "
        "top-1 there); neither source explains it.",
    ),
    Disagreement(
        "v2",
        "300M mult-adds, 3.4M params (V2 paper Table 4)",
        "0.301 GFLOPS = 300.8M MACs, 3.50M params (3.47M conv/FC weights + BatchNorm)",
        "Rounding only: 300.8M rounds to 300M; the paper's 3.4M counts weights "
        "(3.47M, truncated) while numel also counts BatchNorm (34K) and the FC bias (1K).",
    ),
    Disagreement(
        "v1",
        "569M mult-adds (V1 paper Table 6); 575M in V2 paper Table 4",
        "none (torchvision has no MobileNetV1); the torch build here measures 568.7M",
        "Same network; the V2 paper does not explain its 575M (568.7M here already includes the "
        "FC layer's 1.0M).",
    ),
)


# Where a published parameter count and the network as built disagree beyond rounding, and why.
# Keyed by (model, alpha, resolution); the page shows the note next to both numbers.
PARAMS_NOTES = {
    ("v2", 1.4, 224): (
        "The V2 paper's Table 4 gives 6.9M params for 1.4-224; the network built here (every layer "
        "x 1.4, rounded to a multiple of 8, last conv 1792 channels, torchvision's rule) has 6.06M "
        "conv/FC weights, as does the TF-slim checkpoint table (6.06M). The paper does not say what "
        "its 6.9M counts."
    ),
}


def setting_comparison(point: PublishedPoint, macs: int, params: int, weights: int) -> str:
    """One published point against the computed network at the same setting: MACs and params.

    Published params are compared with the computed conv/FC weights (the papers' count) and the
    learnable total (weights + BatchNorm + biases, torch's ``sum(p.numel())``) is given too.
    """
    mac_delta = 100 * (macs / 1e6 / point.macs_m - 1)
    weight_delta = 100 * (weights / 1e6 / point.params_m - 1)
    text = (
        f"{point.macs_m:g}M mult-adds, {point.params_m:.3g}M params ({point.source}): computed "
        f"{macs / 1e6:.1f}M MACs ({mac_delta:+.1f}%), {weights / 1e6:.2f}M weights ({weight_delta:+.1f}%; "
        f"{params / 1e6:.2f}M with BatchNorm and biases)"
    )
    note = PARAMS_NOTES.get((point.model, point.alpha, point.resolution))
    return f"{text}. {note.rstrip('.')}" if note else text


def at_setting(model: str, alpha: float, resolution: int) -> list[PublishedPoint]:
    """Published points for exactly this network, width multiplier and input resolution."""
    return [
        p
        for p in POINTS
        if p.model == model and abs(p.alpha - alpha) < 1e-9 and p.resolution == resolution
    ]


def disagreement(model: str) -> Disagreement | None:
    return next((d for d in DISAGREEMENTS if d.model == model), None)
