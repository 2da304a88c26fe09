"""Architectures: MobileNetV1, V2 and V3 layer by layer, with width and resolution multipliers."""

import streamlit as st

from mobilenet_viz.analytic import architectures as archs
from mobilenet_viz.analytic import published
from mobilenet_viz.figures import architectures as figures
from ui.layout import fmt_count, show_plotly
from ui.params import ChoiceParam, FloatParam, IntParam, PageParams
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

VIEWS = (
    "Layer table",
    "Per-layer chart",
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


def kb(n_bytes: int) -> str:
    return f"{n_bytes / 1000:,.0f}K"


st.title("MobileNet architectures, layer by layer")
st.caption(
    "Every layer's shapes, multiply-accumulates and parameters, from the papers' tables (V1 Table 1, "
    "V2 Table 2, V3 Tables 1-2 as built by torchvision), checked against the real torch models. **MACs** = multiply-accumulates of conv and FC layers (the "
    "papers' mult-adds; FLOPs = 2 × MACs). **Params** = every learnable number, including biases "
    "and BatchNorm, so the total equals `sum(p.numel())`; **weights** = conv/FC weights only, the "
    "MobileNet paper's convention."
)

PARAMS.restore()
c1, c2, c3, c4 = st.columns([1.3, 1, 1, 1])
c1.selectbox("Network", archs.MODELS, key=PARAMS.key("model"), format_func=archs.MODEL_NAMES.get)
c2.number_input(
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
c3.number_input(
    "Input resolution (px)",
    archs.RESOLUTION_RANGE[0],
    archs.RESOLUTION_RANGE[1],
    step=32,
    key=PARAMS.key("resolution"),
    help="The resolution multiplier ρ as an input size (V1 section 3.4): 224, 192, 160, 128 are "
    "V1 Table 7; V2 was also published at 96. Any size works: each feature map is "
    "⌊(D_F + 2p − D_K)/s⌋ + 1.",
)
c4.number_input(
    "Classes",
    archs.NUM_CLASSES_RANGE[0],
    archs.NUM_CLASSES_RANGE[1],
    step=1,
    key=PARAMS.key("classes"),
    help="Outputs of the last FC layer (ImageNet: 1000).",
)

v = PARAMS.values()
try:
    arch = table(v["model"], float(v["alpha"]), int(v["resolution"]), int(v["classes"]))
except ValueError as exc:
    PARAMS.stop(f"This network cannot be built: {exc}.")

memory = arch.activation_memory(2)
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("MACs", fmt_count(arch.macs), help=f"{arch.macs:,} MACs = {arch.flops:,} FLOPs")
m2.metric(
    "Params",
    fmt_count(arch.params),
    help=f"{arch.params:,} learnable numbers (incl. BatchNorm and biases); {arch.weights:,} conv/FC weights",
)
m3.metric(
    "Layers",
    f"{sum(1 for r in arch.layers if r.layer_type != 'pool')}",
    help="conv, SE and FC layers",
)
m4.metric(
    "Peak tensor",
    kb(memory["paper"]["bytes"]),
    help=f"16-bit: {'×'.join(map(str, memory['paper']['shape']))} values × 2 bytes, counted as MobileNetV2 Table 3 "
    "(see 'Feature maps & memory').",
)
m5.metric(
    "Weights only",
    fmt_count(arch.weights),
    help="conv/FC weights without BatchNorm and biases: the MobileNet paper's parameter count",
)

note = published.disagreement(arch.model)
if note is not None:
    reference = table(arch.model, 1.0, 224, 1000)
    st.caption(
        f":material/menu_book: **Published {archs.MODEL_NAMES[arch.model]} 1.0-224** — paper: "
        f"{note.paper}; torchvision: {note.torchvision}; computed here at 1.0-224: "
        f"{reference.macs / 1e6:.1f}M MACs, {reference.params / 1e6:.2f}M params"
        + (
            ""
            if (arch.alpha, arch.resolution, arch.num_classes) == (1.0, 224, 1000)
            else f" (the metrics above are for α = {arch.alpha:g}, {arch.resolution} px, {arch.num_classes} classes)"
        )
        + f". *Why they differ:* {note.reason}"
    )

same = published.at_setting(arch.model, arch.alpha, arch.resolution)
if same and arch.num_classes == 1000 and (arch.alpha, arch.resolution) != (1.0, 224):
    st.caption(
        ":material/compare_arrows: **Published at exactly this setting** — "
        + "; ".join(
            published.setting_comparison(p, arch.macs, arch.params, arch.weights) for p in same
        )
        + (
            ". The paper does not list its layer widths for α ≠ 1; this page follows "
            "torchvision's rule (every layer × α, rounded to a multiple of 8)."
            if arch.model.startswith("v3") and arch.alpha != 1.0
            else "."
        )
    )

with st.expander(
    "Network graph: blocks as nodes, shapes C×H×W, dashed green = residual skip", expanded=False
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
        st.markdown(
            f"**Total: {arch.macs:,} MACs** ({arch.flops:,} FLOPs), **{arch.params:,} params** "
            f"({arch.weights:,} conv/FC weights + {arch.params - arch.weights:,} BatchNorm and bias "
            "values). Click a column header to sort. SE rows: the two 1×1 convs on the pooled 1×1 map "
            "(C·S + S·C MACs); the pooling and channel rescaling are not multiply-adds of a conv/FC "
            "and count 0, as in torch's FlopCounterMode. The CSV also has each layer's type, input shape, "
            "kernel, stride, expansion t and activation."
        )
        st.download_button(
            "Download the layer table (CSV)",
            arch.to_csv().encode("utf-8"),
            file_name=f"{arch.model}_{arch.alpha:g}_{arch.resolution}.csv",
            mime="text/csv",
            key="arch_csv",
            on_click="ignore",
        )

if tabs[1].open:
    with tabs[1]:
        show_plotly(figures.per_layer_bars(arch), key="arch_fig_layers")
        st.caption(
            "Early layers work on large feature maps, late 1×1 convs and the classifier hold most "
            "of the parameters. Hover a bar for the layer, its operator and shapes."
        )

if tabs[2].open:
    with tabs[2]:
        show_plotly(figures.breakdown_bars(arch), key="arch_fig_breakdown")
        st.dataframe(
            [
                {
                    "layer type": r["layer_type"],
                    "layers": r["layers"],
                    "MACs": r["macs"],
                    "% of MACs": round(100 * r["macs_share"], 2),
                    "weights": r["weights"],
                    "% of weights": round(100 * r["weights_share"], 2),
                    "params (+BN, bias)": r["params"],
                    "% of params": round(100 * r["params_share"], 2),
                }
                for r in arch.breakdown()
            ],
            hide_index=True,
            key="arch_breakdown_table",
        )
        st.subheader("MobileNetV1 Table 2, reproduced (MobileNet 1.0-224)")
        v1_shares = {r["layer_type"]: r for r in table("v1", 1.0, 224, 1000).breakdown()}
        labels = {
            "pointwise/1x1": "Conv 1×1",
            "depthwise": "Conv DW 3×3",
            "standard conv": "Conv 3×3 (first layer)",
            "FC": "Fully connected",
        }
        st.dataframe(
            [
                {
                    "type (paper's name)": labels[kind],
                    "paper: mult-adds": f"{paper_macs:.2f}%",
                    "computed: mult-adds": f"{100 * v1_shares[kind]['macs_share']:.2f}%",
                    "paper: parameters": f"{paper_params:.2f}%",
                    "computed: weights": f"{100 * v1_shares[kind]['weights_share']:.2f}%",
                }
                for kind, (paper_macs, paper_params) in published.V1_TABLE2.items()
            ],
            hide_index=True,
            key="arch_table2",
        )
        st.caption(
            "The paper's parameter shares are of weights only (no BatchNorm), so they are compared "
            f"with the weights column. {published.V1_TABLE2_NOTE}"
        )

if tabs[3].open:
    with tabs[3]:
        show_plotly(figures.feature_map_lines(arch), key="arch_fig_maps")
        paper, every = memory["paper"], memory["every_layer"]
        a1, a2 = st.columns(2)
        a1.metric(
            "Peak tensor, V2 Table 3 counting",
            kb(paper["bytes"]),
            help=f"{paper['layer']}: {'×'.join(map(str, paper['shape']))} = {paper['values']:,} values × 2 bytes",
        )
        a2.metric(
            "Largest layer output, nothing streamed",
            kb(every["bytes"]),
            help=f"{every['layer']}: {'×'.join(map(str, every['shape']))} = {every['values']:,} values × 2 bytes",
        )
        pair = compare(float(v["alpha"]), int(v["resolution"]), int(v["classes"]))
        st.markdown(
            f"**How it is counted** (MobileNetV2 section 5.1 and Table 3): one image, 16-bit values "
            f"(2 bytes), K = 1000 bytes, the largest single tensor that must exist in memory at once. "
            f"MobileNetV1 materialises every layer's output. An inverted residual block only needs its "
            f"thin bottleneck input and output: the expanded tensor can be produced and consumed in "
            f"slices, so V2/V3 count block outputs only, and the stem conv's output is left out as the "
            f"table's footnote allows. Here: **V1 {kb(pair['v1']['largest_tensor_bytes'])}** "
            f"({'×'.join(map(str, pair['v1']['largest_tensor_shape']))}) vs **V2 "
            f"{kb(pair['v2']['largest_tensor_bytes'])}** "
            f"({'×'.join(map(str, pair['v2']['largest_tensor_shape']))}) at α = {arch.alpha:g}, "
            f"{arch.resolution} px; the paper's Table 3 gives {published.V2_TABLE3_MAX_KB['v1']}K vs "
            f"{published.V2_TABLE3_MAX_KB['v2']}K at 1.0-224. Without that streaming the largest "
            f"tensor of this network is {every['layer']} ({kb(every['bytes'])})."
        )

if tabs[4].open:
    with tabs[4]:
        show_plotly(figures.accuracy_scatter(list(published.POINTS), arch), key="arch_fig_accuracy")
        st.caption(
            "Marker shape = source: ● MobileNets paper, ■ MobileNetV2 paper, ◆ MobileNetV3 paper, "
            "✕ torchvision's pretrained weights. The dashed line is the current configuration's "
            "computed MACs; its accuracy is not known without training it."
        )
        st.dataframe(
            [
                {
                    "variant": p.label,
                    "top-1 %": p.top1,
                    "mult-adds (M)": p.macs_m,
                    "params (M)": p.params_m,
                    "source": p.source,
                }
                for p in published.POINTS
            ],
            hide_index=True,
            key="arch_published",
        )
        st.markdown("**Where the sources disagree**")
        for d in published.DISAGREEMENTS:
            st.markdown(
                f"- **{archs.MODEL_NAMES[d.model]}**: paper {d.paper}; torchvision {d.torchvision}. {d.reason}"
            )

if tabs[5].open:
    with tabs[5]:
        pair = compare(float(v["alpha"]), int(v["resolution"]), int(v["classes"]))
        one, two = pair["v1"], pair["v2"]
        rows = [
            ("MACs", f"{one['macs']:,}", f"{two['macs']:,}", f"× {pair['macs_ratio']:.2f}"),
            ("Params", f"{one['params']:,}", f"{two['params']:,}", f"× {pair['params_ratio']:.2f}"),
            (
                "Peak tensor (16-bit)",
                kb(one["largest_tensor_bytes"]),
                kb(two["largest_tensor_bytes"]),
                f"× {pair['memory_ratio']:.2f}",
            ),
            ("Conv layers", str(one["conv_layers"]), str(two["conv_layers"]), ""),
            (
                "1×1 convs' share of MACs",
                f"{100 * one['pointwise_macs_share']:.1f}%",
                f"{100 * two['pointwise_macs_share']:.1f}%",
                "",
            ),
            (
                "Channels into the classifier",
                str(one["final_channels"]),
                str(two["final_channels"]),
                "",
            ),
        ]
        st.markdown(
            f"| | {one['title']} | {two['title']} | V2 / V1 |\n|---|---:|---:|---:|\n"
            + "\n".join(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in rows)
        )
        show_plotly(
            figures.v1_v2_bars(
                table("v1", float(v["alpha"]), int(v["resolution"]), int(v["classes"])),
                table("v2", float(v["alpha"]), int(v["resolution"]), int(v["classes"])),
            ),
            key="arch_fig_v1v2",
        )
        st.markdown(
            f"**What changed from V1 to V2** at α = {arch.alpha:g}, {arch.resolution} px: "
            f"MACs × {pair['macs_ratio']:.2f}, params × {pair['params_ratio']:.2f}, peak tensor "
            f"× {pair['memory_ratio']:.2f}.\n"
            "- V2 replaces each depthwise-separable pair by an inverted residual block: 1×1 expansion "
            "(t = 6), 3×3 depthwise, then a **linear** 1×1 projection to a thin bottleneck.\n"
            f"- The tensors between blocks are thin ({two['block_channels'][0]}-"
            f"{two['block_channels'][-1]} channels vs V1's {one['block_channels'][0]}-"
            f"{one['block_channels'][-1]}), so the 1×1 convs that dominate V1's cost get cheaper "
            f"even though V2 has more conv layers ({two['conv_layers']} vs {one['conv_layers']}).\n"
            "- Residual connections join the bottlenecks (dashed edges in the network graph); only "
            "the thin tensors must be kept whole, which is why the peak tensor shrinks.\n"
            f"- V2 widens the last 1×1 conv to {two['final_channels']} channels before the classifier "
            f"(V1: {one['final_channels']}), so its FC layer holds more of the weights."
        )

PARAMS.share()
