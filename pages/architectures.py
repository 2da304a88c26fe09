"""Architectures: MobileNetV1, V2 and V3 layer by layer, with width and resolution multipliers."""

import streamlit as st

from mobilenet_viz.analytic import architectures as archs
from mobilenet_viz.analytic import published
from mobilenet_viz.explain import architectures as says
from mobilenet_viz.figures import architectures as figures
from ui import presenter, stage
from ui.layout import show_plotly
from ui.params import ChoiceParam, FloatParam, IntParam, PageParams
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

VIEWS = (
    "Layer table",
    "Breakdown by type",
    "Feature maps & memory",
    "Accuracy vs MACs",
    "V1 vs V2",
)
PARAMS = PageParams(
    "arch",
    {
        "model": ChoiceParam("v2", archs.MODELS),
        "alpha": FloatParam(1.0, 0.1, 2.0),
        "resolution": IntParam(224, *archs.RESOLUTION_RANGE),
        "classes": IntParam(1000, *archs.NUM_CLASSES_RANGE),
        "view": ChoiceParam(VIEWS[0], VIEWS),
    },
)


@st.cache_data(max_entries=128, show_spinner=False)
def table(model: str, alpha: float, resolution: int, classes: int) -> archs.Architecture:
    return archs.build(model, alpha, resolution, classes)


@st.cache_data(max_entries=64, show_spinner=False)
def compare(alpha: float, resolution: int, classes: int) -> dict:
    return archs.compare_v1_v2(alpha, resolution, classes)


st.title("MobileNet architectures, layer by layer")
controls, visual = stage.frame(
    intro="Every layer's shapes, multiply-accumulates and parameters, from the papers' tables (V1 "
    "Table 1, V2 Table 2, V3 Tables 1-2 as built by torchvision), checked against the real torch "
    "models. **MACs** = multiply-accumulates of conv and FC layers (the papers' mult-adds; FLOPs = "
    "2 × MACs). **Params** = every learnable number, including biases and BatchNorm, so the total "
    "equals `sum(p.numel())`; **weights** = conv/FC weights only, the MobileNet paper's convention."
)

PARAMS.restore()
with controls:
    key_row = st.columns(2)
    key_row[0].selectbox(
        "Network", archs.MODELS, key=PARAMS.key("model"), format_func=archs.MODEL_NAMES.get
    )
    key_row[1].number_input(
        "Width multiplier α",
        0.1,
        2.0,
        step=0.05,
        format="%.2f",
        key=PARAMS.key("alpha"),
        help="Every layer's channels C → αC (V1 section 3.3). V1 rounds αC to the nearest integer, "
        "as the paper; V2/V3 round to a multiple of 8 (never >10% below αC), as torchvision. "
        "Published: 0.25, 0.35, 0.5, 0.75, 1.0, 1.4.",
    )
    with presenter.more_controls("input resolution, classes"):
        more = st.columns(2)
        more[0].number_input(
            "Input resolution (px)",
            archs.RESOLUTION_RANGE[0],
            archs.RESOLUTION_RANGE[1],
            step=32,
            key=PARAMS.key("resolution"),
            help="The resolution multiplier ρ as an input size (V1 section 3.4): 224, 192, 160, "
            "128 are V1 Table 7; V2 was also published at 96. Any size works: each feature map is "
            "⌊(D_F + 2p − D_K)/s⌋ + 1.",
        )
        more[1].number_input(
            "Classes",
            archs.NUM_CLASSES_RANGE[0],
            archs.NUM_CLASSES_RANGE[1],
            step=1,
            key=PARAMS.key("classes"),
            help="Outputs of the last FC layer (ImageNet: 1000).",
        )

v = PARAMS.values()
alpha, resolution, classes = float(v["alpha"]), int(v["resolution"]), int(v["classes"])
try:
    arch = table(v["model"], alpha, resolution, classes)
except ValueError as exc:
    PARAMS.stop(f"This network cannot be built: {exc}.")

with visual:
    stage.metric_row(says.summary_metrics(arch))
    stage.plot(figures.per_layer_bars(arch), key="arch_fig_layers")
st.caption(
    "Early layers work on large feature maps, late 1×1 convs and the classifier hold most of the "
    "parameters. Hover a bar for the layer, its operator and shapes."
)
for note in says.published_notes(arch):
    st.caption(note)

with st.expander(
    "Network graph: blocks as nodes, shapes C×H×W, dashed red = residual skip", expanded=False
):
    st.graphviz_chart(figures.network_dot(arch), width="stretch")

# Lazy tabs: only the open tab runs, so a rerun builds one view, not all of them.
tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

if tabs[0].open:
    with tabs[0]:
        st.dataframe(
            arch.table(),
            hide_index=True,
            key="arch_table",
            height=420,
            # Seven columns fit at 1280 px (fourteen hid params and weights off the right edge).
            column_order=(
                "layer",
                "operator",
                "output (C×H×W)",
                "MACs",
                "% of MACs",
                "params",
                "weights",
            ),
            column_config={
                "MACs": st.column_config.NumberColumn(format="localized"),
                "params": st.column_config.NumberColumn(format="localized"),
                "weights": st.column_config.NumberColumn(format="localized"),
                "% of MACs": st.column_config.ProgressColumn(
                    min_value=0, max_value=100, format="%.2f%%"
                ),
            },
        )
        st.markdown(says.totals_sentence(arch))
        st.download_button(
            "Download the layer table (CSV)",
            arch.to_csv().encode("utf-8"),
            file_name=says.csv_file_name(arch),
            mime="text/csv",
            key="arch_csv",
            on_click="ignore",
        )

if tabs[1].open:
    with tabs[1]:
        show_plotly(figures.breakdown_bars(arch), key="arch_fig_breakdown")
        st.dataframe(says.breakdown_rows(arch), hide_index=True, key="arch_breakdown_table")
        st.subheader("MobileNetV1 Table 2, reproduced (MobileNet 1.0-224)")
        st.dataframe(
            says.v1_table2_rows(table("v1", 1.0, 224, 1000)), hide_index=True, key="arch_table2"
        )
        st.caption(
            "The paper's parameter shares are of weights only (no BatchNorm), so they are compared "
            f"with the weights column. {published.V1_TABLE2_NOTE}"
        )

if tabs[2].open:
    with tabs[2]:
        show_plotly(figures.tensor_size_lines(arch), key="arch_fig_maps")
        stage.metric_row(says.memory_metrics(arch))
        st.markdown(says.memory_sentence(arch, compare(alpha, resolution, classes)))

if tabs[3].open:
    with tabs[3]:
        show_plotly(figures.accuracy_scatter(list(published.POINTS), arch), key="arch_fig_accuracy")
        st.caption(
            "Marker shape = source: ● MobileNets paper, ■ MobileNetV2 paper, ◆ MobileNetV3 paper, "
            "✕ torchvision's pretrained weights. The dashed line is the current configuration's "
            "computed MACs; its accuracy is not known without training it."
        )
        st.dataframe(says.published_rows(), hide_index=True, key="arch_published")
        st.markdown("**Where the sources disagree**")
        st.markdown("\n".join(says.disagreement_lines()))

if tabs[4].open:
    with tabs[4]:
        pair = compare(alpha, resolution, classes)
        st.markdown(says.v1_v2_table(pair))
        show_plotly(
            figures.v1_v2_bars(
                table("v1", alpha, resolution, classes), table("v2", alpha, resolution, classes)
            ),
            key="arch_fig_v1v2",
        )
        st.markdown(says.v1_v2_changes(pair, arch.alpha, arch.resolution))

PARAMS.share()
