"""What the "How the filters work" page says: its sentences, metrics and tables, from the run's
own numbers.

Howard et al., "MobileNets" (arXiv:1704.04861v1), section 3.1. A standard conv has N filters of
D_K x D_K x M: D_K^2 M N weights, and D_K^2 M multiplications per value of each of the N output
maps. The depthwise + pointwise pair has M filters of D_K x D_K x 1 and N filters of 1 x 1 x M:
D_K^2 M + M N weights; per output pixel D_K^2 M multiplications once (depthwise, shared by every
output channel) plus M for each output channel (pointwise). Weight counts are
``analytic.costs``' (conv weights, no bias, as the paper counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mobilenet_viz.analytic.costs import (
    depthwise_conv_cost,
    pointwise_conv_cost,
    standard_conv_cost,
)
from mobilenet_viz.explain import Metric

if TYPE_CHECKING:  # annotations only: this module needs no torch
    from mobilenet_viz.runtime.filtering import PixelInspection

EQUIVALENCE_LATEX = (
    r"W[n,m] \;=\; P[n,m]\cdot D[m] \quad\Longrightarrow\quad "
    r"\sum_m P[n,m]\,(D[m] \star X[m]) \;=\; \sum_m W[n,m] \star X[m]"
)
CONSTRAINT = (
    "A depthwise + pointwise pair is exactly a standard convolution whose filter slices are all "
    "the same D_K×D_K pattern D[m] per input channel, only scaled by P[n, m]. So separable "
    "convolution is a *constrained* standard convolution: far fewer parameters and "
    "multiplications, but less freedom: it cannot give each output its own spatial pattern per "
    "channel."
)
GENERAL_FILTERS = (
    "General standard filters: no W = P·D constraint (every slice has its own pattern). The "
    "depthwise + pointwise tab shows their closest separable pair."
)


def weights(kernel: int, in_channels: int, out_channels: int) -> tuple[int, int, int]:
    """(standard D_K^2 M N, depthwise D_K^2 M, pointwise M N) conv weights."""
    return (
        standard_conv_cost(in_channels, out_channels, kernel, 1).params,
        depthwise_conv_cost(in_channels, kernel, 1).params,
        pointwise_conv_cost(in_channels, out_channels, 1).params,
    )


def latex_matrix(k: np.ndarray) -> str:
    """A 2-D kernel as a LaTeX bmatrix, 4 significant digits."""
    rows = [" & ".join(f"{v:.4g}" for v in row) for row in np.asarray(k)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def input_caption(description: str, size: int, channel_labels: Sequence[str], kernel: int) -> str:
    """What the input is and how both convs run on it (``description`` is already escaped)."""
    return (
        f"Input: {description}, centre-cropped and resized to {size}×{size}, "
        f"{len(channel_labels)} channel(s) ({', '.join(channel_labels)}), values 0–1. "
        f"Convolutions: stride 1, zero padding {kernel // 2} (“same”), no bias. Output colour "
        "scales are centred on 0 and fitted to the interior: the zero-padded border may saturate."
    )


def stage_title(size: int, kernel: int, in_channels: int, out_channels: int) -> str:
    """The key visual's heading: what the tiles are."""
    return (
        f"**The {size}×{size}×{in_channels} input X and the {out_channels} output maps of a "
        f"standard {kernel}×{kernel}×{in_channels} conv**"
    )


def stage_caption(limit: float, exact: bool, approximation_error: float) -> str:
    """How to read the tiles' colours, and how far the depthwise + pointwise pair's maps are from
    them (``approximation_error`` = max |standard - separable|)."""
    pair = (
        "The depthwise + pointwise pair computes the same maps (largest difference "
        f"{approximation_error:.0e}, float32 rounding)."
        if exact
        else "Its closest depthwise + pointwise pair differs by up to "
        f"{approximation_error:.3g} (see *Equivalence*)."
    )
    return (
        f"Blue < 0 < red, one scale for every map (±{limit:.3g}, fitted to the interior: the "
        f"zero-padded border may saturate). {pair}"
    )


def standard_filters(kernel: int, in_channels: int, out_channels: int) -> str:
    """The standard filter bank: N filters of D_K x D_K x M, drawn one row per filter."""
    standard, _, _ = weights(kernel, in_channels, out_channels)
    return (
        f"**{out_channels} standard filters of {kernel}×{kernel}×{in_channels}** ({standard} "
        "weights): each row is one filter, each column the slice that touches one input channel. "
        f"Output n = the sum over all {in_channels} channels of slice ⋆ channel."
    )


def exact_filters(source_title: str) -> str:
    """Preset banks are built as W = P·D, so the pair reproduces them exactly."""
    return (
        f"These standard filters are **built as W[n, m] = P[n, m]·D[m]** from the {source_title} "
        "kernel D and the seeded pointwise weights P, so the depthwise + pointwise pair reproduces "
        "them exactly. Switch on *Unconstrained standard filters* to give every slice its own "
        "pattern."
    )


def depthwise_step(kernel: int, in_channels: int) -> str:
    _, depthwise, _ = weights(kernel, in_channels, 1)
    return (
        f"**Step 1, depthwise:** {in_channels} filters of {kernel}×{kernel}×1 ({depthwise} "
        "weights), one per input channel (torch `conv2d(..., groups=M)`). Each map below is "
        "computed from **one** input channel only; nothing mixes colours yet."
    )


def depthwise_scale(limit: float) -> str:
    """How to read the depthwise maps' colours (their own scale, not the outputs')."""
    return (
        f"Input channels in gray (0–1); depthwise maps blue < 0 < red on their own scale (±{limit:.3g}, "
        "fitted to the interior)."
    )


def pointwise_step(in_channels: int, out_channels: int) -> str:
    _, _, pointwise = weights(1, in_channels, out_channels)
    return (
        f"**Step 2, pointwise:** {out_channels} filters of 1×1×{in_channels} ({pointwise} "
        "weights). Output n at every pixel is a weighted sum of the depthwise maps at that pixel: "
        "this is where channels meet."
    )


def equivalence_metrics(
    kernel: int,
    in_channels: int,
    out_channels: int,
    equivalence_error: float,
    approximation_error: float,
) -> list[Metric]:
    """The pair vs the standard conv it equals, the weights both ways, and this page's error."""
    standard, depthwise, pointwise = weights(kernel, in_channels, out_channels)
    return [
        Metric(
            "max |separable − standard conv with W = P·D|",
            f"{equivalence_error:.2e}",
            "Largest absolute difference over all N output maps; only float32 rounding is left.",
        ),
        Metric(
            "Weights: standard → separable",
            f"{standard} → {depthwise + pointwise}",
            f"D_K²·M·N = {standard} vs D_K²·M + M·N = {depthwise + pointwise}",
        ),
        Metric(
            "max |this page's standard − separable|",
            f"{approximation_error:.3g}",
            "0 for presets (the standard filters are built as P·D); > 0 for unconstrained, "
            "random and MobileNetV2 filters, whose closest separable version is shown.",
        ),
    ]


def approximation(kind: str, error: float) -> str:
    """A general bank and its best separable pair; ``kind`` names the bank ("random", ...)."""
    return (
        f"These {kind} filters are a general standard bank. The depthwise + pointwise pair shown "
        "is its best separable approximation (rank-1 SVD per input channel); the outputs differ "
        f"by up to {error:.3g}: the price of the constraint."
    )


def pixel_metrics(ins: PixelInspection) -> list[Metric]:
    """One output value both ways: the two sums and the multiplications each takes."""
    cnt = ins.counts
    k, m, n = cnt.kernel, cnt.in_channels, cnt.out_channels
    return [
        Metric(
            "Standard: Σ products",
            f"{ins.standard_sum:.6f}",
            f"Sum of the {cnt.standard_per_channel} products W[n]·patch below",
        ),
        Metric(
            "Separable: Σ P·Z",
            f"{ins.separable_sum:.6f}",
            "Depthwise sums Z[m], then the pointwise weighted sum",
        ),
        Metric(
            "Mults, standard",
            f"{cnt.standard_per_channel}",
            f"For this one output value: D_K²·M = {k}²·{m}; all N = {n} outputs: "
            f"{cnt.standard_all}",
        ),
        Metric(
            "Mults, separable",
            f"{cnt.depthwise_once} + {cnt.pointwise_per_channel}",
            f"For this one output value: D_K²·M = {cnt.depthwise_once} depthwise (shared by all "
            f"outputs) + M = {m} per output; all N = {n} outputs: {cnt.separable_all}",
        ),
    ]


def pixel_multiplications(ins: PixelInspection) -> str:
    """Multiplications for one output value and for all N at this pixel, both ways."""
    cnt = ins.counts
    return (
        f"One output value costs D_K²·M = **{cnt.standard_per_channel}** multiplications in the "
        f"standard conv, and D_K²·M = {cnt.depthwise_once} (depthwise, computed once and shared by "
        f"every output channel) + M = {cnt.pointwise_per_channel} (pointwise) in the separable "
        f"one. For all N = {cnt.out_channels} outputs at this pixel: standard "
        f"**{cnt.standard_all}** (D_K²·M·N) vs separable **{cnt.separable_all}** (D_K²·M + M·N)."
    )


def pointwise_rows(ins: PixelInspection, channel_labels: Sequence[str]) -> list[dict]:
    """Output n's pointwise sum, one row per input channel: Z[m], P[n, m] and their product."""
    out = ins.channel + 1
    return [
        {
            "channel m": label,
            "depthwise sum Z[m]": float(ins.depthwise_sums[c]),
            f"pointwise weight P[{out}, m]": float(ins.pointwise_weights[c]),
            "product": float(ins.pointwise_products[c]),
        }
        for c, label in enumerate(channel_labels)
    ]


def product_rows(ins: PixelInspection, channel_labels: Sequence[str]) -> list[dict]:
    """Every product behind the inspected pixel, one row per (channel, kernel position): the
    input value, the standard weight W[n, m] and the depthwise weight D[m] with their products."""
    k = ins.patch.shape[-1]
    return [
        {
            "channel": label,
            "row": ins.top + i,
            "col": ins.left + j,
            "input": float(ins.patch[c, i, j]),
            "standard_weight": float(ins.standard_weights[c, i, j]),
            "standard_product": float(ins.standard_products[c, i, j]),
            "depthwise_weight": float(ins.depthwise_weights[c, i, j]),
            "depthwise_product": float(ins.depthwise_products[c, i, j]),
        }
        for c, label in enumerate(channel_labels)
        for i in range(k)
        for j in range(k)
    ]


def sliding(kernel: int, size: int, out: int, frames: int) -> str:
    """How the animation of ``frames`` steps fills standard output ``out`` in reading order."""
    return (
        f"Press **Play** or drag the slider: the {kernel}×{kernel} window slides over the input "
        f"in reading order and standard output {out} fills in (each step jumps "
        f"~{max(1, round(size * size / frames))} pixels). The output channel is chosen in the "
        "*One output pixel* tab."
    )
