"""MobileNetV3: what changed after V2, measured (Howard et al., "Searching for MobileNetV3",
arXiv:1905.02244v5, sections 4-5)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from mobilenet_viz.analytic import activations, published
from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.analytic.v3_block import (
    last_stage_saving,
    placement,
    reward_curves,
    v3_block,
    v3_presets,
)
from mobilenet_viz.explain import fmt_count
from mobilenet_viz.explain import v3 as text
from mobilenet_viz.figures import architectures as arch_figures
from mobilenet_viz.figures import v3 as figures
from mobilenet_viz.inputs.samples import get_sample, list_samples
from mobilenet_viz.runtime.se_attention import compare, se_scales
from mobilenet_viz.runtime.serving import inference_slot
from mobilenet_viz.runtime.v3_timing import ACTIVATION_SHAPES, time_activations, time_last_stages
from ui import presenter, stage
from ui.layout import show_plotly
from ui.model import get_v3_model
from ui.params import ChoiceParam, IntParam, PageParams
from ui.routing import through_router
from ui.text import md

through_router()  # a deep link that is a fresh server's first request still goes through app.py

MODELS = text.MODELS
ALPHAS = ("0.5", "0.75", "1.0", "1.25")
VIEWS = ("The V3 block", "h-swish", "Last stage", "Search", "SE on a photo")
SAMPLES = [s.name for s in list_samples()]
SE_BLOCKS_LARGE = [p.number for p in v3_presets("v3-large") if p.config.use_se]
PARAMS = PageParams(
    "v3",
    {
        "model": ChoiceParam("v3-large", tuple(MODELS)),
        "block": IntParam(13, 1, 15),
        "alpha": ChoiceParam("1.0", ALPHAS),
        "runs": IntParam(50, 5, 200),
        "stage_runs": IntParam(30, 5, 100),
        "se_block": ChoiceParam("13", tuple(map(str, SE_BLOCKS_LARGE))),
        "photo_a": ChoiceParam("cat.jpg" if "cat.jpg" in SAMPLES else SAMPLES[0], tuple(SAMPLES)),
        "photo_b": ChoiceParam(
            "coins.jpg" if "coins.jpg" in SAMPLES else SAMPLES[-1], tuple(SAMPLES)
        ),
        "view": ChoiceParam(VIEWS[0], VIEWS),
    },
)
NUMBERS = {
    name: st.column_config.NumberColumn(format="localized")
    for name in ("MACs", "params", "SE MACs", "SE params", "nonlinearity elements")
}


@st.cache_data(max_entries=64, show_spinner=False)
def presets(model: str, alpha: float):
    return v3_presets(model, 224, alpha)


@st.cache_data(max_entries=64, show_spinner=False)
def block_cost(config):
    return v3_block(config)


@st.cache_data(max_entries=4, show_spinner=False)
def placement_rows(model: str) -> list[dict]:
    return placement(model)


@st.cache_data(max_entries=1, show_spinner=False)
def curves() -> tuple[dict, dict]:
    return activations.curves(), activations.max_differences()


@st.cache_data(max_entries=64, show_spinner=False)
def photo_scales(_model, model_name: str, _transforms, photo: str, block: int) -> np.ndarray:
    """SE scales of one sample photo (a pure function of the weights, photo and block)."""
    image = Image.open(get_sample(photo).path).convert("RGB")
    with inference_slot():
        return se_scales(_model, block, _transforms(image).unsqueeze(0))


def check_block_in_range() -> None:
    """V3-Small has 11 blocks: a block number beyond that (a link, or switching model) becomes 11."""
    n = len(presets(PARAMS.value("model"), 1.0))
    if PARAMS.value("block") > n:
        st.warning(
            f"{MODELS[PARAMS.value('model')].split(' (')[0]} has {n} blocks; showing block {n}.",
            icon=":material/info:",
        )
        PARAMS.set(block=n)


st.title("MobileNetV3: what changed after V2")
if not presenter.is_on():  # the projector's first screen is for the stage (below it there)
    st.caption(text.INTRO)

PARAMS.restore()
check_block_in_range()
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

# --- the V3 block --------------------------------------------------------------------------------
if tabs[0].open:
    with tabs[0]:
        controls, visual = stage.frame(intro=text.INTRO if presenter.is_on() else None)
        with controls:
            st.radio(
                "Network", tuple(MODELS), key=PARAMS.key("model"), format_func=MODELS.get,
                horizontal=True,
            )  # fmt: skip
            model = PARAMS.value("model")
            with presenter.more_controls("width α"):
                st.select_slider(
                    "Width multiplier α (torchvision rounds every channel count to a multiple of 8)",
                    ALPHAS,
                    key=PARAMS.key("alpha"),
                )
            choices = presets(model, float(PARAMS.value("alpha")))
            st.selectbox(
                "Block (224×224 input)",
                [p.number for p in choices],
                key=PARAMS.key("block"),
                format_func=lambda n: choices[n - 1].label,
            )
        cost = block_cost(choices[PARAMS.value("block") - 1].config)
        with visual:
            stage.plot(figures.block_cost_bars(cost), key="v3_fig_block")
        stage.metric_row(text.block_metrics(cost, fmt_count))
        st.markdown(text.se_text(cost, model))
        st.dataframe(text.stage_rows(cost), hide_index=True, width="stretch", column_config=NUMBERS)
        st.subheader("Where V3 puts SE and h-swish")
        rows = placement_rows(model)
        st.markdown(text.placement_text(rows, model, build(model).params))
        st.dataframe(rows, hide_index=True, width="stretch", column_config=NUMBERS)

# --- h-swish -------------------------------------------------------------------------------------------
if tabs[1].open:
    with tabs[1]:
        data, worst = curves()
        controls, visual = stage.frame(intro=text.ACTIVATIONS_INTRO)
        with visual:
            stage.plot(figures.activation_curves(data, activations.NAMES), key="v3_fig_curves")
        with controls:
            st.slider("Runs per function", 5, 200, key=PARAMS.key("runs"))
            runs = PARAMS.value("runs")
            measure = st.button(
                "Measure the nonlinearities on this machine", key="v3_measure_act", type="primary"
            )
        show_plotly(figures.activation_differences(data), key="v3_fig_diff")
        st.caption(text.gaps_caption(worst))
        st.subheader("What each costs on this CPU")
        st.markdown(text.timing_method(ACTIVATION_SHAPES))
        if measure:
            with st.spinner("Timing ReLU6, sigmoid, hard-sigmoid, swish and h-swish…"):
                timing = [t.as_dict() for t in time_activations(runs=runs)]
                st.session_state["v3_act_timing"] = (runs, timing)
        stored = st.session_state.get("v3_act_timing")
        rows = placement_rows("v3-large")
        if stored and stored[0] == runs:
            show_plotly(figures.activation_timing_bars(stored[1]), key="v3_fig_act_timing")
            st.dataframe(text.timing_rows(stored[1]), hide_index=True, width="stretch")
            for paragraph in text.timing_findings(stored[1], runs, rows):
                st.markdown(paragraph)
        else:
            st.info(
                "Press the button to measure. Nothing is measured until you ask (the numbers are of "
                "this moment on this server, never cached).",
                icon=":material/timer:",
            )
        show_plotly(figures.placement_chart(rows), key="v3_fig_placement")
        st.caption(text.elements_caption(rows))

# --- last stage ----------------------------------------------------------------------------------------
if tabs[2].open:
    with tabs[2]:
        saving = last_stage_saving()
        controls, visual = stage.frame(intro=text.LAST_STAGE_INTRO)
        with visual:
            stage.plot(figures.last_stage_bars(saving), key="v3_fig_last")
        with controls:
            st.slider("Runs per stage", 5, 100, key=PARAMS.key("stage_runs"))
            runs = PARAMS.value("stage_runs")
            measure = st.button(
                "Measure both stages on this machine", key="v3_measure_last", type="primary"
            )
        stage.metric_row(text.last_stage_metrics(saving))
        st.markdown(text.last_stage_text(saving))
        with st.expander("The layers of both stages", expanded=presenter.expanded()):
            st.dataframe(
                text.last_stage_rows(saving),
                hide_index=True,
                width="stretch",
                column_config=NUMBERS,
            )
        if measure:
            with st.spinner(
                "Timing the original and the efficient last stage and the whole network…"
            ):
                network = get_v3_model().model
                timed = time_last_stages(runs=runs, network=network).as_dict()
                st.session_state["v3_last_timing"] = (runs, timed)
        stored = st.session_state.get("v3_last_timing")
        if stored and stored[0] == runs:
            metrics, caption = text.last_stage_timing(stored[1], runs)
            stage.metric_row(metrics)
            st.caption(caption)
        else:
            st.info(
                "Press the button to time both stages (and the whole V3-Large for the share).",
                icon=":material/timer:",
            )

# --- search --------------------------------------------------------------------------------------------
if tabs[3].open:
    with tabs[3]:
        st.markdown(text.SEARCH_STEPS)
        st.latex(text.REWARD_LATEX)
        cols = st.columns([3, 2])
        with cols[0]:
            show_plotly(figures.reward_chart(reward_curves()), key="v3_fig_reward")
        cols[1].markdown(text.reward_text())
        for model in MODELS:
            st.markdown(text.table_heading(model))
            st.dataframe(
                placement_rows(model), hide_index=True, width="stretch", column_config=NUMBERS
            )
        current = build("v3-large")
        show_plotly(
            arch_figures.accuracy_scatter(list(published.POINTS), current), key="v3_fig_published"
        )
        st.caption(text.published_caption(current.macs))

# --- SE on a photo -------------------------------------------------------------------------------------
if tabs[4].open:
    with tabs[4]:
        controls, visual = stage.frame(intro=text.SE_PHOTO_INTRO)
        titles = {s.name: s.title for s in list_samples()}
        with controls:
            st.selectbox(
                "SE block of V3-Large",
                tuple(map(str, SE_BLOCKS_LARGE)),
                key=PARAMS.key("se_block"),
                format_func=lambda n: presets("v3-large", 1.0)[int(n) - 1].label,
            )
            first, second = st.columns(2)
            first.selectbox(
                "First photo", SAMPLES, key=PARAMS.key("photo_a"), format_func=titles.get
            )
            second.selectbox(
                "Second photo", SAMPLES, key=PARAMS.key("photo_b"), format_func=titles.get
            )
        loaded = get_v3_model()
        if not loaded.pretrained:  # beside the scales it qualifies; why, below
            controls.warning(
                "**Untrained MobileNetV3-Large**: random weights, so these scales show the "
                "mechanism (one scale per channel, image-dependent), not learned attention.",
                icon=":material/warning:",
            )
            st.caption(f"Weights: {md(loaded.name)}. " + md(loaded.message or ""))
        else:
            st.caption(f"Pretrained weights: {md(loaded.describe())}.")
        block = int(PARAMS.value("se_block"))
        a_name, b_name = PARAMS.value("photo_a"), PARAMS.value("photo_b")
        model_name = f"{loaded.arch}:{loaded.name}:{loaded.source}"
        try:
            with st.spinner("Running the network up to the SE module…"):
                a = photo_scales(loaded.model, model_name, loaded.transforms, a_name, block)
                b = photo_scales(loaded.model, model_name, loaded.transforms, b_name, block)
        except (OSError, ValueError, RuntimeError) as exc:
            visual.error(f"Could not compute the SE scales: {md(exc)}", icon=":material/error:")
        else:
            summary = compare(a, b)
            pair = (titles[a_name], titles[b_name])
            with visual:
                stage.plot(figures.se_scale_lines(a, b, pair), key="v3_fig_se")
            pics = st.columns([1, 1, 4])
            pics[0].image(str(get_sample(a_name).path), caption=pair[0], width="stretch")
            pics[1].image(str(get_sample(b_name).path), caption=pair[1], width="stretch")
            with pics[2]:
                stage.metric_row(text.se_photo_metrics(summary, pair))
            if a_name == b_name:
                st.info(
                    "Both photos are the same: pick two different ones to see the attention change."
                )
            st.caption(text.se_photo_caption(summary))

PARAMS.share()
