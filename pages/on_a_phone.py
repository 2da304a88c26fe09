"""On a phone: MobileNetV2 in 8-bit integers: smaller, faster, and why depthwise layers need
per-channel scales."""

from __future__ import annotations

import os

import numpy as np
import streamlit as st
import torch
from torchvision.models import mobilenet_v2

from mobilenet_viz.analytic.formulas import latex_int
from mobilenet_viz.figures import quantization as figs
from mobilenet_viz.inputs.images import decode_image
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import inference as inf
from mobilenet_viz.runtime import profiling
from mobilenet_viz.runtime import quantization as qz
from ui import presenter
from ui.layout import fmt_count, show_plotly
from ui.model import get_engines, get_int8, get_model
from ui.params import ChoiceParam, IntParam, PageParams
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

SAMPLES = [s.name for s in list_samples()]
LAYERS = [
    name
    for name in qz.pointwise_shapes()
    if not any(f"{name}.".startswith(p) for p in qz.KEEP_FLOAT)
]
PARAMS = PageParams(
    "q8",
    {
        "layer": ChoiceParam("features.2.conv.0.0", LAYERS),
        "photo": ChoiceParam("cat.jpg" if "cat.jpg" in SAMPLES else SAMPLES[0], SAMPLES),
        "channel": IntParam(0, 0, 1279),
        "y": IntParam(20, 0, 111),
        "x": IntParam(20, 0, 111),
        "block": IntParam(3, 1, 17),
        "runs": IntParam(20, 4, 100),
    },
)


@st.cache_data(show_spinner=False)
def _shapes() -> dict[str, tuple[int, int, int, int]]:
    return qz.pointwise_shapes()


@st.cache_data(show_spinner=False)
def _macs() -> int:
    return profiling.model_macs(mobilenet_v2(weights=None))


@st.cache_data(show_spinner=False)
def _float_share() -> float:
    return qz.kept_float_macs() / _macs()


def _tensor(loaded, name: str) -> torch.Tensor:
    sample = next(s for s in list_samples() if s.name == name)
    return loaded.transforms(decode_image(sample.read_bytes()).image)


@st.cache_data(show_spinner=False, max_entries=64)
def _walk(
    digest: str, layer: str, photo: str, channel: int, y: int, x: int, _loaded, _int8
) -> qz.PixelWalkthrough:
    with inf.inference_slot():
        return qz.walk_pixel(_loaded, _int8, _tensor(_loaded, photo), layer, channel, y, x)


@st.cache_data(show_spinner=False, max_entries=8)
def _sizes(digest: str, _loaded, _int8) -> tuple[dict, int]:
    return qz.size_breakdown(_int8), qz.state_dict_file_bytes(_loaded.model)


@st.cache_data(show_spinner=False, max_entries=40)
def _ranges(digest: str, block: int, _loaded) -> tuple[qz.ChannelRanges, qz.ChannelRanges]:
    dw, pw = qz.block_layers(block)
    return qz.channel_ranges(_loaded.model, dw), qz.channel_ranges(_loaded.model, pw)


@st.cache_data(show_spinner=False, max_entries=4)
def _trial(digest: str, _loaded) -> qz.WeightQuantTrial:
    images = torch.stack([_tensor(_loaded, name) for name in SAMPLES])
    with inf.inference_slot():
        return qz.depthwise_weight_trial(_loaded.model, SAMPLES, images)


def _mb(value: float) -> str:
    return f"{value / 1e6:.2f} MB"


st.title("On a phone: MobileNetV2 in 8-bit integers")
st.caption(
    "MobileNets were made for phones, and there they run in 8-bit integers: a weight or an activation "
    "r is stored as an integer q with r = s·(q − z) (scale s, zero point z; Jacob et al. 2018, "
    "arXiv:1712.05877v1, section 2). This page quantizes the app's MobileNetV2 after training (ONNX "
    "Runtime, static: uint8 activations, int8 weights with one scale per output channel, calibrated on "
    "the sample photos) and shows what changes: size, the arithmetic of one layer, why depthwise layers "
    "need per-channel scales, and speed."
)
PARAMS.restore()

loaded, engines = get_model(), get_engines()
if not loaded.pretrained:
    st.error(
        f"{loaded.message or 'Untrained model in use.'} The int8 model is quantized from these untrained "
        "weights, so its predictions are meaningless too; sizes, integer arithmetic and timings are real.",
        icon=":material/warning:",
    )
try:
    int8 = get_int8(engines)
except inf.EngineUnavailable as exc:
    PARAMS.stop(f"The int8 model cannot be built here: {exc}.")
digest = int8.weights_hash
st.caption(
    f"Weights: **{loaded.describe()}** · int8 model calibrated on {int8.calibration_images} images "
    f"(the {len(SAMPLES)} sample photos: {', '.join(qz.CALIBRATION_VIEWS)}); kept in float: "
    f"{', '.join(p.rstrip('.') for p in int8.keep_float)} (the most sensitive block) · quantized in "
    f"{int8.build_s:.1f} s, once per weights file."
)

tab_size, tab_layer, tab_channel, tab_speed = st.tabs(
    ["Size", "One layer in integers", "Per-tensor vs per-channel", "Speed"]
)

# --- size ---------------------------------------------------------------------------------------
with tab_size:
    sizes, pth = _sizes(digest, loaded, int8)
    parts = sizes["parts"]
    weights = next((p for p in parts if p.what == "int8 weights"), None)
    m = st.columns(4)
    m[0].metric(
        "fp32 ONNX file", _mb(sizes["fp32_file"]), help=f"The .pth state_dict is {_mb(pth)}."
    )
    m[1].metric(
        "int8 ONNX file",
        _mb(sizes["int8_file"]),
        delta_color="off",
        delta_arrow="off",
        delta=f"{sizes['fp32_file'] / sizes['int8_file']:.2f}× smaller",
    )
    m[2].metric(
        "fp32 in memory",
        _mb(sizes["fp32_memory"]),
        help="The model's constant tensors (weights, biases, "
        "scales, zero points) as the runtime holds them; activations come on top.",
    )
    m[3].metric(
        "int8 in memory",
        _mb(sizes["int8_memory"]),
        delta_color="off",
        delta_arrow="off",
        delta=f"{sizes['fp32_memory'] / sizes['int8_memory']:.2f}× smaller",
    )
    show_plotly(figs.model_bytes(sizes["fp32_memory"], parts), key="q8_bytes")
    overhead = sizes["int8_memory"] - (weights.bytes if weights else 0)
    st.markdown(
        f"**Where the 4× comes from:** each of the {weights.count:,} quantized weights shrinks from 4 bytes "
        f"(float32) to 1 (int8): {_mb(4 * weights.count)} → {_mb(weights.count)}. The int8 model is "
        f"{sizes['fp32_memory'] / sizes['int8_memory']:.2f}× smaller in memory, not 4×, because "
        f"{_mb(overhead)} stay wider: "
        + "; ".join(
            f"{p.what} {p.count:,} values ({_mb(p.bytes)})"
            for p in parts
            if p.what != "int8 weights"
        )
        + ". Biases are int32 (they are added to the int32 accumulator), every output channel has its own "
        "float32 scale, and every tensor a zero point. The file adds the graph (Quantize/Dequantize nodes)."
        if weights
        else "No quantized weights found."
    )

# --- one layer in integers ----------------------------------------------------------------------
shapes = _shapes()
layer = PARAMS.value("layer")
in_ch, out_ch, height, width = shapes[layer]
for name, hi in (("channel", out_ch - 1), ("y", height - 1), ("x", width - 1)):
    if PARAMS.value(name) > hi:  # a link made for a bigger layer: stay inside this one
        PARAMS.set(**{name: hi})
with tab_layer:
    st.markdown(
        "One output value of a real 1×1 convolution of the int8 model, computed here in integers from the "
        "model's own numbers (its uint8 input at that pixel, the int8 weights and int32 bias of that output "
        "channel, the scales and zero points it was calibrated with), then checked against what ONNX "
        "Runtime's int8 kernels produced and against the float model."
    )
    c1, c2 = st.columns(2)
    c1.selectbox(
        "Layer (1×1 convolutions)",
        LAYERS,
        key=PARAMS.key("layer"),
        format_func=lambda n: (
            f"{n}  ({shapes[n][0]}→{shapes[n][1]} ch, {shapes[n][2]}×{shapes[n][3]})"
        ),
    )
    c2.selectbox("Photo", SAMPLES, key=PARAMS.key("photo"))
    with presenter.more_controls("output channel and pixel"):
        d1, d2, d3 = st.columns(3)
    d1.slider("Output channel n", 0, out_ch - 1, key=PARAMS.key("channel"))
    d2.slider("Row y", 0, height - 1, key=PARAMS.key("y"))
    d3.slider("Column x", 0, width - 1, key=PARAMS.key("x"))
    w = _walk(
        digest,
        layer,
        PARAMS.value("photo"),
        PARAMS.value("channel"),
        PARAMS.value("y"),
        PARAMS.value("x"),
        loaded,
        int8,
    )
    q = w.quant
    n = w.channel
    st.markdown(f"**1. Scales and zero points** (r = s·(q − z)) of `{layer}`:")
    st.latex(  # aligned lines: narrow enough for a phone
        rf"\begin{{aligned}} s_x &= {q.s_x:.6g}, & z_x &= {q.z_x} \\ s_w[{n}] &= {float(q.s_w[n]):.6g}, & z_w &= 0"
        rf" \\ s_y &= {q.s_y:.6g}, & z_y &= {q.z_y} \end{{aligned}}"
    )
    st.markdown(
        f"**2. int8 × int8 → int32:** the {in_ch} inputs at ({w.y}, {w.x}) times the {in_ch} weights "
        f"of channel {n}, summed in 32 bits with the int32 bias q_b = round(b / (s_x·s_w)) = {w.bias}:"
    )
    st.latex(
        rf"\begin{{aligned}} \mathrm{{acc}} &= \sum_{{m=0}}^{{{in_ch - 1}}} (q_x[m] - {q.z_x})\, q_w[m] + q_b \\"
        rf" &= {latex_int(int(w.products.sum()))} {'+' if w.bias >= 0 else '-'} {latex_int(abs(w.bias))} = {latex_int(w.acc)} \end{{aligned}}"
    )
    with st.expander(f"All {in_ch} products", expanded=presenter.expanded(in_ch <= 24)):
        st.dataframe(
            {
                "m": list(range(in_ch)),
                "q_x (uint8)": w.q_x.tolist(),
                "q_x − z_x": (w.q_x.astype(int) - q.z_x).tolist(),
                "q_w (int8)": w.q_w.tolist(),
                "product (int32)": w.products.tolist(),
            },
            hide_index=True,
            height=260,
        )
    st.markdown(
        "**3. Requantize** to the output's scale with one multiplier M = s_x·s_w / s_y (a fixed-point "
        "multiplier m₀·2⁻ˢʰⁱᶠᵗ on integer-only hardware), round, add z_y, clamp to 0..255:"
    )
    st.latex(
        rf"\begin{{aligned}} M &= \frac{{{q.s_x:.4g} \cdot {float(q.s_w[n]):.4g}}}{{{q.s_y:.4g}}} = {w.multiplier:.6g}"
        rf" \\ &= {w.multiplier_m0:.6f} \cdot 2^{{-{w.multiplier_shift}}} \end{{aligned}}"
    )
    st.latex(
        rf"M \cdot \mathrm{{acc}} = {w.multiplier:.6g} \cdot {latex_int(w.acc)} = {w.multiplier * w.acc:.2f}"
    )
    unclipped = int(np.rint(w.multiplier * w.acc)) + q.z_y
    clipped = (
        not 0 <= unclipped <= 255
    )  # then the clamp decides (for a ReLU6 layer it is the ReLU6)
    inner = (
        rf"\mathrm{{clamp}}({unclipped},\ 0,\ 255)"
        if clipped
        else rf"\mathrm{{round}}({w.multiplier * w.acc:.2f}) + {q.z_y}"
    )
    st.latex(
        rf"\begin{{aligned}} q_y &= \mathrm{{clamp}}(\mathrm{{round}}(M \cdot \mathrm{{acc}}) + z_y,\ 0,\ 255) \\"
        rf" &= {inner} = {w.q_y}"
        rf" \end{{aligned}}"
    )
    k = st.columns(4)
    k[0].metric("q_y computed here", w.q_y)
    k[1].metric(
        "q_y from ONNX Runtime",
        w.q_y_runtime,
        delta="same" if w.q_y == w.q_y_runtime else f"{w.q_y_runtime - w.q_y:+d}",
        delta_color="off",
        delta_arrow="off",
    )
    k[2].metric("int8 value s_y·(q_y − z_y)", f"{w.y_int8:.4f}")
    k[3].metric(
        "float model",
        f"{w.y_fp32:.4f}",
        delta=f"{w.y_int8 - w.y_fp32:+.4f} int8 − fp32",
        delta_color="off",
        delta_arrow="off",
    )
    relu = (
        " The output range is [0, 6], so saturating at 0..255 *is* the ReLU6: it costs nothing."
        if q.z_y == 0 and abs(q.s_y * 255 - 6) < 1e-3
        else ""
    )
    st.caption(
        f"One int8 step of this output is s_y = {q.s_y:.4g}; the int8 and float values differ by "
        f"{abs(w.y_int8 - w.y_fp32) / q.s_y:.1f} steps (the int8 input already carries the rounding of "
        f"every earlier layer).{relu}"
    )

# --- per-tensor vs per-channel ------------------------------------------------------------------
with tab_channel:
    st.markdown(
        "An int8 tensor has 255 levels. With **one scale per tensor**, s = max|W| / 127 is set by the widest "
        "channel, and a channel whose weights are much smaller uses only a few levels, or none. After "
        "BatchNorm is folded into the weights (what an engine quantizes), MobileNetV2's depthwise channels "
        "differ by orders of magnitude; **one scale per output channel** gives each channel all 255 levels. "
        "This is the known failure of per-tensor quantization of MobileNets (Krishnamoorthi 2018, "
        "*Quantizing deep convolutional networks for efficient inference*, arXiv:1806.08342v1, section 3.1)."
    )
    st.slider("Inverted-residual block", 1, 17, key=PARAMS.key("block"))
    dw, pw = _ranges(digest, PARAMS.value("block"), loaded)
    left, right = st.columns(2)
    for column, ranges, color in ((left, dw, "#2563eb"), (right, pw, "#0f766e")):
        with column:
            show_plotly(figs.channel_ranges(ranges, color=color), key=f"q8_ranges_{ranges.kind}")
            top = float(ranges.max_abs.max())
            median = float(np.median(ranges.max_abs))
            levels = int(round(127 * median / top)) if top > 0 else 0
            st.markdown(
                f"**{ranges.kind}** `{ranges.layer}`: widest channel max|W| = {top:.3g}, median {median:.3g} — "
                f"with one scale the median channel uses ±{levels} of ±127 levels"
                + (
                    f", and **{ranges.zero_channels_per_tensor} channel(s) round to all zeros**"
                    if ranges.zero_channels_per_tensor
                    else ""
                )
                + f". Signal-to-quantization-noise: per tensor **{ranges.sqnr_per_tensor_db:.1f} dB**, per channel "
                f"**{ranges.sqnr_per_channel_db:.1f} dB**."
            )
    st.subheader("What it does to predictions")
    trial = _trial(digest, loaded)
    titles = [next(s.title for s in list_samples() if s.name == name) for name in trial.names]
    show_plotly(figs.weight_trial(trial, titles), key="q8_trial")
    per_tensor, per_channel = trial.agreement("per_tensor"), trial.agreement("per_channel")
    st.markdown(
        f"Only the weights of the 17 depthwise convolutions quantized to int8 (everything else float): with "
        f"one scale per tensor the top-1 class stays the same on **{per_tensor} of {len(trial.names)}** sample "
        f"photos (mean KL divergence from fp32 {np.mean(trial.per_tensor_kl):.3f} nats); with one scale per "
        f"channel on **{per_channel} of {len(trial.names)}** ({np.mean(trial.per_channel_kl):.3f} nats)."
    )
    st.dataframe(
        [
            {
                "photo": title,
                "fp32": f"{loaded.categories[a]} {pa * 100:.1f}%",
                "depthwise per-tensor": f"{loaded.categories[b]} {pb * 100:.1f}%",
                "depthwise per-channel": f"{loaded.categories[c]} {pc * 100:.1f}%",
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
        ],
        hide_index=True,
    )
    if not loaded.pretrained:
        st.caption(
            "Untrained weights: the classes are meaningless, but whether they survive quantization is measured."
        )

# --- speed --------------------------------------------------------------------------------------
with tab_speed:
    with presenter.more_controls("timed runs"):
        st.slider(
            "Timed runs per engine at batch 1",
            4,
            100,
            key=PARAMS.key("runs"),
            help="Batch 8 gets half as many. Engines take turns in 4 rounds, so load on the server hits all alike.",
        )
    timed = st.button("Time fp32 and int8", key="q8_time", icon=":material/speed:")
    macs = _macs()
    if timed:
        with st.spinner("Timing eager PyTorch, ONNX Runtime fp32 and int8 (batch 1 and 8)…"):
            rows = qz.speed_comparison(
                engines,
                _tensor(loaded, PARAMS.value("photo")),
                macs=macs,
                runs=PARAMS.value("runs"),
            )
        left, right = st.columns(2)
        latency, throughput = figs.speed(rows)
        with left:
            show_plotly(latency, key="q8_latency")
        with right:
            show_plotly(throughput, key="q8_throughput")
        by = {r.engine: r for r in rows}
        st.dataframe(
            [
                {
                    "engine": r.title,
                    "batch 1 median (ms)": round(r.batch1_ms, 2),
                    "p90 (ms)": round(r.batch1_p90_ms, 2),
                    f"batch {r.batch_size} (ms)": round(r.batch_ms, 1),
                    "images/s": round(r.images_per_s, 1),
                    "G(FL)OP/s at batch 1": round(r.gops, 1),
                    "× fp32 ONNX Runtime": round(r.batch1_ms / by["onnx"].batch1_ms, 2),
                }
                for r in rows
            ],
            hide_index=True,
        )
        ref = qz.PHONE_REFERENCE
        phone_gflops = 2 * ref["macs"] / (ref["ms"] / 1e3) / 1e9
        st.markdown(
            f"On this server's CPU ({os.cpu_count()} cores visible, {by['int8'].threads} thread used), int8 takes "
            f"**{by['int8'].batch1_ms / by['onnx'].batch1_ms:.2f}×** the time of fp32 ONNX Runtime for one image "
            f"and achieves **{by['int8'].gops:.1f} GOP/s** (2 × {fmt_count(macs)} MACs per image, all but "
            f"{_float_share() * 100:.1f}% of them — {', '.join(p.rstrip('.') for p in int8.keep_float)}, kept in "
            f"float — as integer multiply-adds) against {by['onnx'].gops:.1f} GFLOP/s in fp32. "
            f"On a phone-class CPU the same network took {ref['ms']:.0f} ms in float ({ref['source']}), "
            f"i.e. {phone_gflops:.0f} GFLOP/s: at that speed one image costs "
            f"{ref['ms'] / by['onnx'].batch1_ms:.0f}× this server core's fp32 time. That is why phones run "
            "MobileNets in int8: ARMv8.2 dot-product instructions (SDOT/UDOT) do four 8-bit multiply-adds in "
            "each 32-bit lane where a float instruction does one, and the weights to fetch are a quarter of "
            "the bytes."
        )
        st.caption(
            f"Timed now, in the shared inference slot, {PARAMS.value('runs')} runs per engine at batch 1; "
            "never cached. The fp32 and int8 numbers come from the same photo, engines taking turns."
        )
    else:
        st.info(
            "Press **Time fp32 and int8** to time eager PyTorch, fp32 ONNX Runtime and int8 side by side on "
            "this server (a few seconds; other users wait for the shared inference slot meanwhile)."
        )
PARAMS.share()
