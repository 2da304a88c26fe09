"""The "On a phone" page's sentences, LaTeX and tables: MobileNetV2 quantized to 8 bits, built from
``runtime.quantization``'s results (size breakdown, one pixel walked through in integers, channel
ranges, the depthwise weight trial, the speed rows), which are passed in, so this module imports no
torch.

Integer arithmetic after Jacob et al., "Quantization and Training of Neural Networks for Efficient
Integer-Arithmetic-Only Inference" (arXiv:1712.05877v1), section 2: r = s·(q − z), an int32
accumulator, one requantization multiplier M = s_x·s_w / s_y = m₀·2⁻ˢʰⁱᶠᵗ. Per-tensor vs per-channel
weights after Krishnamoorthi, arXiv:1806.08342v1, section 3.1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mobilenet_viz.analytic.formulas import latex_int
from mobilenet_viz.explain import Metric

INTRO = (
    "MobileNets were made for phones, and there they run in 8-bit integers: a weight or an "
    "activation r is stored as an integer q with r = s·(q − z) (scale s, zero point z; Jacob et al. "
    "2018, arXiv:1712.05877v1, section 2). This page quantizes the app's MobileNetV2 after training "
    "(ONNX Runtime, static: uint8 activations, int8 weights with one scale per output channel, "
    "calibrated on the sample photos) and shows what changes: the arithmetic of one layer, size, "
    "why depthwise layers need per-channel scales, and speed."
)
UNTRAINED = (
    " The int8 model is quantized from these untrained weights, so its predictions are meaningless "
    "too; sizes, integer arithmetic and timings are real."
)
TABS = ("One layer in integers", "Size", "Per-tensor vs per-channel", "Speed")


def mb(value: float) -> str:
    return f"{value / 1e6:.2f} MB"


def kept_float(keep_float: Sequence[str]) -> str:
    """Module prefixes kept in float, as names: ``("features.1.",)`` -> ``features.1``."""
    return ", ".join(p.rstrip(".") for p in keep_float)


def model_caption(weights: str, int8, samples: int, views: Sequence[str]) -> str:
    """Which weights, how the int8 model was calibrated, what stays float (an ``Int8Model``)."""
    return (
        f"Weights: **{weights}** · int8 model calibrated on {int8.calibration_images} images (the "
        f"{samples} sample photos: {', '.join(views)}); kept in float: {kept_float(int8.keep_float)} "
        f"(the most sensitive block) · quantized in {int8.build_s:.1f} s, once per weights file."
    )


# --- size ------------------------------------------------------------------------------------------


def size_metrics(sizes: dict, pth_bytes: int) -> list[Metric]:
    """Files and in-memory constants, fp32 vs int8 (``quantization.size_breakdown``)."""
    return [
        Metric(
            "fp32 ONNX file", mb(sizes["fp32_file"]), f"The .pth state_dict is {mb(pth_bytes)}."
        ),
        Metric(
            "int8 ONNX file",
            mb(sizes["int8_file"]),
            delta=f"{sizes['fp32_file'] / sizes['int8_file']:.2f}× smaller",
        ),
        Metric(
            "fp32 in memory",
            mb(sizes["fp32_memory"]),
            "The model's constant tensors (weights, biases, scales, zero points) as the runtime "
            "holds them; activations come on top.",
        ),
        Metric(
            "int8 in memory",
            mb(sizes["int8_memory"]),
            delta=f"{sizes['fp32_memory'] / sizes['int8_memory']:.2f}× smaller",
        ),
    ]


def size_text(sizes: dict) -> str:
    """Why the int8 model is not 4× smaller: what stays wider than one byte."""
    parts = sizes["parts"]
    weights = next((p for p in parts if p.what == "int8 weights"), None)
    if weights is None:
        return "No quantized weights found."
    overhead = sizes["int8_memory"] - weights.bytes
    others = "; ".join(
        f"{p.what} {p.count:,} values ({mb(p.bytes)})" for p in parts if p.what != "int8 weights"
    )
    return (
        f"**Where the 4× comes from:** each of the {weights.count:,} quantized weights shrinks from "
        f"4 bytes (float32) to 1 (int8): {mb(4 * weights.count)} → {mb(weights.count)}. The int8 "
        f"model is {sizes['fp32_memory'] / sizes['int8_memory']:.2f}× smaller in memory, not 4×, "
        f"because {mb(overhead)} stay wider: {others}. Biases are int32 (they are added to the int32 "
        "accumulator), every output channel has its own float32 scale, and every tensor a zero point. "
        "The file adds the graph (Quantize/Dequantize nodes)."
    )


# --- one output value in integers ----------------------------------------------------------------

WALK_INTRO = (
    "One output value of a real 1×1 convolution of the int8 model, computed here in integers from "
    "the model's own numbers (its uint8 input at that pixel, the int8 weights and int32 bias of that "
    "output channel, the scales and zero points it was calibrated with), then checked against what "
    "ONNX Runtime's int8 kernels produced and against the float model."
)
REQUANTIZE = (
    "**3. Requantize** to the output's scale with one multiplier M = s_x·s_w / s_y (a fixed-point "
    "multiplier m₀·2⁻ˢʰⁱᶠᵗ on integer-only hardware), round, add z_y, clamp to 0..255:"
)


def layer_label(name: str, shape: tuple[int, int, int, int]) -> str:
    """A 1×1 conv as the layer picker shows it: ``(in_ch, out_ch, h, w)`` from pointwise_shapes."""
    return f"{name}  ({shape[0]}→{shape[1]} ch, {shape[2]}×{shape[3]})"


def scales_latex(w) -> str:
    """Step 1: the layer's scales and zero points (aligned lines: narrow enough for a phone)."""
    q, n = w.quant, w.channel
    return (
        rf"\begin{{aligned}} s_x &= {q.s_x:.6g}, & z_x &= {q.z_x} \\ "
        rf"s_w[{n}] &= {float(q.s_w[n]):.6g}, & z_w &= 0 \\ "
        rf"s_y &= {q.s_y:.6g}, & z_y &= {q.z_y} \end{{aligned}}"
    )


def accumulate_text(w, in_channels: int) -> str:
    return (
        f"**2. int8 × int8 → int32:** the {in_channels} inputs at ({w.y}, {w.x}) times the "
        f"{in_channels} weights of channel {w.channel}, summed in 32 bits with the int32 bias "
        f"q_b = round(b / (s_x·s_w)) = {w.bias}:"
    )


def accumulate_latex(w, in_channels: int) -> str:
    """acc = Σ (q_x[m] − z_x)·q_w[m] + q_b, and its value."""
    sign = "+" if w.bias >= 0 else "-"
    return (
        rf"\begin{{aligned}} \mathrm{{acc}} &= \sum_{{m=0}}^{{{in_channels - 1}}} "
        rf"(q_x[m] - {w.quant.z_x})\, q_w[m] + q_b \\"
        rf" &= {latex_int(int(w.products.sum()))} {sign} {latex_int(abs(w.bias))} "
        rf"= {latex_int(w.acc)} \end{{aligned}}"
    )


def products_table(w) -> dict[str, list[int]]:
    """Every product of the accumulation, one row per input channel m."""
    return {
        "m": list(range(len(w.q_x))),
        "q_x (uint8)": w.q_x.tolist(),
        "q_x − z_x": (w.q_x.astype(int) - w.quant.z_x).tolist(),
        "q_w (int8)": w.q_w.tolist(),
        "product (int32)": w.products.tolist(),
    }


def requantize_latex(w) -> list[str]:
    """Step 3 in three formulas: M and its fixed-point form, M·acc, and q_y. When round(M·acc) + z_y
    falls outside 0..255 the clamp decides (for a ReLU6 layer the clamp *is* the ReLU6)."""
    q, n = w.quant, w.channel
    unclipped = int(np.rint(w.multiplier * w.acc)) + q.z_y
    inner = (
        rf"\mathrm{{clamp}}({unclipped},\ 0,\ 255)"
        if not 0 <= unclipped <= 255
        else rf"\mathrm{{round}}({w.multiplier * w.acc:.2f}) + {q.z_y}"
    )
    return [
        rf"\begin{{aligned}} M &= \frac{{{q.s_x:.4g} \cdot {float(q.s_w[n]):.4g}}}{{{q.s_y:.4g}}} "
        rf"= {w.multiplier:.6g} \\ &= {w.multiplier_m0:.6f} \cdot 2^{{-{w.multiplier_shift}}} "
        r"\end{aligned}",
        rf"M \cdot \mathrm{{acc}} = {w.multiplier:.6g} \cdot {latex_int(w.acc)} "
        rf"= {w.multiplier * w.acc:.2f}",
        rf"\begin{{aligned}} q_y &= \mathrm{{clamp}}(\mathrm{{round}}(M \cdot \mathrm{{acc}}) + z_y,"
        rf"\ 0,\ 255) \\ &= {inner} = {w.q_y} \end{{aligned}}",
    ]


def walk_metrics(w) -> list[Metric]:
    """q_y computed here, ONNX Runtime's, and the int8 and float values it stands for."""
    return [
        Metric("q_y computed here", w.q_y),
        Metric(
            "q_y from ONNX Runtime",
            w.q_y_runtime,
            delta="same" if w.q_y == w.q_y_runtime else f"{w.q_y_runtime - w.q_y:+d}",
        ),
        Metric("int8 value s_y·(q_y − z_y)", f"{w.y_int8:.4f}"),
        Metric("float model", f"{w.y_fp32:.4f}", delta=f"{w.y_int8 - w.y_fp32:+.4f} int8 − fp32"),
    ]


def walk_caption(w) -> str:
    """How many int8 steps separate the int8 and float values; a [0, 6] output range (z_y = 0,
    255·s_y = 6) means the clamp to 0..255 is the ReLU6."""
    q = w.quant
    relu = (
        " The output range is [0, 6], so saturating at 0..255 *is* the ReLU6: it costs nothing."
        if q.z_y == 0 and abs(q.s_y * 255 - 6) < 1e-3
        else ""
    )
    return (
        f"Output channel {w.channel} at ({w.y}, {w.x}): one int8 step of this output is "
        f"s_y = {q.s_y:.4g}; the int8 and float values differ by "
        f"{abs(w.y_int8 - w.y_fp32) / q.s_y:.1f} steps (the int8 input already carries the rounding "
        f"of every earlier layer).{relu}"
    )


# --- per-tensor vs per-channel -------------------------------------------------------------------

PER_CHANNEL_INTRO = (
    "An int8 tensor has 255 levels. With **one scale per tensor**, s = max|W| / 127 is set by the "
    "widest channel, and a channel whose weights are much smaller uses only a few levels, or none. "
    "After BatchNorm is folded into the weights (what an engine quantizes), MobileNetV2's depthwise "
    "channels differ by orders of magnitude; **one scale per output channel** gives each channel all "
    "255 levels. This is the known failure of per-tensor quantization of MobileNets (Krishnamoorthi "
    "2018, *Quantizing deep convolutional networks for efficient inference*, arXiv:1806.08342v1, "
    "section 3.1)."
)


def median_levels(max_abs: np.ndarray) -> int:
    """Levels (of ±127) the median channel uses when the widest channel sets one scale."""
    top = float(max_abs.max())
    return int(round(127 * float(np.median(max_abs)) / top)) if top > 0 else 0


def ranges_text(ranges) -> str:
    """One layer's channel ranges (a ``ChannelRanges``): the median channel's levels under one
    scale, channels that round to zero, and the SQNR of both schemes."""
    zeros = ranges.zero_channels_per_tensor
    return (
        f"**{ranges.kind}** `{ranges.layer}`: widest channel max|W| = {float(ranges.max_abs.max()):.3g}, "
        f"median {float(np.median(ranges.max_abs)):.3g} — with one scale the median channel uses "
        f"±{median_levels(ranges.max_abs)} of ±127 levels"
        + (f", and **{zeros} channel(s) round to all zeros**" if zeros else "")
        + f". Signal-to-quantization-noise: per tensor **{ranges.sqnr_per_tensor_db:.1f} dB**, per "
        f"channel **{ranges.sqnr_per_channel_db:.1f} dB**."
    )


def trial_text(trial) -> str:
    """What quantizing only the depthwise weights does to the top-1 (a ``WeightQuantTrial``)."""
    n = len(trial.names)
    return (
        "Only the weights of the 17 depthwise convolutions quantized to int8 (everything else "
        f"float): with one scale per tensor the top-1 class stays the same on "
        f"**{trial.agreement('per_tensor')} of {n}** sample photos (mean KL divergence from fp32 "
        f"{np.mean(trial.per_tensor_kl):.3f} nats); with one scale per channel on "
        f"**{trial.agreement('per_channel')} of {n}** ({np.mean(trial.per_channel_kl):.3f} nats)."
    )


def trial_rows(trial, titles: Sequence[str], categories: Sequence[str]) -> list[dict]:
    """Per photo: each model's top-1 class and its probability."""

    def top(index: int, prob: float) -> str:
        return f"{categories[index]} {prob * 100:.1f}%"

    return [
        {
            "photo": title,
            "fp32": top(a, pa),
            "depthwise per-tensor": top(b, pb),
            "depthwise per-channel": top(c, pc),
        }
        for title, a, pa, b, pb, c, pc in zip(
            titles,
            trial.fp32_top1,
            trial.fp32_prob,
            trial.per_tensor_top1,
            trial.per_tensor_prob,
            trial.per_channel_top1,
            trial.per_channel_prob,
            strict=True,
        )
    ]


# --- speed -----------------------------------------------------------------------------------------

SPEED_WAITING = (
    "Press **Time fp32 and int8** to time eager PyTorch, fp32 ONNX Runtime and int8 side by side on "
    "this server (a few seconds; other users wait for the shared inference slot meanwhile)."
)


def speed_rows(rows) -> list[dict]:
    """The timing table (``SpeedRow`` list with an ``onnx`` row as the reference)."""
    onnx = next(r for r in rows if r.engine == "onnx")
    return [
        {
            "engine": r.title,
            "batch 1 median (ms)": round(r.batch1_ms, 2),
            "p90 (ms)": round(r.batch1_p90_ms, 2),
            f"batch {r.batch_size} (ms)": round(r.batch_ms, 1),
            "images/s": round(r.images_per_s, 1),
            "G(FL)OP/s at batch 1": round(r.gops, 1),
            "× fp32 ONNX Runtime": round(r.batch1_ms / onnx.batch1_ms, 2),
        }
        for r in rows
    ]


def speed_text(
    rows, *, macs: int, float_share: float, keep_float: Sequence[str], cpus: int, phone: dict, fmt
) -> str:
    """int8 vs fp32 ONNX Runtime measured here, and against a phone-class CPU's published float
    time (``phone``: ms, macs, source); ``fmt`` writes a count (300.8M)."""
    by = {r.engine: r for r in rows}
    int8, onnx = by["int8"], by["onnx"]
    phone_gflops = 2 * phone["macs"] / (phone["ms"] / 1e3) / 1e9
    return (
        f"On this server's CPU ({cpus} cores visible, {int8.threads} thread used), int8 takes "
        f"**{int8.batch1_ms / onnx.batch1_ms:.2f}×** the time of fp32 ONNX Runtime for one image "
        f"and achieves **{int8.gops:.1f} GOP/s** (2 × {fmt(macs)} MACs per image, all but "
        f"{float_share * 100:.1f}% of them — {kept_float(keep_float)}, kept in float — as integer "
        f"multiply-adds) against {onnx.gops:.1f} GFLOP/s in fp32. On a phone-class CPU the same "
        f"network took {phone['ms']:.0f} ms in float ({phone['source']}), i.e. {phone_gflops:.0f} "
        f"GFLOP/s: at that speed one image costs {phone['ms'] / onnx.batch1_ms:.0f}× this server "
        "core's fp32 time. That is why phones run MobileNets in int8: ARMv8.2 dot-product "
        "instructions (SDOT/UDOT) do four 8-bit multiply-adds in each 32-bit lane where a float "
        "instruction does one, and the weights to fetch are a quarter of the bytes."
    )


def speed_caption(runs: int) -> str:
    return (
        f"Timed now, in the shared inference slot, {runs} runs per engine at batch 1; never cached. "
        "The fp32 and int8 numbers come from the same photo, engines taking turns."
    )
