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
from mobilenet_viz.analytic.formulas import latex_int
from mobilenet_viz.analytic.notation import glossary_markdown, spiral_link
from mobilenet_viz.analytic.spiral import PAPER_DIMENSIONS, linear_bottleneck_demo
from mobilenet_viz.figures import blocks as figures
from mobilenet_viz.runtime.feature_maps import (
    block_feature_maps,
    channel_mosaic,
    sparsity,
    strongest_channels,
)
from mobilenet_viz.tables import rows_to_csv
from ui import presenter
from ui.image_input import image_param_specs, pick_image
from ui.layout import fmt_count, show_plotly
from ui.model import get_model
from ui.params import ChoiceParam, IntParam, PageParams
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

IMAGE_SPECS = (
    image_param_specs()
)  # the shared image picker (sample photos / upload / synthetic pattern)

PRESETS = {p.label: p for p in mobilenet_v2_presets()}
ALPHAS = ("0.35", "0.5", "0.75", "1.0", "1.3", "1.4")
NUMBER_COLUMNS = {
    name: st.column_config.NumberColumn(format="localized")
    for name in (
        "MACs",
        "params (conv + BN)",
        "output fp32 bytes",
        "output fp16 bytes",
        "live fp32 bytes (naive)",
        "widest tensor (elements)",
        "peak fp32 bytes (naive)",
    )
}
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


def apply_preset() -> None:
    label = st.session_state.get("ir_preset")
    if label in PRESETS:
        c = PRESETS[label].config
        PARAMS.set(
            input_size=c.input_size,
            in_channels=c.in_channels,
            expansion=c.expansion,
            out_channels=c.out_channels,
            stride=c.stride,
            kernel="3",
            alpha="1.0",
            fm_block=PRESETS[label].number,
        )


def mb(value: int) -> str:
    return f"{value / 1e6:.3g} MB" if value >= 1e5 else f"{value / 1e3:.3g} KB"


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
    for stage in ("expand", "depthwise", "project"):
        if stage in maps:
            channels = strongest_channels(maps[stage], 16)
            grids[stage] = (
                channel_mosaic(maps[stage], channels, columns=8),
                channels,
                tuple(maps[stage].shape),
                sparsity(maps[stage]),
            )
    return grids


st.title("Inverted residual block")
st.caption(
    "MobileNetV2's building block (Sandler et al., 2018, Table 1): a **1×1 expansion** to t× more "
    "channels with ReLU6, a **3×3 depthwise** convolution with ReLU6, and a **linear 1×1 projection** "
    "back to a thin bottleneck; a shortcut joins the thin bottlenecks when shapes allow. MACs = "
    "multiply-accumulates (the paper's mult-adds); FLOPs = 2 × MACs; params = conv weights + "
    "BatchNorm's weight and bias."
)

with st.expander("Notation: M/N, k/k′, t, C and the papers' other letters"):
    st.markdown(glossary_markdown())

PARAMS.restore()
# The box names a block only while the controls still describe it (a changed control clears it).
chosen = st.session_state.get("ir_preset")
if chosen in PRESETS:
    preset = PRESETS[chosen].config
    now = PARAMS.values()
    if (
        now["input_size"],
        now["in_channels"],
        now["expansion"],
        now["out_channels"],
        now["stride"],
        now["kernel"],
        now["alpha"],
    ) != (
        preset.input_size,
        preset.in_channels,
        preset.expansion,
        preset.out_channels,
        preset.stride,
        "3",
        "1.0",
    ):
        st.session_state["ir_preset"] = None
st.selectbox(
    "Load one of MobileNetV2's 17 bottleneck blocks (224×224 input, Table 2)",
    list(PRESETS),
    index=None,
    key="ir_preset",
    on_change=apply_preset,
    placeholder="Choose a block…",
)
row = st.columns(4)
row[0].number_input("Input size h = w (px)", 1, 1024, key=PARAMS.key("input_size"))
row[1].number_input("Input channels k", 1, 2048, key=PARAMS.key("in_channels"))
row[2].slider(
    "Expansion factor t",
    1,
    10,
    key=PARAMS.key("expansion"),
    help="The expanded layer has t·k channels; t = 1 means no expansion conv (as in block 1).",
)
row[3].number_input("Output channels k′", 1, 2048, key=PARAMS.key("out_channels"))
with presenter.more_controls("stride s, depthwise kernel, width α"):
    row = st.columns(4)
    row[0].radio("Stride s", (1, 2), horizontal=True, key=PARAMS.key("stride"))
    row[1].radio(
        "Depthwise kernel",
        ("3", "5", "7"),
        horizontal=True,
        key=PARAMS.key("kernel"),
        format_func=lambda k: f"{k}×{k}",
    )
    row[2].select_slider(
        "Width multiplier α",
        ALPHAS,
        key=PARAMS.key("alpha"),
        help="k → αk and k′ → αk′, rounded to a multiple of 8 as torchvision does.",
    )
which_block = (
    st.container() if presenter.is_on() else row[3]
)  # stays visible when the row is folded

v = PARAMS.values()
config = BlockConfig(
    v["input_size"],
    v["in_channels"],
    v["expansion"],
    v["out_channels"],
    v["stride"],
    int(v["kernel"]),
    float(v["alpha"]),
)
try:
    cost = block_cost(config)
except ValueError as exc:
    PARAMS.stop(f"This block is impossible: {exc}")

matches = [p for p in PRESETS.values() if p.config == config]
if matches:
    numbers = ", ".join(str(p.number) for p in matches)
    which_block.caption(
        f"This is **block {numbers}** of MobileNetV2 (Table 2, row {matches[0].row})."
        if len(matches) == 1
        else f"This is **blocks {numbers}** of MobileNetV2 (identical repeats, Table 2 row {matches[0].row})."
    )
else:
    which_block.caption("A custom block (not one of MobileNetV2's 17 at α = 1).")

m = st.columns(5)
m[0].metric("MACs", fmt_count(cost.macs), help=f"{cost.macs:,} MACs = {cost.flops:,} FLOPs")
m[1].metric(
    "Params",
    fmt_count(cost.params),
    help=f"{cost.params:,} learnable parameters: conv weights + BatchNorm weight and bias",
)
m[2].metric(
    "Peak memory",
    mb(cost.naive_peak_bytes("fp32")),
    help=f"fp32, naive schedule, activations only: {cost.naive_peak_bytes('fp32'):,} bytes; "
    f"fp16: {cost.naive_peak_bytes('fp16'):,} bytes",
)
splits = min(
    int(st.session_state[PARAMS.key("splits")]), cost.hidden_channels
)  # the block tab's slider
m[3].metric(
    "Streaming peak",
    mb(cost.streaming_peak_bytes("fp32", splits=splits)),
    help=f"fp32, section 5.1's memory-efficient schedule: {cost.streaming_peak_bytes('fp32', splits=splits):,} "
    f"bytes with {splits} splits of the {cost.hidden_channels} expanded channels (section 5.1's t counts "
    "splits, not the expansion; the paper suggests 2 to 5; set it under 'Activation memory')",
)
m[4].metric("Residual", "yes" if cost.residual else "no")
(st.success if cost.residual else st.info)(cost.residual_reason)

# Lazy tabs: only the open tab runs, so a rerun builds one view (and never runs the network
# unless the feature-map tab is open).
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

# --- the block ---------------------------------------------------------------------------------
if tabs[0].open:
    with tabs[0]:
        show_plotly(figures.block_diagram(cost), key="ir_fig_diagram")
        st.caption(
            "Slab thickness grows with channels and face size with h×w (both √-scaled). Solid slabs come "
            "out of ReLU6; **hatched** slabs are linear, with no activation (the paper's convention). "
            "The red shortcut is drawn only when s = 1 and k = k′."
        )
        st.subheader("Stage by stage")
        rows = stage_rows(cost)
        # Six columns fit at 1280 px (ten hid the memory columns off the right edge); the CSV has all.
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            column_config=NUMBER_COLUMNS,
            column_order=(
                "stage",
                "operator",
                "output (h x w x c)",
                "MACs",
                "params (conv + BN)",
                "live fp32 bytes (naive)",
            ),
        )
        st.caption("Input shapes, activations and fp32/fp16 output bytes per stage are in the CSV.")
        st.download_button(
            "Download the stage table (CSV)",
            rows_to_csv(rows),
            file_name="inverted_residual_stages.csv",
            mime="text/csv",
            key="ir_csv",
        )
        h, k, t, k2, dk = (
            cost.input_size,
            cost.in_channels,
            config.expansion,
            cost.out_channels,
            config.kernel,
        )
        ho = cost.output_size
        st.markdown(
            "**The paper's cost formula** (section 3.3, with d′ = k input channels, d″ = k′ output "
            "channels and k × k the depthwise kernel):"
        )
        st.latex(
            rf"h\cdot w\cdot d'\cdot t\,(d' + k^2 + d'') = {h}\cdot{h}\cdot{k}\cdot{t}\,({k} + {dk}^2 + {k2})"
            rf" = {latex_int(cost.paper_formula_macs)}"
        )
        terms = []
        if t != 1:
            terms.append(rf"\underbrace{{{h}\cdot{h}\cdot{k}\cdot{t * k}}}_{{\text{{expand}}}}")
        terms.append(rf"\underbrace{{{ho}\cdot{ho}\cdot{t * k}\cdot{dk}^2}}_{{\text{{depthwise}}}}")
        terms.append(rf"\underbrace{{{ho}\cdot{ho}\cdot{t * k}\cdot{k2}}}_{{\text{{project}}}}")
        st.latex(
            r"\text{stages: }" + " + ".join(terms) + rf" = {latex_int(cost.macs)}\ \text{{MACs}}"
        )
        st.caption(cost.paper_formula_note())
        st.subheader("Activation memory")
        st.slider(
            "Streaming splits (section 5.1's t: how many channel groups, not the expansion factor)",
            1,
            16,
            key=PARAMS.key("splits"),
            help="The paper splits the expanded tensor into t groups and finds a small t, 2 to 5, "
            "best: more, smaller matrix products cost cache misses.",
        )
        splits = min(int(st.session_state[PARAMS.key("splits")]), cost.hidden_channels)
        mm = st.columns(4)
        mm[0].metric("Naive peak, fp32", mb(cost.naive_peak_bytes("fp32")))
        mm[1].metric("Naive peak, fp16", mb(cost.naive_peak_bytes("fp16")))
        mm[2].metric(
            f"Streaming, {splits} splits, fp16",
            mb(cost.streaming_peak_bytes("fp16", splits=splits)),
        )
        mm[3].metric(
            "Streaming, 1 channel, fp16",
            mb(cost.streaming_peak_bytes("fp16", splits=cost.hidden_channels)),
        )
        st.caption(
            "Batch size 1, activations only. **Naive**: each stage materialises its whole output; while it "
            "runs its input and output are alive, plus the block input when the shortcut needs it later. "
            "**Streaming** (section 5.1): the t·k expanded channels are computed in groups and the "
            "projection is accumulated, so only |x| + |y| + one group of the expanded and depthwise "
            "tensors is alive; the big expanded tensor never exists whole. The MACs do not change with "
            "the number of splits; the paper finds 2 to 5 splits best in practice (section 5.1 calls "
            "this number t too, but it is not the expansion factor)."
        )

# --- comparison ------------------------------------------------------------------------------
if tabs[1].open:
    with tabs[1]:
        st.markdown(
            "Same input and output channels, three blocks. A **ResNet bottleneck** squeezes wide tensors "
            "through a narrow 3×3 conv (wide → narrow → wide, shortcut between the wide ends). "
            "**MobileNetV1** has no expansion and no shortcut. MobileNetV2 **inverts** ResNet: the "
            "shortcut joins the thin bottlenecks and the wide tensor lives only inside the block."
        )
        costs = compare_blocks(config)
        scale_c, scale_s = figures.diagram_scale(costs)
        for c in costs:
            show_plotly(
                figures.block_diagram(c, max_channels=scale_c, max_size=scale_s, height=300),
                key=f"ir_fig_cmp_{c.kind}",
            )
        table = comparison_rows(costs)
        # One column per block (9 measures as rows): at 1280 px the 9-column table hid its right-hand columns.
        st.dataframe(
            pd.DataFrame(
                {
                    row["block"]: {
                        k: f"{v:,}" if isinstance(v, int) else v
                        for k, v in row.items()
                        if k != "block"
                    }
                    for row in table
                }
            ),
            width="stretch",
        )
        st.download_button(
            "Download the comparison (CSV)",
            rows_to_csv(table),
            file_name="block_comparison.csv",
            mime="text/csv",
            key="ir_cmp_csv",
        )
        st.caption(
            "ResNet bottleneck: 1×1 to k′/4, 3×3 conv, 1×1 to k′ (torchvision's Bottleneck), with a "
            "1×1 projection shortcut when the shape changes. All three share stride and kernel."
        )
        st.subheader("Bottleneck block or expansion block? (Figure 2 c/d)")
        show_plotly(
            figures.figure2_cuts_figure(*figure2_cuts(cost.in_channels, config.expansion)),
            key="ir_fig_cuts",
        )
        st.caption(
            f"Two stacked blocks, k = {cost.in_channels} → t·k = {cost.in_channels * config.expansion} channels "
            "(bar height ~ √channels). Hatched = linear, no activation; the lightly coloured tensor is the next "
            "block's first, as in the paper's Figure 2. **(c)** cuts at the wide tensors: 3×3 dwise, linear "
            "1×1 to the bottleneck, then the next expansion. **(d)** cuts at the thin bottlenecks: 1×1 "
            'expansion, 3×3 dwise, linear 1×1. Stacked, they are the same layers ("2d and 2c are equivalent '
            'blocks when stacked"); MobileNetV2 uses (d), so the shortcut joins the thin tensors.'
        )

# --- expansion sweep ------------------------------------------------------------------------------
if tabs[2].open:
    with tabs[2]:
        points = expansion_sweep(config)
        show_plotly(figures.expansion_sweep_chart(points, config.expansion), key="ir_fig_sweep")
        sweep_rows = [
            {
                "t": p.expansion,
                "MACs": p.macs,
                "params": p.params,
                "peak fp32 bytes (naive)": p.naive_peak_bytes,
                "peak fp32 bytes (streaming)": p.streaming_peak_bytes,
            }
            for p in points
        ]
        st.caption(
            "MACs and params grow linearly in t; the naive peak grows with the expanded tensor, "
            "while streaming keeps it close to |x| + |y|."
        )
        st.download_button(
            "Download the sweep (CSV)",
            rows_to_csv(sweep_rows),
            file_name="expansion_sweep.csv",
            mime="text/csv",
            key="ir_sweep_csv",
        )

# --- linear bottleneck ---------------------------------------------------------------------------
if tabs[3].open:
    with tabs[3]:
        st.markdown(
            "The paper's Figure 1: a 2D spiral is embedded into **n** dimensions by a random matrix T, "
            "passed through ReLU, and mapped back to 2D with T's pseudo-inverse T⁺."
        )
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
        sm = st.columns(4)
        sm[0].metric("Error without ReLU", f"{demo.error_linear:.1%}", help="‖T⁺Tx − x‖ / ‖x‖")
        sm[1].metric("Error with ReLU, T⁺", f"{demo.error_relu:.1%}", help="‖T⁺ReLU(Tx) − x‖ / ‖x‖")
        sm[2].metric(
            "Error of best linear read-out",
            f"{demo.error_readout:.1%}",
            help="least-squares W·ReLU(Tx) + b: what a trained linear 1×1 layer could recover",
        )
        sm[3].metric("Points recovered (within 5%)", f"{demo.recovered_fraction:.0%}")
        st.markdown(
            "**Why the projection is linear.** ReLU zeroes every negative coordinate, so in a narrow "
            "layer it throws away part of the manifold for good: with n = 2 or 3 the spiral cannot be "
            "recovered. In a wide layer the same information is spread over many coordinates and survives "
            "(n = 15, 30), which is why ReLU6 is used only inside the expanded layer. The thin bottleneck "
            "that carries the information between blocks is therefore produced by a linear 1×1 "
            "projection, with no ReLU to destroy it."
        )

# --- real feature maps ---------------------------------------------------------------------------
if tabs[4].open:
    with tabs[4]:
        st.markdown(
            "The activations of a real MobileNetV2 inside one bottleneck block: the **16 strongest "
            "channels** (largest mean |activation|) after each stage, each scaled to its own range."
        )
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
                st.warning(
                    f"**Untrained network** ({model_name}): random weights, so these maps show the "
                    "block's mechanics (shapes, ReLU6 sparsity, linear projection), not learned features."
                    + (f" {message}" if message else ""),
                    icon=":material/warning:",
                )
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
                st.error(f"Could not compute the feature maps: {exc}", icon=":material/error:")
            else:
                fm = st.columns([1, 3])
                fm[0].image(image, caption=image_label, width="stretch")
                with fm[1]:
                    for stage, (mosaic, channels, shape, zeros) in grids.items():
                        act = "linear, no activation" if stage == "project" else "ReLU6"
                        st.markdown(
                            f"**after {stage}** — {shape[1]}×{shape[2]}×{shape[0]}, {act}, "
                            f"{zeros:.0%} exact zeros"
                        )
                        st.image(
                            mosaic,
                            clamp=True,
                            width="stretch",
                            caption="channels " + ", ".join(map(str, channels)),
                        )
                if "expand" not in grids:
                    st.caption(
                        "Block 1 has t = 1: there is no expansion conv, the depthwise conv runs on the input."
                    )

PARAMS.share()
