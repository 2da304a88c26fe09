"""Standard vs depthwise separable convolution (MobileNets, arXiv:1704.04861, section 3)."""

import streamlit as st

from mobilenet_viz.analytic import formulas, multipliers
from mobilenet_viz.analytic.costs import ConvConfig, compare, valid_groups
from mobilenet_viz.explain import separable as text
from mobilenet_viz.figures import multipliers as multiplier_figures
from mobilenet_viz.figures import separable as figures
from mobilenet_viz.runtime.layer_timing import (
    MAX_ACTIVATION_VALUES,
    MAX_STANDARD_WEIGHTS,
    explain,
    time_layers,
)
from ui import presenter, stage
from ui.layout import show_plotly
from ui.params import BoolParam, ChoiceParam, FloatParam, IntParam, PageParams
from ui.presets import preset_picker
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

PADDINGS = ("same", *(str(p) for p in range(8)))
VIEWS = (
    "Formulas",
    "Charts",
    "Groups",
    "Theory vs practice",
    "PyTorch code",
    "Width α and resolution ρ",
)
PARAMS = PageParams(
    "sep",
    {
        "input_size": IntParam(14, 1, 1024),
        "in_channels": IntParam(512, 1, 4096),
        "out_channels": IntParam(512, 1, 4096),
        "kernel": IntParam(3, 1, 15),
        "stride": IntParam(1, 1, 4),
        "padding": ChoiceParam("same", PADDINGS),
        "alpha": FloatParam(1.0, 0.05, 1.0),
        "rho": FloatParam(1.0, 0.05, 1.0),
        "image": BoolParam(False),
        "groups": IntParam(1, 1, 4096),
        "view": ChoiceParam(VIEWS[0], VIEWS),
    },
)

st.title("Standard vs depthwise separable")
PARAMS.restore()  # a bad shared link's warning shows under the title
controls, visual = stage.frame(intro=text.INTRO)
with controls:
    preset_picker(  # names the layer only while every control still matches it
        PARAMS,
        "Load a preset",
        {name: text.preset_values(name) for name in text.PRESETS},
        placeholder="Choose a layer from the paper…",
        also_set=lambda name: {"groups": 1},  # the Groups view starts from the standard conv
    )
    key_row = st.columns(2)
    key_row[0].slider("Kernel size D_K", 1, 15, key=PARAMS.key("kernel"))
    key_row[1].number_input("Output channels N", 1, 4096, key=PARAMS.key("out_channels"))
    with presenter.more_controls("D_F, M, stride s, padding p, width α, resolution ρ"):
        row1 = st.columns(3)
        row1[0].number_input(
            "Input size D_F (height = width, px)", 1, 1024, key=PARAMS.key("input_size")
        )
        row1[1].number_input("Input channels M", 1, 4096, key=PARAMS.key("in_channels"))
        row1[2].slider("Stride s", 1, 4, key=PARAMS.key("stride"))
        row2 = st.columns(3)
        row2[0].selectbox(
            "Padding p",
            PADDINGS,
            key=PARAMS.key("padding"),
            format_func=lambda p: "D_K // 2" if p == "same" else p,
            help="D_K // 2 keeps the size (D_O = D_F at stride 1) for odd kernels only; an even "
            "kernel grows the map by one (see the note below the controls).",
        )
        row2[1].slider(
            "Width multiplier α",
            0.05,
            1.0,
            step=0.05,
            key=PARAMS.key("alpha"),
            help="Thins every layer: M → αM and N → αN (section 3.3); an image's colour channels stay.",
        )
        row2[2].number_input(
            "Resolution multiplier ρ",
            0.05,
            1.0,
            step=0.001,
            format="%.3f",
            key=PARAMS.key("rho"),
            help="Shrinks the feature map: D_F → ρ·D_F (section 3.4). 0.857, 0.714, 0.571 = 192, "
            "160, 128 px.",
        )
        st.checkbox(
            "The input is the RGB image (α keeps its M colour channels)",
            key=PARAMS.key("image"),
            help="A network's first layer reads the image: α thins feature channels, not colours "
            "(M stays 3).",
        )

values = PARAMS.values()
config = ConvConfig(
    input_size=values["input_size"],
    in_channels=values["in_channels"],
    out_channels=values["out_channels"],
    kernel=values["kernel"],
    stride=values["stride"],
    padding=None if values["padding"] == "same" else int(values["padding"]),
    alpha=values["alpha"],
    rho=values["rho"],
    image_input=values["image"],
)
try:
    c = compare(config)
except ValueError as exc:
    PARAMS.stop(f"This layer is impossible: {exc}.")

groups_options = valid_groups(c.in_channels, c.out_channels)
if st.session_state[PARAMS.key("groups")] not in groups_options:
    st.session_state[PARAMS.key("groups")] = max(
        g for g in groups_options if g <= st.session_state[PARAMS.key("groups")]
    )

with controls:
    for note in text.layer_notes(c):
        st.caption(note)
with visual:
    stage.metric_row(text.mac_metrics(c), delta_color="inverse")
    stage.chart(figures.cost_split(c), key="sep_fig_split")
stage.metric_row(text.param_metrics(c))

# Lazy tabs: only the open tab runs, so a rerun builds one view's figures, not all of them.
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

if tabs[0].open:
    with tabs[0]:
        for heading, lines in text.formula_sections(c):
            st.markdown(heading)
            for line in lines:
                st.latex(line)
        st.download_button(
            "Download the cost table (CSV)",
            formulas.cost_table_csv(c, st.session_state[PARAMS.key("groups")]),
            file_name="separable_costs.csv",
            mime="text/csv",
            key="sep_csv",
        )

if tabs[1].open:
    with tabs[1]:
        left, right = st.columns(2)
        with left:
            show_plotly(figures.ratio_vs_out_channels(c), key="sep_fig_ratio")
        with right:
            show_plotly(figures.saving_heatmap(c), key="sep_fig_heatmap")

if tabs[2].open:
    with tabs[2]:
        st.markdown(text.GROUPS_TEXT)
        groups = st.select_slider("Groups g", groups_options, key=PARAMS.key("groups"))
        stage.metric_row(text.group_metrics(c, groups))
        show_plotly(figures.groups_sweep(c, groups_options, groups), key="sep_fig_groups")

if tabs[3].open:
    with tabs[3]:
        st.markdown(text.THEORY_TEXT)
        budget = st.slider("Time budget (s)", 1, 10, 3, key="sep_budget")
        timing_key = (config, budget)
        if st.button("Measure on this machine", key="sep_measure", type="primary"):
            with st.spinner(
                "Timing the standard conv, the depthwise conv, the pointwise conv and the pair…"
            ):
                st.session_state["sep_timing"] = (timing_key, time_layers(c, budget_s=budget))
        stored = st.session_state.get("sep_timing")
        if stored and stored[0] == timing_key:
            t = stored[1]
            caps = {"max_weights": MAX_STANDARD_WEIGHTS, "max_values": MAX_ACTIVATION_VALUES}
            for note in text.timing_notes(c, t, **caps):
                st.info(note)
            stage.metric_row(text.timing_metrics(t))
            st.dataframe(text.timing_rows(t), hide_index=True, width="stretch")
            st.caption(text.timing_caption(t, budget))
            for sentence in explain(t):
                st.markdown(sentence)

if tabs[4].open:
    with tabs[4]:
        st.code(
            formulas.pytorch_code(c, st.session_state[PARAMS.key("groups")]),
            language="python",
            wrap_lines=True,
        )

if tabs[5].open:
    with tabs[5]:
        st.markdown(text.MULTIPLIERS_TEXT)
        for line in multipliers.layer_latex(c):
            st.latex(line)
        st.markdown(text.MULTIPLIERS_NETWORK_TEXT)
        alpha_points, rho_points = multipliers.network_sweep("v1")
        show_plotly(
            multiplier_figures.multiplier_sweep(alpha_points, rho_points), key="sep_fig_multipliers"
        )
        st.dataframe(
            text.multiplier_rows(alpha_points, rho_points), hide_index=True, width="stretch"
        )
        st.caption(text.MULTIPLIERS_NOTE)

PARAMS.share()
