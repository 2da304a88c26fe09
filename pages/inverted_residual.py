"""Inverted residual block with linear bottleneck (MobileNetV2, arXiv:1801.04381, sections 3-5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from mobilenet_viz.analytic.blocks import (
    DEFAULT_SPLITS,
    BlockConfig,
    compare_blocks,
    comparison_rows,
    expansion_sweep,
    figure2_cuts,
    inverted_residual,
    mobilenet_v2_presets,
    stage_rows,
)
from mobilenet_viz.analytic.notation import glossary_markdown, spiral_link
from mobilenet_viz.analytic.spiral import PAPER_DIMENSIONS, linear_bottleneck_demo
from mobilenet_viz.explain import inverted_residual as text
from mobilenet_viz.figures import blocks as figures
from mobilenet_viz.runtime.feature_maps import (
    block_feature_maps,
    channel_mosaic,
    sparsity,
    strongest_channels,
)
from mobilenet_viz.tables import rows_to_csv
from ui import presenter, stage
from ui.image_input import image_param_specs, pick_image
from ui.layout import show_plotly
from ui.model import get_model
from ui.params import ChoiceParam, IntParam, PageParams
from ui.presets import preset_picker
from ui.routing import through_router
from ui.text import md

through_router()  # a deep link that is a fresh server's first request still goes through app.py

IMAGE_SPECS = image_param_specs()  # the shared picker: sample photos / upload / synthetic pattern

PRESETS = {p.label: p for p in mobilenet_v2_presets()}
ALPHAS = ("0.35", "0.5", "0.75", "1.0", "1.3", "1.4")
VIEWS = (
    "The block",
    "Inverted vs classic",
    "Expansion sweep",
    "Linear bottleneck",
    "Real feature maps",
)
SPIRAL_CHOICES = (*(str(n) for n in PAPER_DIMENSIONS), "free")
PARAMS = PageParams(
    "ir",
    {
        "input_size": IntParam(56, 1, 1024),
        "in_channels": IntParam(24, 1, 2048),
        "expansion": IntParam(6, 1, 10),
        "out_channels": IntParam(24, 1, 2048),
        "stride": IntParam(1, 1, 2),
        "kernel": ChoiceParam("3", ("3", "5", "7")),
        "alpha": ChoiceParam("1.0", ALPHAS),
        "spiral": ChoiceParam("15", SPIRAL_CHOICES),
        "spiral_n": IntParam(10, 2, 1000),
        "seed": IntParam(0, 0, 9999),
        "fm_block": IntParam(3, 1, 17),
        "splits": IntParam(DEFAULT_SPLITS, 1, 16),
        "view": ChoiceParam(VIEWS[0], VIEWS),
        **IMAGE_SPECS,
    },
)


@st.cache_data(max_entries=256, show_spinner=False)
def block_cost(config: BlockConfig):
    return inverted_residual(config)


@st.cache_data(max_entries=64, show_spinner=False)
def spiral(n: int, seed: int):
    return linear_bottleneck_demo(n, seed)


def model_for_page():
    """(model, pretrained, name, transforms, message). The model is the app-wide cached instance:
    it is only read here (no hooks, no mode changes)."""
    loaded = get_model()
    name = loaded.name if loaded.source == "untrained" else f"{loaded.name}, from {loaded.source}"
    return loaded.model, loaded.pretrained, name, loaded.transforms, loaded.message


@st.cache_data(max_entries=32, show_spinner=False)
def feature_map_grids(_model, model_name: str, _transforms, pixels: np.ndarray, block: int) -> dict:
    """stage -> (mosaic, channel indices, shape, zero fraction); cached per image, block, model."""
    image = Image.fromarray(pixels)
    batch = _transforms(image).unsqueeze(0)
    maps = block_feature_maps(_model, block, batch)
    grids = {}
    for name in ("expand", "depthwise", "project"):
        if name in maps:
            channels = strongest_channels(maps[name], 16)
            grids[name] = (
                channel_mosaic(maps[name], channels, columns=8),
                channels,
                tuple(maps[name].shape),
                sparsity(maps[name]),
            )
    return grids


st.title("Inverted residual block")
PARAMS.restore()  # a bad shared link's warning shows under the title
controls, visual = stage.frame(intro=text.INTRO)
with controls:
    preset_picker(  # names the block only while the controls still describe it
        PARAMS,
        "Load one of MobileNetV2's 17 bottleneck blocks (224×224 input, Table 2)",
        {label: text.preset_values(p) for label, p in PRESETS.items()},
        placeholder="Choose a block…",
        also_set=lambda label: {"fm_block": PRESETS[label].number},  # the feature-map view's block
    )
    key_row = st.columns(2)
    key_row[0].slider(
        "Expansion factor t",
        1,
        10,
        key=PARAMS.key("expansion"),
        help="The expanded layer has t·k channels; t = 1 means no expansion conv (as in block 1).",
    )
    key_row[1].number_input("Output channels k′", 1, 2048, key=PARAMS.key("out_channels"))
    with presenter.more_controls("h, k, stride s, depthwise kernel, width α"):
        row = st.columns(3)
        row[0].number_input("Input size h = w (px)", 1, 1024, key=PARAMS.key("input_size"))
        row[1].number_input("Input channels k", 1, 2048, key=PARAMS.key("in_channels"))
        row[2].radio("Stride s", (1, 2), horizontal=True, key=PARAMS.key("stride"))
        row = st.columns(2)
        row[0].radio(
            "Depthwise kernel",
            ("3", "5", "7"),
            horizontal=True,
            key=PARAMS.key("kernel"),
            format_func=lambda k: f"{k}×{k}",
        )
        row[1].select_slider(
            "Width multiplier α",
            ALPHAS,
            key=PARAMS.key("alpha"),
            help="k → αk and k′ → αk′, rounded to a multiple of 8 as torchvision does.",
        )

config = text.block_config(PARAMS.values())
try:
    cost = block_cost(config)
except ValueError as exc:
    PARAMS.stop(f"This block is impossible: {exc}")

splits = min(int(st.session_state[PARAMS.key("splits")]), cost.hidden_channels)  # the block tab's
with controls:
    st.caption(text.which_block(list(PRESETS.values()), config))
    (st.success if cost.residual else st.info)(cost.residual_reason)
with visual:
    stage.metric_row(text.headline_metrics(cost, splits))
    stage.chart(figures.block_diagram(cost), key="ir_fig_diagram")

with st.expander("Notation: M/N, k/k′, t, C and the papers' other letters"):
    st.markdown(glossary_markdown())

# Lazy tabs: only the open tab runs, so a rerun builds one view (and never runs the network
# unless the feature-map tab is open).
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

# --- the block ---------------------------------------------------------------------------------
if tabs[0].open:
    with tabs[0]:
        st.caption(text.DIAGRAM_NOTE)
        st.download_button(
            "Download the diagram (SVG)",
            figures.block_svg(cost),
            file_name="inverted_residual_block.svg",
            mime="image/svg+xml",
            key="ir_svg",
        )
        st.subheader("Stage by stage")
        rows = stage_rows(cost)
        # A static table (st.table): the default tab's data grid (st.dataframe) made every
        # student's browser load its JavaScript (~0.3 CPU-s more, benchmarks/browser_cpu.py).
        st.table(
            pd.DataFrame(rows)[list(text.STAGE_COLUMNS)].style.format(
                thousands=",", subset=[c for c in text.STAGE_COLUMNS if c in text.COUNT_COLUMNS]
            ),
            hide_index=True,
        )
        st.caption("Input shapes, activations and fp32/fp16 output bytes per stage are in the CSV.")
        st.download_button(
            "Download the stage table (CSV)",
            rows_to_csv(rows),
            file_name="inverted_residual_stages.csv",
            mime="text/csv",
            key="ir_csv",
        )
        st.markdown(text.FORMULA_INTRO)
        for line in text.formula_latex(cost, config):
            st.latex(line)
        st.caption(cost.paper_formula_note())
        st.subheader("Activation memory")
        st.slider(text.SPLITS_LABEL, 1, 16, key=PARAMS.key("splits"), help=text.SPLITS_HELP)
        stage.metric_row(text.memory_metrics(cost, splits))
        st.caption(text.MEMORY_NOTE)

# --- comparison ------------------------------------------------------------------------------
if tabs[1].open:
    with tabs[1]:
        st.markdown(text.COMPARISON_TEXT)
        costs = compare_blocks(config)
        scale = figures.diagram_scale(costs)  # one scale and one width for all three
        for c in costs:
            stage.chart(figures.block_diagram(c, **scale), key=f"ir_fig_cmp_{c.kind}")
        table = comparison_rows(costs)
        st.dataframe(pd.DataFrame(text.comparison_table(table)), width="stretch")
        st.download_button(
            "Download the comparison (CSV)",
            rows_to_csv(table),
            file_name="block_comparison.csv",
            mime="text/csv",
            key="ir_cmp_csv",
        )
        st.caption(text.COMPARISON_NOTE)
        st.subheader("Bottleneck block or expansion block? (Figure 2 c/d)")
        show_plotly(
            figures.figure2_cuts_figure(*figure2_cuts(cost.in_channels, config.expansion)),
            key="ir_fig_cuts",
        )
        st.caption(text.figure2_note(cost.in_channels, config.expansion))

# --- expansion sweep ------------------------------------------------------------------------------
if tabs[2].open:
    with tabs[2]:
        points = expansion_sweep(config)
        show_plotly(figures.expansion_sweep_chart(points, config.expansion), key="ir_fig_sweep")
        st.caption(text.SWEEP_NOTE)
        st.download_button(
            "Download the sweep (CSV)",
            rows_to_csv(text.sweep_rows(points)),
            file_name="expansion_sweep.csv",
            mime="text/csv",
            key="ir_sweep_csv",
        )

# --- linear bottleneck ---------------------------------------------------------------------------
if tabs[3].open:
    with tabs[3]:
        st.markdown(text.SPIRAL_TEXT)
        sc = st.columns([4, 2, 2])
        sc[0].radio(
            "Dimensions n",
            SPIRAL_CHOICES,
            key=PARAMS.key("spiral"),
            horizontal=True,
            format_func=lambda s: "other…" if s == "free" else f"n = {s}",
        )
        if st.session_state[PARAMS.key("spiral")] == "free":
            sc[1].number_input("n (2–1000)", 2, 1000, key=PARAMS.key("spiral_n"))
        sc[2].number_input("Random seed for T", 0, 9999, key=PARAMS.key("seed"))
        choice = st.session_state[PARAMS.key("spiral")]
        n = int(st.session_state[PARAMS.key("spiral_n")]) if choice == "free" else int(choice)
        demo = spiral(n, int(st.session_state[PARAMS.key("seed")]))
        show_plotly(figures.spiral_figure(demo), key="ir_fig_spiral")
        st.caption(spiral_link(n, cost.in_channels, config.expansion))
        stage.metric_row(text.spiral_metrics(demo))
        st.markdown(text.WHY_LINEAR)

# --- real feature maps ---------------------------------------------------------------------------
if tabs[4].open:
    with tabs[4]:
        st.markdown(text.FEATURE_MAPS_TEXT)
        fc = st.columns([2, 3])
        fc[0].selectbox(
            "Block of MobileNetV2",
            list(range(1, 18)),
            key=PARAMS.key("fm_block"),
            format_func=lambda b: next(p.label for p in PRESETS.values() if p.number == b),
        )
        with fc[1]:
            picked = pick_image("ir", allow_synthetic=True)
        if picked is None:
            st.info("Pick a sample photo or upload an image to see the feature maps.")
        else:
            image, image_label = picked
            model, pretrained, model_name, transforms, message = model_for_page()
            if not pretrained:
                st.warning(text.untrained_warning(model_name, message), icon=":material/warning:")
            else:
                st.caption(
                    f"Pretrained weights: {model_name}." + (f" {message}" if message else "")
                )
            block = int(st.session_state[PARAMS.key("fm_block")])
            try:
                with st.spinner("Running the network up to this block…"):
                    grids = feature_map_grids(
                        model, model_name, transforms, np.asarray(image.convert("RGB")), block
                    )
            except (ValueError, RuntimeError) as exc:
                st.error(f"Could not compute the feature maps: {md(exc)}", icon=":material/error:")
            else:
                fm = st.columns([1, 3])
                fm[0].image(image, caption=image_label, width="stretch")
                with fm[1]:
                    for name, (mosaic, channels, shape, zeros) in grids.items():
                        st.markdown(text.feature_map_heading(name, shape, zeros))
                        st.image(
                            mosaic,
                            clamp=True,
                            width="stretch",
                            caption="channels " + ", ".join(map(str, channels)),
                        )
                if "expand" not in grids:
                    st.caption(text.NO_EXPANSION_NOTE)

PARAMS.share()
