"""How the filters work: standard vs depthwise/pointwise filtering of a real image
(MobileNets, arXiv:1704.04861, section 3.1)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from mobilenet_viz.figures import filters as figs
from mobilenet_viz.runtime import filtering as flt
from mobilenet_viz.runtime import weights
from ui.image_input import image_param_specs, pick_image
from ui.layout import show_plotly
from ui.params import BoolParam, ChoiceParam, IntParam, PageParams
from ui.routing import through_router

through_router()  # a deep link that is a fresh server's first request still goes through app.py

VIEWS = (
    "Standard conv",
    "Depthwise + pointwise",
    "Equivalence",
    "One output pixel",
    "Sliding window",
    "3D view",
)
SIZES = tuple(str(s) for s in flt.WORKING_SIZES)
KERNEL_SIZES = tuple(str(k) for k in flt.RANDOM_KERNELS)
MAX_POS = max(flt.WORKING_SIZES) - 1
PARAMS = PageParams(
    "flt",
    {
        **image_param_specs(),
        "size": ChoiceParam("64", SIZES),
        "gray": BoolParam(False),
        "kernel": ChoiceParam("sobel_x", flt.KERNEL_SOURCES),
        "free": BoolParam(False),
        "dk": ChoiceParam("3", KERNEL_SIZES),
        "n": IntParam(4, 1, flt.MAX_OUT_CHANNELS),
        "seed": IntParam(0, 0, 9999),
        "row": IntParam(20, 0, MAX_POS),
        "col": IntParam(24, 0, MAX_POS),
        "out": IntParam(1, 1, flt.MAX_OUT_CHANNELS),
        "view": ChoiceParam(VIEWS[0], VIEWS),
    },
)


@st.cache_resource(show_spinner="Loading MobileNetV2's first-layer filters…", max_entries=4)
def first_layer_filters(locations: tuple) -> tuple[np.ndarray | None, str]:
    """features.0.0.weight (32×3×3×3) of the pretrained MobileNetV2, if one is on this machine.

    Uses the app's weights chain without downloading ($MOBILENET_VIZ_WEIGHTS, then the torch hub
    cache). Keyed by what exists where, so weights downloaded later (Classify page, CLI) are
    picked up. Only the small filter array is kept; the model is dropped.
    """
    del locations  # only the cache key
    loaded = weights.load_mobilenet_v2(allow_download=False)
    if not loaded.pretrained:
        return (
            None,
            f"MobileNetV2 filters unavailable: {loaded.message or 'no pretrained weights found'}",
        )
    first = loaded.model.features[0][0].weight.detach().float().numpy().copy()
    first.setflags(write=False)
    return first, loaded.describe()


def pretrained_filters() -> tuple[np.ndarray | None, str]:
    """The real first-layer filters when pretrained weights are present, else (None, why not)."""
    rows = [r for r in weights.search_locations() if r["step"] in ("env", "cache")]
    if not any(r["exists"] for r in rows):
        return None, (
            "MobileNetV2's real first-layer filters appear here when pretrained weights are present: "
            f"set {weights.ENV_WEIGHTS} to a MobileNetV2 state_dict file, or fetch them once with "
            "`python -m mobilenet_viz weights download`."
        )
    key = tuple(
        (r["path"], r["exists"], Path(str(r["path"])).stat().st_mtime if r["exists"] else 0)
        for r in rows
    )
    return first_layer_filters(key)


@st.cache_data(max_entries=64, show_spinner=False)
def prepared(image_bytes: bytes, shape: tuple[int, int], size: int, gray: bool) -> np.ndarray:
    image = Image.frombytes("RGB", shape, image_bytes)
    return flt.prepare_input(image, size, grayscale=gray)


def channel_labels(m: int) -> list[str]:
    return list(flt.CHANNEL_NAMES[m])


def latex_matrix(k: np.ndarray) -> str:
    rows = [" & ".join(f"{v:.4g}" for v in row) for row in k]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def products_csv(ins: flt.PixelInspection, depthwise: np.ndarray, labels: list[str]) -> bytes:
    """Every product behind the inspected pixel, one row per (channel, kernel position)."""
    rows = []
    k = ins.patch.shape[-1]
    for c, lab in enumerate(labels):
        for i in range(k):
            for j in range(k):
                rows.append(
                    {
                        "channel": lab,
                        "row": ins.top + i,
                        "col": ins.left + j,
                        "input": ins.patch[c, i, j],
                        "standard_weight": ins.standard_weights[c, i, j],
                        "standard_product": ins.standard_products[c, i, j],
                        "depthwise_weight": depthwise[c, i, j],
                        "depthwise_product": ins.depthwise_products[c, i, j],
                    }
                )
    return pd.DataFrame(rows).to_csv(index=False).encode()


st.title("How the filters work")
st.caption(
    "A **standard** convolution has N filters of D_K×D_K×M: every filter looks at every input "
    "channel at once. A **depthwise separable** convolution splits this in two: M depthwise filters "
    "of D_K×D_K×1 (each sees one channel only), then N pointwise 1×1×M filters that mix the "
    "channels (Howard et al., 2017, section 3.1). Here both run on a small real image."
)

PARAMS.restore()
filters_1st, weights_note = pretrained_filters()  # weights_note: where from, or why not
sources = (
    flt.KERNEL_SOURCES
    if filters_1st is not None
    else tuple(s for s in flt.KERNEL_SOURCES if s != "mobilenet_v2")
)
if st.session_state[PARAMS.key("kernel")] not in sources:
    st.warning(
        f"Kernel source “MobileNetV2 first layer” is not available here; using Sobel x. {weights_note}"
    )
    st.session_state[PARAMS.key("kernel")] = "sobel_x"

size = int(st.session_state[PARAMS.key("size")])
for name in ("row", "col"):  # keep the inspected pixel inside the map when D_F shrinks
    st.session_state[PARAMS.key(name)] = min(int(st.session_state[PARAMS.key(name)]), size - 1)
st.session_state[PARAMS.key("out")] = min(
    int(st.session_state[PARAMS.key("out")]), st.session_state[PARAMS.key("n")]
)

left, middle, right = st.columns([1.2, 1, 1.2])
with left:
    picked = pick_image("flt", pattern_size=size, max_side=512)
with middle:
    st.select_slider(
        "Working size D_F (px)",
        options=SIZES,
        key=PARAMS.key("size"),
        help="The image is centre-cropped and resized to D_F×D_F so every map stays readable.",
    )
    st.toggle("Grayscale (M = 1)", key=PARAMS.key("gray"), help="Off: RGB, M = 3 input channels.")
    st.slider("Output channels N", 1, flt.MAX_OUT_CHANNELS, key=PARAMS.key("n"))
with right:
    source = st.selectbox(
        "Kernels",
        options=list(sources),
        format_func=flt.SOURCE_TITLES.get,
        key=PARAMS.key("kernel"),
        help="Presets: every depthwise filter is the preset, the pointwise weights are "
        "seeded. Random / MobileNetV2: a general standard filter bank, and its closest "
        "depthwise separable version.",
    )
    if source in flt.PRESETS:
        st.toggle(
            "Unconstrained standard filters",
            key=PARAMS.key("free"),
            help="Off: the standard filters are built as W[n, m] = P[n, m]·D[m], exactly what the "
            "separable pair computes. On: every slice W[n, m] gets its own preset pattern, a general "
            "standard bank that the separable pair can only approximate.",
        )
    c1, c2 = st.columns(2)
    c1.selectbox(
        "Kernel size D_K",
        options=list(KERNEL_SIZES),
        key=PARAMS.key("dk"),
        disabled=source != "random",
        help="Presets and MobileNetV2's filters are 3×3.",
    )
    c2.number_input(
        "Seed",
        0,
        9999,
        key=PARAMS.key("seed"),
        help="Seeds the random filters and the pointwise mixing weights.",
    )
    if filters_1st is None:
        st.caption(weights_note)
    elif source == "mobilenet_v2":
        st.caption(f"Pretrained weights: {weights_note}.")

if picked is None:
    PARAMS.stop()

values = PARAMS.values()
image, description = picked
size, gray, n = int(values["size"]), bool(values["gray"]), int(values["n"])
m = 1 if gray else 3
kernel = int(values["dk"]) if source == "random" else 3
labels = channel_labels(m)
try:
    x = prepared(image.tobytes(), image.size, size, gray)
    bank = flt.make_filter_bank(
        source,
        in_channels=m,
        out_channels=n,
        kernel=kernel,
        seed=int(values["seed"]),
        first_layer=filters_1st,
        unconstrained=bool(values["free"]) and source in flt.PRESETS,
    )
    result = flt.run_filters(x, bank)
except ValueError as exc:
    PARAMS.stop(f"Cannot filter this input: {exc}.")

st.caption(
    f"Input: {description}, centre-cropped and resized to {size}×{size}, {m} channel(s) "
    f"({', '.join(labels)}), values 0–1. Convolutions: stride 1, zero padding {kernel // 2} (“same”), no bias. "
    "Output colour scales are centred on 0 and fitted to the interior: the zero-padded border may saturate."
)
out_labels = [f"output {i + 1}" for i in range(n)]
# One colour scale for both outputs, set by the interior (the zero-padded border saturates).
out_limit = max(
    figs.interior_limit(result.standard, kernel), figs.interior_limit(result.separable, kernel)
)
std_params, sep_params = kernel * kernel * m * n, kernel * kernel * m + m * n

tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

if tabs[0].open:
    with tabs[0]:
        show_plotly(
            figs.input_figure(x, labels, title=f"Input X: {size}×{size}×{m}"), key="flt_fig_input"
        )
        st.markdown(
            f"**{n} standard filters of {kernel}×{kernel}×{m}** ({std_params} weights): each row is one "
            f"filter, each column the slice that touches one input channel. Output n = the sum over "
            f"all {m} channels of slice ⋆ channel."
        )
        if bank.exact:
            st.info(
                f"These standard filters are **built as W[n, m] = P[n, m]·D[m]** from the "
                f"{flt.SOURCE_TITLES[source]} kernel D and the seeded pointwise weights P, so the depthwise + "
                "pointwise pair reproduces them exactly. Switch on *Unconstrained standard filters* to give "
                "every slice its own pattern.",
                icon=":material/info:",
            )
        else:
            st.caption(
                "General standard filters: no W = P·D constraint (every slice has its own pattern). The "
                "depthwise + pointwise tab shows their closest separable pair."
            )
        show_plotly(
            figs.kernel_grid_figure(
                bank.standard,
                [f"filter {i + 1}" for i in range(n)],
                labels,
                title="Standard filters W[n, m] (shared colour scale)",
            ),
            key="flt_fig_std_kernels",
        )
        show_plotly(
            figs.maps_figure(
                result.standard,
                out_labels,
                limit=out_limit,
                title=f"Standard conv output: {n} maps of {size}×{size}",
                colorbar_title="output value",
            ),
            key="flt_fig_std_out",
        )

if tabs[1].open:
    with tabs[1]:
        if bank.exact:
            st.markdown(
                f"Every channel uses the same depthwise kernel, {flt.SOURCE_TITLES[source]}:"
            )
            st.latex("D = " + latex_matrix(bank.depthwise[0]))
        st.markdown(
            f"**Step 1, depthwise:** {m} filters of {kernel}×{kernel}×1 ({kernel * kernel * m} weights), "
            "one per input channel (torch `conv2d(..., groups=M)`). Each map below is computed from "
            "**one** input channel only; nothing mixes colours yet."
        )
        show_plotly(
            figs.depthwise_figure(
                x,
                bank.depthwise,
                result.depthwise,
                labels,
                limit=figs.interior_limit(result.depthwise, kernel),
            ),
            key="flt_fig_dw",
        )
        st.markdown(
            f"**Step 2, pointwise:** {n} filters of 1×1×{m} ({m * n} weights). Output n at every pixel "
            "is a weighted sum of the depthwise maps at that pixel: this is where channels meet."
        )
        show_plotly(figs.pointwise_matrix_figure(bank.pointwise, labels), key="flt_fig_pw")
        show_plotly(
            figs.maps_figure(
                result.separable,
                out_labels,
                limit=out_limit,
                title=f"Depthwise separable output: {n} maps of {size}×{size}",
                colorbar_title="output value",
            ),
            key="flt_fig_sep_out",
        )

if tabs[2].open:
    with tabs[2]:
        st.latex(
            r"W[n,m] \;=\; P[n,m]\cdot D[m] \quad\Longrightarrow\quad "
            r"\sum_m P[n,m]\,(D[m] \star X[m]) \;=\; \sum_m W[n,m] \star X[m]"
        )
        e1, e2, e3 = st.columns(3)
        e1.metric(
            "max |separable − standard conv with W = P·D|",
            f"{result.equivalence_error:.2e}",
            help="Largest absolute difference over all N output maps; only float32 rounding is left.",
        )
        e2.metric(
            "Weights: standard → separable",
            f"{std_params} → {sep_params}",
            help=f"D_K²·M·N = {std_params} vs D_K²·M + M·N = {sep_params}",
        )
        e3.metric(
            "max |this page's standard − separable|",
            f"{result.approximation_error:.3g}",
            help="0 for presets (the standard filters are built as P·D); > 0 for unconstrained, random "
            "and MobileNetV2 filters, whose closest separable version is shown.",
        )
        st.markdown(
            "A depthwise + pointwise pair is exactly a standard convolution whose filter slices are all the "
            "same D_K×D_K pattern D[m] per input channel, only scaled by P[n, m]. So separable convolution is "
            "a *constrained* standard convolution: far fewer parameters and multiplications, but less "
            "freedom: it cannot give each output its own spatial pattern per channel."
        )
        if not bank.exact:
            st.info(
                f"These {'unconstrained' if source in flt.PRESETS else flt.SOURCE_TITLES[source].lower()} "
                "filters are a general standard bank. The "
                f"depthwise + pointwise pair shown is its best separable approximation (rank-1 SVD per input "
                f"channel); the outputs differ by up to {result.approximation_error:.3g}: the price of "
                "the constraint.",
                icon=":material/info:",
            )
        equivalent = flt.compose_standard(bank.depthwise, bank.pointwise)
        show_plotly(
            figs.kernel_grid_figure(
                equivalent,
                [f"filter {i + 1}" for i in range(n)],
                labels,
                title="The standard filters W = P·D that equal the separable pair",
            ),
            key="flt_fig_eq_kernels",
        )
        show_plotly(
            figs.maps_figure(
                result.separable - result.equivalent,
                out_labels,
                title="separable − standard(W = P·D): float32 rounding only",
                colorbar_title="difference",
            ),
            key="flt_fig_eq_diff",
        )

if tabs[3].open:
    with tabs[3]:
        p1, p2, p3 = st.columns(3)
        p1.slider("Output row", 0, size - 1, key=PARAMS.key("row"))
        p2.slider("Output column", 0, size - 1, key=PARAMS.key("col"))
        if n > 1:
            p3.slider("Output channel n", 1, n, key=PARAMS.key("out"))
        else:
            p3.caption("Output channel n = 1 (the only one)")
        row, col, out = (
            int(st.session_state[PARAMS.key("row")]),
            int(st.session_state[PARAMS.key("col")]),
            int(st.session_state[PARAMS.key("out")]),
        )
        ins = flt.inspect_pixel(x, bank, row, col, out - 1)
        cnt = ins.counts
        show_plotly(
            figs.inspector_figure(
                x,
                result.standard[out - 1],
                row=row,
                col=col,
                kernel=kernel,
                output_label=f"standard output {out}",
                limit=out_limit,
            ),
            key="flt_fig_insp",
        )
        s1, s2, s3, s4 = st.columns(4)
        s1.metric(
            "Standard: Σ products",
            f"{ins.standard_sum:.6f}",
            help=f"Sum of the {cnt.standard_per_channel} products W[n]·patch below",
        )
        s2.metric(
            "Separable: Σ P·Z",
            f"{ins.separable_sum:.6f}",
            help="Depthwise sums Z[m], then the pointwise weighted sum",
        )
        s3.metric(
            "Mults, standard",
            f"{cnt.standard_per_channel}",
            help=f"For this one output value: D_K²·M = {kernel}²·{m}; all N = {n} outputs: {cnt.standard_all}",
        )
        s4.metric(
            "Mults, separable",
            f"{cnt.depthwise_once} + {cnt.pointwise_per_channel}",
            help=f"For this one output value: D_K²·M = {cnt.depthwise_once} depthwise (shared by all outputs) + M = {m} per output; "
            f"all N = {n} outputs: {cnt.separable_all}",
        )
        st.markdown(
            f"One output value costs D_K²·M = **{cnt.standard_per_channel}** multiplications in the standard "
            f"conv, and D_K²·M = {cnt.depthwise_once} (depthwise, computed once and shared by every output "
            f"channel) + M = {cnt.pointwise_per_channel} (pointwise) in the separable one. For all N = {n} "
            f"outputs at this pixel: standard **{cnt.standard_all}** (D_K²·M·N) vs separable "
            f"**{cnt.separable_all}** (D_K²·M + M·N)."
        )
        show_plotly(
            figs.products_figure(
                ins.patch,
                ins.standard_weights,
                labels,
                title=f"Standard conv, output {out}: patch × W[{out}] → "
                f"{cnt.standard_per_channel} products, sum {ins.standard_sum:.4f}",
            ),
            key="flt_fig_std_products",
        )
        show_plotly(
            figs.products_figure(
                ins.patch,
                bank.depthwise,
                labels,
                title="Depthwise: patch × D[m], one sum per channel",
            ),
            key="flt_fig_dw_products",
        )
        table = pd.DataFrame(
            {
                "channel m": labels,
                "depthwise sum Z[m]": ins.depthwise_sums,
                f"pointwise weight P[{out}, m]": ins.pointwise_weights,
                "product": ins.pointwise_products,
            }
        )
        st.markdown(
            f"**Pointwise, output {out}:** Σ_m P[{out}, m]·Z[m] = **{ins.separable_sum:.6f}**"
        )
        st.dataframe(table, hide_index=True, key="flt_pointwise_table")
        st.download_button(
            "Download this pixel's products (CSV)",
            products_csv(ins, bank.depthwise, labels),
            file_name=f"pixel_{row}_{col}_out{out}.csv",
            mime="text/csv",
            key="flt_csv",
        )

if tabs[4].open:
    with tabs[4]:
        out = int(st.session_state[PARAMS.key("out")])
        st.markdown(
            f"Press **Play** or drag the slider: the {kernel}×{kernel} window slides over the input in "
            f"reading order and standard output {out} fills in (each step jumps ~{max(1, size * size // 48)} "
            "pixels). The output channel is chosen in the *One output pixel* tab."
        )
        show_plotly(
            figs.sliding_figure(
                x,
                result.standard[out - 1],
                kernel=kernel,
                output_label=f"standard output {out}",
                limit=out_limit,
            ),
            key="flt_fig_slide",
        )

if tabs[5].open:
    with tabs[5]:
        show_plotly(
            figs.tensors_3d_figure(input_size=size, in_channels=m, out_channels=n, kernel=kernel),
            key="flt_fig_3d",
        )
        st.caption(
            "Boxes follow the controls above. Drag to rotate, scroll to zoom; hover a box for its role."
        )

buf = io.BytesIO()
np.savez_compressed(
    buf,
    input=x,
    standard_filters=bank.standard,
    depthwise=bank.depthwise,
    pointwise=bank.pointwise,
    standard_out=result.standard,
    separable_out=result.separable,
)
st.download_button(
    "Download all tensors (NumPy .npz)",
    buf.getvalue(),
    file_name="filters.npz",
    mime="application/octet-stream",
    key="flt_npz",
)
PARAMS.share()
