"""How the filters work: standard vs depthwise/pointwise filtering of a real image
(MobileNets, arXiv:1704.04861, section 3.1)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from mobilenet_viz.explain import filters as says
from mobilenet_viz.figures import filter_tiles as tiles
from mobilenet_viz.figures import filters as figs
from mobilenet_viz.runtime import filtering as flt
from mobilenet_viz.tables import rows_to_csv
from ui import presenter, stage
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
TILE_WIDTH = 160  # px: two map tiles per line on a 360-430 px phone
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
def first_layer_filters(sources: tuple) -> tuple[np.ndarray | None, str]:
    del sources  # only the cache key: weights that appear later are picked up
    return flt.load_first_layer()


def pretrained_filters() -> tuple[np.ndarray | None, str]:
    """The real first-layer filters when pretrained weights are present, else (None, why not)."""
    sources = flt.first_layer_sources()
    return (None, flt.NO_FIRST_LAYER) if sources is None else first_layer_filters(sources)


@st.cache_data(max_entries=64, show_spinner=False)
def prepared(image_bytes: bytes, shape: tuple[int, int], size: int, gray: bool) -> np.ndarray:
    image = Image.frombytes("RGB", shape, image_bytes)
    return flt.prepare_input(image, size, grayscale=gray)


def show_tiles(key: str, pngs: list[bytes], captions: list[str], per_row: int = 0) -> None:
    """Maps as image tiles. On a laptop or phone: 160 px tiles in a wrapping row (two per line
    on a phone). In presenter mode: rows of ``per_row`` columns (4, or 5 for more than 8 tiles)
    that stretch with the screen, so the stage fills a 1920x1080 projector and fits 1280x720."""
    if not presenter.is_on():
        with st.container(horizontal=True, gap="small", key=key):
            for png, caption in zip(pngs, captions, strict=True):
                st.image(png, caption=caption, width=TILE_WIDTH, output_format="PNG")
        return
    per_row = per_row or (4 if len(pngs) <= 8 else 5)
    with st.container(key=key):
        for start in range(0, len(pngs), per_row):
            row = zip(st.columns(per_row), pngs[start:], captions[start:], strict=False)
            for column, png, caption in row:
                column.image(png, caption=caption, width="stretch", output_format="PNG")


st.title("How the filters work")
controls, visual = stage.frame(
    intro="A **standard** convolution has N filters of D_K×D_K×M: every filter looks at every "
    "input channel at once. A **depthwise separable** convolution splits this in two: M depthwise "
    "filters of D_K×D_K×1 (each sees one channel only), then N pointwise 1×1×M filters that mix "
    "the channels (Howard et al., 2017, section 3.1). Here both run on a small real image."
)

PARAMS.restore()
filters_1st, weights_note = pretrained_filters()  # weights_note: where from, or why not
sources = (
    flt.KERNEL_SOURCES
    if filters_1st is not None
    else tuple(s for s in flt.KERNEL_SOURCES if s != "mobilenet_v2")
)
size = int(st.session_state[PARAMS.key("size")])
for name in ("row", "col"):  # keep the inspected pixel inside the map when D_F shrinks
    st.session_state[PARAMS.key(name)] = min(int(st.session_state[PARAMS.key(name)]), size - 1)
st.session_state[PARAMS.key("out")] = min(
    int(st.session_state[PARAMS.key("out")]), st.session_state[PARAMS.key("n")]
)

with controls:
    if st.session_state[PARAMS.key("kernel")] not in sources:
        st.warning(
            f"Kernel source “MobileNetV2 first layer” is not available here; using Sobel x. {weights_note}"
        )
        st.session_state[PARAMS.key("kernel")] = "sobel_x"
    key_row = st.columns(2)
    source = key_row[0].selectbox(
        "Kernels",
        options=list(sources),
        format_func=flt.SOURCE_TITLES.get,
        key=PARAMS.key("kernel"),
        help="Presets: every depthwise filter is the preset, the pointwise weights are "
        "seeded. Random / MobileNetV2: a general standard filter bank, and its closest "
        "depthwise separable version.",
    )
    key_row[1].slider("Output channels N", 1, flt.MAX_OUT_CHANNELS, key=PARAMS.key("n"))
    if source in flt.PRESETS:
        st.toggle(
            "Unconstrained standard filters",
            key=PARAMS.key("free"),
            help="Off: the standard filters are built as W[n, m] = P[n, m]·D[m], exactly what the "
            "separable pair computes. On: every slice W[n, m] gets its own preset pattern, a general "
            "standard bank that the separable pair can only approximate.",
        )
    with presenter.more_controls("input image, D_F, grayscale, D_K, seed"):
        left, middle, right = st.columns([1.2, 1, 1])
        with left:
            picked = pick_image("flt", pattern_size=size, max_side=512)
        middle.select_slider(
            "Working size D_F (px)",
            options=SIZES,
            key=PARAMS.key("size"),
            help="The image is centre-cropped and resized to D_F×D_F so every map stays readable.",
        )
        middle.toggle(
            "Grayscale (M = 1)", key=PARAMS.key("gray"), help="Off: RGB, M = 3 input channels."
        )
        right.selectbox(
            "Kernel size D_K",
            options=list(KERNEL_SIZES),
            key=PARAMS.key("dk"),
            disabled=source != "random",
            help="Presets and MobileNetV2's filters are 3×3.",
        )
        right.number_input(
            "Seed",
            0,
            9999,
            key=PARAMS.key("seed"),
            help="Seeds the random filters and the pointwise mixing weights.",
        )
        if filters_1st is None:
            st.caption(weights_note)
    if filters_1st is not None and source == "mobilenet_v2":
        st.caption(f"Pretrained weights: {weights_note}.")

if picked is None:
    PARAMS.stop()

values = PARAMS.values()
image, description = picked
size, gray, n = int(values["size"]), bool(values["gray"]), int(values["n"])
m = 1 if gray else 3
kernel = int(values["dk"]) if source == "random" else 3
labels = list(flt.CHANNEL_NAMES[m])
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

# One colour scale for both outputs, set by the interior (the zero-padded border saturates).
out_limit = max(
    figs.interior_limit(result.standard, kernel), figs.interior_limit(result.separable, kernel)
)
with visual:
    st.markdown(says.stage_title(size, kernel, m, n))
    show_tiles(
        "flt_tiles",
        [tiles.image_png(x), *(tiles.map_png(z, out_limit) for z in result.standard)],
        ["input X", *(f"output {i + 1}" for i in range(n))],
    )
    st.caption(says.stage_caption(out_limit, bank.exact, result.approximation_error))
st.caption(says.input_caption(description, size, labels, kernel))
out_labels = [f"output {i + 1}" for i in range(n)]
filter_labels = [f"filter {i + 1}" for i in range(n)]

tabs = st.tabs(VIEWS, key=PARAMS.key("view"), on_change="rerun")

if tabs[0].open:
    with tabs[0]:
        st.markdown(says.standard_filters(kernel, m, n))
        if bank.exact:
            st.info(says.exact_filters(flt.SOURCE_TITLES[source]), icon=":material/info:")
        else:
            st.caption(says.GENERAL_FILTERS)
        show_plotly(
            figs.kernel_grid_figure(
                bank.standard,
                filter_labels,
                labels,
                title="Standard filters W[n, m] (shared colour scale)",
            ),
            key="flt_fig_std_kernels",
        )
        st.caption(
            "The output maps these filters make are the tiles at the top of the page; "
            "*One output pixel* shows how each value is computed."
        )

if tabs[1].open:
    with tabs[1]:
        if bank.exact:
            st.markdown(
                f"Every channel uses the same depthwise kernel, {flt.SOURCE_TITLES[source]}:"
            )
            st.latex("D = " + says.latex_matrix(bank.depthwise[0]))
        else:
            show_plotly(
                figs.kernel_grid_figure(
                    bank.depthwise[None], ["D"], labels, title="Depthwise kernels D[m]"
                ),
                key="flt_fig_dw_kernels",
            )
        st.markdown(says.depthwise_step(kernel, m))
        dw_limit = figs.interior_limit(result.depthwise, kernel)
        show_tiles(  # channel m beside the map made from it alone: one pair per line on a phone
            "flt_dw_tiles",
            [
                png
                for c in range(m)
                for png in (
                    tiles.image_png(x[c : c + 1]),
                    tiles.map_png(result.depthwise[c], dw_limit),
                )
            ],
            [text for lab in labels for text in (f"input channel {lab}", f"map from {lab} only")],
            per_row=6,  # presenter: the M channel/map pairs in one row (full width)
        )
        st.caption(says.depthwise_scale(dw_limit))
        st.markdown(says.pointwise_step(m, n))
        show_plotly(figs.pointwise_matrix_figure(bank.pointwise, labels), key="flt_fig_pw")
        st.markdown(f"**Depthwise separable output: {n} maps of {size}×{size}** (same colours)")
        show_tiles(
            "flt_sep_tiles",
            [tiles.map_png(z, out_limit) for z in result.separable],
            [f"output {i + 1}" for i in range(n)],
        )

if tabs[2].open:
    with tabs[2]:
        st.latex(says.EQUIVALENCE_LATEX)
        stage.metric_row(
            says.equivalence_metrics(
                kernel, m, n, result.equivalence_error, result.approximation_error
            )
        )
        st.markdown(says.CONSTRAINT)
        if not bank.exact:
            kind = "unconstrained" if source in flt.PRESETS else flt.SOURCE_TITLES[source].lower()
            st.info(says.approximation(kind, result.approximation_error), icon=":material/info:")
        show_plotly(
            figs.kernel_grid_figure(
                flt.compose_standard(bank.depthwise, bank.pointwise),
                filter_labels,
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
        row, col, out = (int(st.session_state[PARAMS.key(k)]) for k in ("row", "col", "out"))
        ins = flt.inspect_pixel(x, bank, row, col, out - 1)
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
        stage.metric_row(says.pixel_metrics(ins))
        st.markdown(says.pixel_multiplications(ins))
        show_plotly(
            figs.products_figure(
                ins.patch,
                ins.standard_weights,
                labels,
                title=f"Standard conv, output {out}: patch × W[{out}] → "
                f"{ins.counts.standard_per_channel} products, sum {ins.standard_sum:.4f}",
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
        st.markdown(
            f"**Pointwise, output {out}:** Σ_m P[{out}, m]·Z[m] = **{ins.separable_sum:.6f}**"
        )
        st.dataframe(says.pointwise_rows(ins, labels), hide_index=True, key="flt_pointwise_table")
        st.download_button(
            "Download this pixel's products (CSV)",
            rows_to_csv(says.product_rows(ins, labels)).encode(),
            file_name=f"pixel_{row}_{col}_out{out}.csv",
            mime="text/csv",
            key="flt_csv",
        )

if tabs[4].open:
    with tabs[4]:
        out = int(st.session_state[PARAMS.key("out")])
        st.markdown(says.sliding(kernel, size, out, flt.SLIDING_FRAMES))
        show_plotly(
            figs.sliding_figure(
                x,
                result.standard[out - 1],
                kernel=kernel,
                output_label=f"standard output {out}",
                limit=out_limit,
                frames=flt.SLIDING_FRAMES,
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

st.download_button(
    "Download all tensors (NumPy .npz)",
    flt.tensors_npz(x, bank, result),
    file_name="filters.npz",
    mime="application/octet-stream",
    key="flt_npz",
)
PARAMS.share()
