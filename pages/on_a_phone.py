"""On a phone: MobileNetV2 in 8-bit integers: smaller, faster, and why depthwise layers need
per-channel scales."""

from __future__ import annotations

import os

import streamlit as st
import torch

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.explain import fmt_count
from mobilenet_viz.explain import int8 as text
from mobilenet_viz.figures import quantization as figs
from mobilenet_viz.inputs.images import decode_image
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import quantization as qz
from mobilenet_viz.runtime.engines import EngineUnavailable
from mobilenet_viz.runtime.serving import inference_slot
from ui import presenter, stage
from ui.layout import show_plotly
from ui.model import get_engines, get_int8, get_model
from ui.params import ChoiceParam, IntParam, PageParams
from ui.routing import through_router
from ui.text import md

through_router()  # a deep link that is a fresh server's first request still goes through app.py

SAMPLES = [s.name for s in list_samples()]
TITLES = {s.name: s.title for s in list_samples()}
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
        "view": ChoiceParam(text.TABS[0], text.TABS),
    },
)


@st.cache_data(show_spinner=False)
def _shapes() -> dict[str, tuple[int, int, int, int]]:
    return qz.pointwise_shapes()


@st.cache_data(show_spinner=False)
def _float_share() -> float:
    return qz.kept_float_macs() / build("v2").macs


def _tensor(loaded, name: str) -> torch.Tensor:
    sample = next(s for s in list_samples() if s.name == name)
    return loaded.transforms(decode_image(sample.read_bytes()).image)


@st.cache_data(show_spinner=False, max_entries=64)
def _walk(
    digest: str, layer: str, photo: str, channel: int, y: int, x: int, _loaded, _int8
) -> qz.PixelWalkthrough:
    with inference_slot():
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
    with inference_slot():
        return qz.depthwise_weight_trial(_loaded.model, SAMPLES, images)


st.title("On a phone: MobileNetV2 in 8-bit integers")
PARAMS.restore()
loaded, engines = get_model(), get_engines()
try:
    int8 = get_int8(engines)
except EngineUnavailable as exc:
    PARAMS.stop(f"The int8 model cannot be built here: {exc}.")
digest = int8.weights_hash


def about() -> None:
    """What the page does, which weights, how the int8 model was made: above the views, or below
    them in presenter mode (the projector's first screen is for the stage)."""
    st.caption(text.INTRO)
    if not loaded.pretrained:
        message = md(loaded.message or "Untrained model in use.") + text.UNTRAINED
        st.error(message, icon=":material/warning:")
    views = qz.CALIBRATION_VIEWS
    st.caption(text.model_caption(md(loaded.describe()), int8, len(SAMPLES), views))


if not presenter.is_on():
    about()
tab_layer, tab_size, tab_channel, tab_speed = st.tabs(
    text.TABS, key=PARAMS.key("view"), on_change="rerun"
)  # only the chosen view runs (and draws its charts)

# --- one layer in integers ----------------------------------------------------------------------
shapes = _shapes()
layer = PARAMS.value("layer")
in_ch, out_ch, height, width = shapes[layer]
for name, hi in (("channel", out_ch - 1), ("y", height - 1), ("x", width - 1)):
    if PARAMS.value(name) > hi:  # a link made for a bigger layer: stay inside this one
        PARAMS.set(**{name: hi})
if tab_layer.open:
    with tab_layer:
        controls, visual = stage.frame(intro=text.WALK_INTRO)
        with controls:
            st.selectbox(
                "Layer (1×1 convolutions)",
                LAYERS,
                key=PARAMS.key("layer"),
                format_func=lambda n: text.layer_label(n, shapes[n]),
            )
            st.selectbox("Photo", SAMPLES, key=PARAMS.key("photo"), format_func=TITLES.get)
            with presenter.more_controls("output channel and pixel"):
                st.slider("Output channel n", 0, out_ch - 1, key=PARAMS.key("channel"))
                st.slider("Row y", 0, height - 1, key=PARAMS.key("y"))
                st.slider("Column x", 0, width - 1, key=PARAMS.key("x"))
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
        *requantize, result = text.requantize_latex(w)
        with visual:
            st.latex(result)
            stage.metric_row(text.walk_metrics(w))
        st.caption(text.walk_caption(w))
        st.markdown(f"**1. Scales and zero points** (r = s·(q − z)) of `{layer}`:")
        st.latex(text.scales_latex(w))
        st.markdown(text.accumulate_text(w, in_ch))
        st.latex(text.accumulate_latex(w, in_ch))
        with st.expander(f"All {in_ch} products", expanded=presenter.expanded(in_ch <= 24)):
            st.dataframe(text.products_table(w), hide_index=True, height=260)
        st.markdown(text.REQUANTIZE)
        for formula in requantize:
            st.latex(formula)

# --- size ---------------------------------------------------------------------------------------
if tab_size.open:
    with tab_size:
        sizes, pth = _sizes(digest, loaded, int8)
        stage.metric_row(text.size_metrics(sizes, pth))
        show_plotly(figs.model_bytes(sizes["fp32_memory"], sizes["parts"]), key="q8_bytes")
        st.markdown(text.size_text(sizes))

# --- per-tensor vs per-channel ------------------------------------------------------------------
if tab_channel.open:
    with tab_channel:
        controls, visual = stage.frame(intro=text.PER_CHANNEL_INTRO)
        with controls:
            st.slider("Inverted-residual block", 1, 17, key=PARAMS.key("block"))
        dw, pw = _ranges(digest, PARAMS.value("block"), loaded)
        with visual:
            stage.plot(figs.channel_ranges(dw), key="q8_ranges_depthwise")
        st.markdown(text.ranges_text(dw))
        show_plotly(figs.channel_ranges(pw), key="q8_ranges_pointwise")
        st.markdown(text.ranges_text(pw))
        st.subheader("What it does to predictions")
        trial = _trial(digest, loaded)
        titles = [TITLES[name] for name in trial.names]
        show_plotly(figs.weight_trial(trial, titles), key="q8_trial")
        st.markdown(text.trial_text(trial))
        st.dataframe(text.trial_rows(trial, titles, loaded.categories), hide_index=True)
        if not loaded.pretrained:
            st.caption(
                "Untrained weights: the classes are meaningless, but whether they survive "
                "quantization is measured."
            )

# --- speed --------------------------------------------------------------------------------------
if tab_speed.open:
    with tab_speed:
        controls, visual = stage.frame()
        with controls:
            st.slider(
                "Timed runs per engine at batch 1",
                4,
                100,
                key=PARAMS.key("runs"),
                help="Batch 8 gets half as many. Engines take turns in 4 rounds, so load on the "
                "server hits all alike.",
            )
            timed = st.button("Time fp32 and int8", key="q8_time", icon=":material/speed:")
        if not timed:
            visual.info(text.SPEED_WAITING)
        else:
            macs = build("v2").macs
            with (
                visual,
                st.spinner("Timing eager PyTorch, ONNX Runtime fp32 and int8 (batch 1 and 8)…"),
            ):
                rows = qz.speed_comparison(
                    engines,
                    _tensor(loaded, PARAMS.value("photo")),
                    macs=macs,
                    runs=PARAMS.value("runs"),
                )
            latency, throughput = figs.speed(rows)
            with visual:
                stage.plot(latency, key="q8_latency")
            show_plotly(throughput, key="q8_throughput")
            st.dataframe(text.speed_rows(rows), hide_index=True)
            st.markdown(
                text.speed_text(
                    rows,
                    macs=macs,
                    float_share=_float_share(),
                    keep_float=int8.keep_float,
                    cpus=os.cpu_count() or 1,
                    phone=qz.PHONE_REFERENCE,
                    fmt=fmt_count,
                )
            )
            st.caption(text.speed_caption(PARAMS.value("runs")))
if presenter.is_on():
    about()
PARAMS.share()
