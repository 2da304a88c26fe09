"""Standard vs depthwise separable filtering of a real (small) image, with torch's conv2d.

Howard et al., "MobileNets" (arXiv:1704.04861), section 3.1. With input X of M channels:

    standard       Y[n]   = sum_m  W[n, m] * X[m]          N filters of D_K x D_K x M
    depthwise      Z[m]   = D[m] * X[m]                    M filters of D_K x D_K x 1 (groups=M)
    pointwise      Y'[n]  = sum_m  P[n, m] Z[m]            N filters of 1 x 1 x M

(* is 2-D cross-correlation, stride 1, zero "same" padding D_K // 2.) Because convolution is
linear, the separable pair equals a standard conv whose kernel is W[n, m] = P[n, m] * D[m]:
each input channel's slice of every filter is the *same* D_K x D_K pattern D[m], only scaled.
Separable conv is therefore a constrained standard conv (rank 1 per input channel): fewer
parameters (D_K^2 M + M N instead of D_K^2 M N), less freedom. A general standard filter bank
is approximated by its best separable pair per input channel through an SVD (Eckart-Young).

Multiplications per output pixel: standard D_K^2 M for each output channel; separable D_K^2 M
once (depthwise) plus M for each output channel (pointwise).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from mobilenet_viz.runtime import weights

WORKING_SIZES = (32, 48, 64, 96, 128)
MAX_OUT_CHANNELS = 8
RANDOM_KERNELS = (3, 5, 7)
PATTERNS = ("stripes", "checkerboard", "gradient")
CHANNEL_NAMES = {3: ("R", "G", "B"), 1: ("gray",)}

# 3 x 3 preset kernels (cross-correlation, as torch applies them).
_PRESETS: dict[str, list[list[float]]] = {
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
PRESETS = tuple(_PRESETS)
KERNEL_SOURCES = (*PRESETS, "random", "mobilenet_v2")
SOURCE_TITLES = {
    "sobel_x": "Sobel x (vertical edges)",
    "sobel_y": "Sobel y (horizontal edges)",
    "blur": "Blur (Gaussian 3x3)",
    "sharpen": "Sharpen",
    "identity": "Identity",
    "emboss": "Emboss",
    "random": "Seeded random",
    "mobilenet_v2": "MobileNetV2 first layer",
}


def preset_kernel(name: str) -> np.ndarray:
    """The 3 x 3 preset kernel ``name`` (one of ``PRESETS``) as float32."""
    if name not in _PRESETS:
        raise ValueError(f"unknown kernel preset '{name}'; choose one of {', '.join(PRESETS)}")
    return np.array(_PRESETS[name], dtype=np.float32)


# --- inputs ----------------------------------------------------------------------------------


def synthetic_pattern(name: str, size: int, period: int = 8) -> Image.Image:
    """A size x size RGB test pattern whose channels differ, so depthwise maps differ too.

    stripes: R vertical, G horizontal, B diagonal stripes; checkerboard: orange/blue squares;
    gradient: R ramps left->right, G top->bottom, B constant 0.5.
    """
    if name not in PATTERNS:
        raise ValueError(f"unknown pattern '{name}'; choose one of {', '.join(PATTERNS)}")
    if size < 1:
        raise ValueError("pattern size must be at least 1")
    yy, xx = np.mgrid[0:size, 0:size]
    half = max(1, period // 2)
    if name == "stripes":
        channels = [(xx // half) % 2, (yy // half) % 2, ((xx + yy) // half) % 2]
    elif name == "checkerboard":
        cell = ((xx // period) + (yy // period)) % 2
        channels = [np.where(cell, 1.0, 0.1), np.where(cell, 0.55, 0.35), np.where(cell, 0.0, 0.9)]
    else:
        ramp = np.linspace(0.0, 1.0, size)
        channels = [ramp[xx], ramp[yy], np.full((size, size), 0.5)]
    arr = np.stack([np.asarray(c, dtype=np.float64) for c in channels], axis=-1)
    return Image.fromarray(np.round(arr * 255).astype(np.uint8), "RGB")


def prepare_input(image: Image.Image, size: int, grayscale: bool = False) -> np.ndarray:
    """Centre-crop to a square, resize to size x size, scale to [0, 1]: array (M, D_F, D_F).

    M = 3 (RGB) or 1 (grayscale, ITU-R 601 luma as in Pillow's "L").
    """
    if size < 1:
        raise ValueError("working size must be at least 1")
    im = image.convert("L" if grayscale else "RGB")
    w, h = im.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side)).resize(
        (size, size), Image.Resampling.BOX if side >= size else Image.Resampling.BICUBIC
    )
    arr = np.asarray(im, dtype=np.float32) / 255.0
    return arr[None] if grayscale else arr.transpose(2, 0, 1).copy()


# --- filter banks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterBank:
    """Standard filters W (N, M, K, K) and a depthwise/pointwise pair D (M, K, K), P (N, M).

    ``exact`` means W[n, m] == P[n, m] * D[m] by construction; otherwise (D, P) is the best
    separable approximation of W (rank-1 SVD per input channel).
    """

    source: str
    standard: np.ndarray
    depthwise: np.ndarray
    pointwise: np.ndarray
    exact: bool

    @property
    def kernel(self) -> int:
        return int(self.standard.shape[-1])

    @property
    def in_channels(self) -> int:
        return int(self.standard.shape[1])

    @property
    def out_channels(self) -> int:
        return int(self.standard.shape[0])


def compose_standard(depthwise: np.ndarray, pointwise: np.ndarray) -> np.ndarray:
    """The standard kernel equivalent to a separable pair: W[n, m] = P[n, m] * D[m]."""
    return (pointwise[:, :, None, None] * depthwise[None]).astype(np.float32)


def separable_factorisation(standard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best (D, P) with W[n, m] ~ P[n, m] D[m] in the least-squares sense.

    For each input channel m the N x D_K^2 matrix of slices W[:, m] is replaced by its rank-1
    SVD truncation sigma u v^T: D[m] = v scaled to max |D[m]| = 1 (sign: largest entry positive),
    P[:, m] = sigma u times that scale. Exact when W already has that form.
    """
    n, m, k, _ = standard.shape
    depthwise = np.zeros((m, k, k), dtype=np.float32)
    pointwise = np.zeros((n, m), dtype=np.float32)
    for c in range(m):
        a = standard[:, c].reshape(n, k * k).astype(np.float64)
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        v = vt[0]
        peak = v[np.argmax(np.abs(v))]
        if peak == 0:
            continue
        depthwise[c] = (v / peak).reshape(k, k)
        pointwise[:, c] = u[:, 0] * s[0] * peak
    return depthwise, pointwise


def _mixing_matrix(out_channels: int, in_channels: int, seed: int) -> np.ndarray:
    """A seeded pointwise matrix with rows normalised to sum |P[n]| = 1 (keeps maps comparable)."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(-1.0, 1.0, size=(out_channels, in_channels))
    if in_channels > 1 and out_channels >= 1:
        p[0] = 1.0  # output 0 always sees every channel equally: the plain filtered image
    return (p / np.abs(p).sum(axis=1, keepdims=True)).astype(np.float32)


def make_filter_bank(
    source: str,
    *,
    in_channels: int,
    out_channels: int,
    kernel: int = 3,
    seed: int = 0,
    first_layer: np.ndarray | None = None,
    unconstrained: bool = False,
) -> FilterBank:
    """Filters for the page.

    Presets: D[m] = the preset for every channel, P = seeded mixing matrix, W = P * D (exact).
    Presets with ``unconstrained``: a general standard bank from the same kernels, where every
    slice W[n, m] = P[n, m] * (a seeded choice among the presets), so each output can use its own
    spatial pattern per channel, which no separable pair can; (D, P) is its best separable fit.
    "random": W ~ N(0, 1) seeded, a general standard bank; (D, P) its best separable fit.
    "mobilenet_v2": the first N pretrained filters (``first_layer``, 32 x 3 x 3 x 3); for M = 1
    the slices are summed (the filter's response to a gray image); (D, P) its best separable fit.
    """
    if not 1 <= out_channels <= MAX_OUT_CHANNELS:
        raise ValueError(f"out_channels N must be 1..{MAX_OUT_CHANNELS}, got {out_channels}")
    if in_channels not in (1, 3):
        raise ValueError(f"in_channels M must be 1 (grayscale) or 3 (RGB), got {in_channels}")
    if source in _PRESETS and unconstrained:
        mixing = _mixing_matrix(out_channels, in_channels, seed)
        kinds = np.random.default_rng(seed + 1).integers(
            0, len(PRESETS), size=(out_channels, in_channels)
        )
        kinds[0, 0] = PRESETS.index(source)  # the chosen preset still appears
        standard = np.stack(
            [
                np.stack(
                    [mixing[n, m] * preset_kernel(PRESETS[kinds[n, m]]) for m in range(in_channels)]
                )
                for n in range(out_channels)
            ]
        ).astype(np.float32)
    elif source in _PRESETS:
        depthwise = np.repeat(preset_kernel(source)[None], in_channels, axis=0)
        pointwise = _mixing_matrix(out_channels, in_channels, seed)
        return FilterBank(
            source, compose_standard(depthwise, pointwise), depthwise, pointwise, True
        )
    elif source == "random":
        if kernel not in RANDOM_KERNELS:
            raise ValueError(
                f"random kernel size D_K must be one of {RANDOM_KERNELS}, got {kernel}"
            )
        rng = np.random.default_rng(seed)
        standard = rng.normal(0.0, 1.0 / kernel, size=(out_channels, in_channels, kernel, kernel))
        standard = standard.astype(np.float32)
    elif source == "mobilenet_v2":
        if first_layer is None:
            raise ValueError("MobileNetV2 filters need pretrained weights, which are not available")
        standard = np.array(first_layer, dtype=np.float32)[
            :out_channels
        ]  # a copy: input may be read-only
        if in_channels == 1:
            standard = standard.sum(axis=1, keepdims=True)
    else:
        raise ValueError(
            f"unknown kernel source '{source}'; choose one of {', '.join(KERNEL_SOURCES)}"
        )
    depthwise, pointwise = separable_factorisation(standard)
    return FilterBank(source, np.ascontiguousarray(standard), depthwise, pointwise, False)


# --- MobileNetV2's real first layer -------------------------------------------------------------

NO_FIRST_LAYER = (
    "MobileNetV2's real first-layer filters appear here when pretrained weights are present: "
    f"set {weights.ENV_WEIGHTS} to a MobileNetV2 state_dict file, or fetch them once with "
    "`python -m mobilenet_viz weights download`."
)


def first_layer_sources() -> tuple | None:
    """Where pretrained MobileNetV2 weights may be without downloading ($MOBILENET_VIZ_WEIGHTS,
    then the torch hub cache), as (path, exists, mtime) rows, or None when no file is there.

    A cache key: it changes when weights appear (downloaded by the Classify page or the CLI) or
    a file changes.
    """
    rows = [r for r in weights.search_locations() if r["step"] in ("env", "cache")]
    if not any(r["exists"] for r in rows):
        return None
    return tuple(
        (r["path"], r["exists"], Path(str(r["path"])).stat().st_mtime if r["exists"] else 0)
        for r in rows
    )


def load_first_layer() -> tuple[np.ndarray | None, str]:
    """features.0.0.weight (32 x 3 x 3 x 3, read-only) of the pretrained MobileNetV2 and where
    it came from, without downloading; (None, why not) when no pretrained weights load. Only the
    small filter array is kept; the model is dropped."""
    loaded = weights.load_mobilenet_v2(allow_download=False)
    if not loaded.pretrained:
        why = loaded.message or "no pretrained weights found"
        return None, f"MobileNetV2 filters unavailable: {why}"
    first = loaded.model.features[0][0].weight.detach().float().numpy().copy()
    first.setflags(write=False)
    return first, loaded.describe()


# --- running the convolutions ----------------------------------------------------------------


@dataclass(frozen=True)
class FilterResult:
    """All maps of one run, as (channels, D_F, D_F) float32 arrays, plus the two errors."""

    input: np.ndarray  # X (M, D_F, D_F)
    standard: np.ndarray  # conv2d(X, W)                       (N, D_F, D_F)
    depthwise: np.ndarray  # conv2d(X, D, groups=M)            (M, D_F, D_F)
    separable: np.ndarray  # conv2d(depthwise, P)              (N, D_F, D_F)
    equivalent: np.ndarray  # conv2d(X, P * D)                 (N, D_F, D_F)
    equivalence_error: float  # max |separable - equivalent|: ~1e-7, float32 rounding only
    approximation_error: float  # max |standard - separable|: 0 when the bank is exact


def _conv(x: torch.Tensor, weight: np.ndarray, groups: int = 1) -> torch.Tensor:
    w = torch.from_numpy(np.ascontiguousarray(weight, dtype=np.float32))
    return F.conv2d(x, w, padding=w.shape[-1] // 2, groups=groups)


def run_filters(x: np.ndarray, bank: FilterBank) -> FilterResult:
    """Standard, depthwise (groups=M), pointwise and the composed-standard conv of X (M, H, W)."""
    if x.ndim != 3 or x.shape[0] != bank.in_channels:
        raise ValueError(f"input must be (M={bank.in_channels}, H, W), got {tuple(x.shape)}")
    m = bank.in_channels
    with torch.no_grad():
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]
        standard = _conv(t, bank.standard)
        depthwise = _conv(t, bank.depthwise[:, None], groups=m)
        separable = _conv(depthwise, bank.pointwise[:, :, None, None])
        equivalent = _conv(t, compose_standard(bank.depthwise, bank.pointwise))
    out = {
        k: v[0].numpy()
        for k, v in {
            "standard": standard,
            "depthwise": depthwise,
            "separable": separable,
            "equivalent": equivalent,
        }.items()
    }
    return FilterResult(
        input=np.asarray(x, dtype=np.float32),
        equivalence_error=float(np.abs(out["separable"] - out["equivalent"]).max()),
        approximation_error=float(np.abs(out["standard"] - out["separable"]).max()),
        **out,
    )


def tensors_npz(x: np.ndarray, bank: FilterBank, result: FilterResult) -> bytes:
    """One run's tensors as a compressed NumPy ``.npz`` file: input X, standard filters W,
    depthwise D, pointwise P and both outputs (``np.load`` reads them back by these names)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        input=x,
        standard_filters=bank.standard,
        depthwise=bank.depthwise,
        pointwise=bank.pointwise,
        standard_out=result.standard,
        separable_out=result.separable,
    )
    return buffer.getvalue()


# --- one output pixel -------------------------------------------------------------------------


@dataclass(frozen=True)
class MultiplicationCounts:
    """Multiplications for one output pixel (stride 1): MobileNets section 3.1."""

    kernel: int
    in_channels: int
    out_channels: int

    @property
    def standard_per_channel(self) -> int:
        return self.kernel**2 * self.in_channels  # D_K^2 M

    @property
    def standard_all(self) -> int:
        return self.standard_per_channel * self.out_channels  # D_K^2 M N

    @property
    def depthwise_once(self) -> int:
        return self.kernel**2 * self.in_channels  # D_K^2 M, shared by all N outputs

    @property
    def pointwise_per_channel(self) -> int:
        return self.in_channels  # M

    @property
    def separable_all(self) -> int:
        return self.depthwise_once + self.pointwise_per_channel * self.out_channels  # D_K^2 M + M N


@dataclass(frozen=True)
class PixelInspection:
    """How one output value Y[n, row, col] is computed, both ways.

    patch: the receptive field X[:, row-r:row+r+1, col-r:col+r+1] (zeros outside the image).
    """

    row: int
    col: int
    channel: int
    top: int  # receptive field on the input: rows top..top+K-1, cols left..left+K-1 (may be < 0)
    left: int
    patch: np.ndarray  # (M, K, K)
    standard_weights: np.ndarray  # W[n]  (M, K, K)
    standard_products: np.ndarray  # patch * W[n]
    standard_sum: float
    depthwise_weights: np.ndarray  # D  (M, K, K)
    depthwise_products: np.ndarray  # patch * D  (M, K, K)
    depthwise_sums: np.ndarray  # (M,) = Z[:, row, col]
    pointwise_weights: np.ndarray  # P[n]  (M,)
    pointwise_products: np.ndarray  # P[n, m] * Z[m]
    separable_sum: float
    counts: MultiplicationCounts


def inspect_pixel(
    x: np.ndarray, bank: FilterBank, row: int, col: int, channel: int
) -> PixelInspection:
    """The products and sums behind one output pixel, computed directly with numpy."""
    m, h, w = x.shape
    if not (0 <= row < h and 0 <= col < w):
        raise ValueError(f"output position ({row}, {col}) is outside the {h}x{w} map")
    if not 0 <= channel < bank.out_channels:
        raise ValueError(f"output channel {channel} is outside 0..{bank.out_channels - 1}")
    k = bank.kernel
    r = k // 2
    padded = np.pad(x.astype(np.float64), ((0, 0), (r, r), (r, r)))
    patch = padded[:, row : row + k, col : col + k]
    weights = bank.standard[channel].astype(np.float64)
    standard_products = patch * weights
    depthwise_weights = bank.depthwise.astype(np.float64)
    depthwise_products = patch * depthwise_weights
    depthwise_sums = depthwise_products.sum(axis=(1, 2))
    pw = bank.pointwise[channel].astype(np.float64)
    pointwise_products = pw * depthwise_sums
    return PixelInspection(
        row=row,
        col=col,
        channel=channel,
        top=row - r,
        left=col - r,
        patch=patch,
        standard_weights=weights,
        standard_products=standard_products,
        standard_sum=float(standard_products.sum()),
        depthwise_weights=depthwise_weights,
        depthwise_products=depthwise_products,
        depthwise_sums=depthwise_sums,
        pointwise_weights=pw,
        pointwise_products=pointwise_products,
        separable_sum=float(pointwise_products.sum()),
        counts=MultiplicationCounts(k, m, bank.out_channels),
    )


SLIDING_FRAMES = 48  # steps of the sliding-window animation: smooth, and light for the browser


def sliding_positions(height: int, width: int, frames: int) -> list[int]:
    """Raster-order counts of revealed output pixels (1..height*width, the last one included) for
    an animation of at most ``frames`` steps."""
    total = height * width
    frames = max(1, min(frames, total))
    return sorted({max(1, round(total * (i + 1) / frames)) for i in range(frames)})
