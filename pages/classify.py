"""Classify: a real MobileNetV2 on your photos, what it saw, where it looked, and honest timing."""

from __future__ import annotations

import hashlib

import streamlit as st
import torch

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.explain import classify as text
from mobilenet_viz.explain import fmt_count
from mobilenet_viz.figures import classify as figs
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import cam
from mobilenet_viz.runtime.classify import classify, network_view
from mobilenet_viz.runtime.engines import ENGINE_TITLES, ENGINES, default_engine
from mobilenet_viz.runtime.layer_timing import group_by_kind, profile_layers
from mobilenet_viz.runtime.serving import MAX_CONCURRENT, inference_slot
from mobilenet_viz.runtime.timing import achieved_gflops, compare_engines, time_batch
from mobilenet_viz.runtime.weights import PREPROCESSINGS
from mobilenet_viz.tables import rows_to_csv
from ui import presenter, stage
from ui.kept import forget, section, session_results
from ui.layout import fit_width, show_plotly
from ui.params import BoolParam, ChoiceParam, IntParam, ListParam, PageParams
from ui.routing import through_router
from ui.text import md
from ui.uploads import bounded
from ui.weights_picker import weights_sidebar

through_router()  # a deep link that is a fresh server's first request still goes through app.py

MAX_IMAGES = 24
# Photos one session keeps on the server (Streamlit holds uploads in memory).
MAX_UPLOAD_BYTES = 48 * 2**20
# Timed forward passes per rerun, all images together: 30 students share the cores, so one rerun
# must not hold them for a minute (24 images x 100 runs would be 2,400 passes).
MAX_TIMED_PASSES = 60
REUSE_KEY = "cls_reuse"
WARMUP = 1  # untimed runs per image first: the shared engine is warm, one run refills the caches
IMAGE_WIDTH = 136  # px: the photo, the crop and the CAM of a result card, two to a row (phone too)
# Presenter mode: smaller pictures (two to a row in the card's left column), so the first card
# fits beside the Settings box on a 1280x720 projector (the larger root font makes text taller).
PRESENTER_IMAGE_WIDTH = 120
SAMPLES = {s.name: s for s in list_samples()}
PARAMS = PageParams(
    "cls",
    {
        "engine": ChoiceParam(default_engine(), ENGINES),
        "top": IntParam(5, 1, 20),
        "runs": IntParam(5, 1, 100),
        "cam": BoolParam(True),
        "prep": ChoiceParam("IMAGENET1K_V1", PREPROCESSINGS),
        "samples": ListParam(("cat.jpg",) if "cat.jpg" in SAMPLES else (), list(SAMPLES)),
    },
)


@st.cache_data(show_spinner=False, max_entries=256)
def _cam(model_token: tuple, digest: str, class_index: int, _model, _tensor):
    """The CAM of one photo's top class, computed once per model, photo content and class for
    every student (it is a function of those three; timings are never cached): 30 students
    opening the page with the same sample photo take the inference slot for it once."""
    with inference_slot():
        return cam.class_activation_map(_model, _tensor, class_index)


def _profile(model, tensor):
    with inference_slot():
        return profile_layers(model, tensor.unsqueeze(0), runs=5)


st.title("Classify with a real MobileNetV2")
PARAMS.restore()
# on a phone: the picker, then the result card
controls, visual = stage.frame(intro=text.INTRO, visual_first=False)
notes = st.container()  # weights and engine notes: below the stage, which the projector shows

loaded, engines = weights_sidebar(PARAMS, notes)  # the sidebar's "Model weights" box

# --- inputs: the stage's Settings box -----------------------------------------------------------
with controls:
    picked = (
        st.pills(
            "Sample photos (public domain / CC0, see assets/samples/ATTRIBUTION.md)",
            list(SAMPLES),
            selection_mode="multi",
            key=PARAMS.key("samples"),
            format_func=lambda name: SAMPLES[name].title,
        )
        or []
    )
    uploads = (
        st.file_uploader(
            "Upload photos (JPEG, PNG, WebP, BMP or GIF; several at once)",
            accept_multiple_files=True,
            key="cls_uploads",
            max_upload_size=10,
        )
        or []
    )
    uploads, dropped = bounded(
        uploads, max_files=MAX_IMAGES, max_bytes=MAX_UPLOAD_BYTES, key="cls_uploads"
    )
    if dropped:
        st.warning(dropped, icon=":material/block:")
    camera_on = st.toggle("Use the camera", key="cls_camera_on")
    photo = st.camera_input("Take a photo", key="cls_camera") if camera_on else None
    # folded on every screen: on a phone the four would push the result card a screen down
    with st.expander("More settings: engine, top classes, timed runs, CAM", icon=":material/tune:"):
        c1, c2 = st.columns(2)
        c1.selectbox(
            "Engine",
            ENGINES,
            key=PARAMS.key("engine"),
            format_func=ENGINE_TITLES.get,
            help=text.ENGINE_HELP,
        )
        c2.slider("Top classes shown", 1, 20, key=PARAMS.key("top"))
        c1.slider(
            "Timed runs per image (N)",
            1,
            100,
            key=PARAMS.key("runs"),
            help=f"After {WARMUP} warm-up run; median and p90 are over these N runs.",
        )
        c2.toggle(
            "CAM",
            key=PARAMS.key("cam"),
            help="Class activation map: where the top class's evidence is",
        )
PARAMS.share()

items = text.named_items(
    [(name, SAMPLES[name].read_bytes()) for name in picked],
    [(f.name, f.getvalue()) for f in uploads],
    photo.getvalue() if photo is not None else None,
)
if not items:
    visual.info(text.NOTHING_PICKED)
    PARAMS.stop()
if len(items) > MAX_IMAGES:
    notes.warning(f"{len(items)} images given; classifying the first {MAX_IMAGES}.")
    items = items[:MAX_IMAGES]

runs = text.timed_runs(PARAMS.value("runs"), len(items), MAX_TIMED_PASSES)
if capped := text.runs_caption(len(items), runs, PARAMS.value("runs"), MAX_TIMED_PASSES):
    notes.caption(capped)
with visual, st.spinner(f"Classifying {text.plural(len(items), 'image')}…"):
    report = classify(
        loaded,
        engines,
        items,
        engine=PARAMS.value("engine"),
        top=PARAMS.value("top"),
        runs=runs,
        warmup=WARMUP,
        reuse=session_results(REUSE_KEY, (id(loaded), loaded.describe())),
    )
if report.engine_note:
    notes.warning(md(report.engine_note))
if report.engine == "int8" and not loaded.pretrained:
    notes.warning(text.UNTRAINED_INT8, icon=":material/warning:")
for r in report.results:
    if r.error:
        visual.error(f"**{md(r.name)}**: {md(r.error)}", icon=":material/broken_image:")
good = [r for r in report.results if r.error is None]
photo_bytes = dict(items)  # name -> bytes (names are unique): hashed only for a CAM pass
model_token = (id(loaded), loaded.describe(), loaded.preprocessing)


# --- per image: the first card is the stage's visual, the others follow it ----------------------
def result_card(i: int, r) -> None:
    """One photo's result: its top class, the photo, the crop the network saw, where it looked
    (CAM), its top-k bars and its inference timing."""
    with st.container(border=True, key=f"cls_card_{i}"):
        st.subheader(text.card_title(md(r.name), r, loaded.pretrained))
        if note := text.card_note(r):
            st.caption(note)
        width = PRESENTER_IMAGE_WIDTH if presenter.is_on() else IMAGE_WIDTH
        bars, pictures = st.columns(2)  # stacked on a phone: the top-k first
        with pictures, st.container(horizontal=True, gap="small"):
            st.image(fit_width(r.image, width), caption="photo", width=width)
            view = fit_width(network_view(loaded, r.tensor), width)
            st.image(view, caption="crop", width=width)
            if PARAMS.value("cam"):
                heat = r.cam  # from the warm-up run (runtime.classify), else a pass of its own
                if heat is None:
                    digest = hashlib.sha256(photo_bytes[r.name]).hexdigest()
                    heat = _cam(model_token, digest, r.top[0].index, loaded.model, r.tensor)
                st.image(cam.overlay(view, heat), caption="CAM", width=width)
        with bars:
            stage.chart(
                figs.topk_bars(r.top, title=f"Top-{len(r.top)} classes"), key=f"cls_top_{i}"
            )
        st.caption(text.card_caption(r, PARAMS.value("cam")))


for i, r in enumerate(good):
    with visual if i == 0 else st.container():
        result_card(i, r)

rows = text.result_rows(report)
# Drawn only while open: a folded st.dataframe still loads the data grid's JavaScript (~0.5 CPU-s
# in a fresh browser, benchmarks/browser_cpu.py) on every student's phone.
results_box = st.expander(
    "Results table", expanded=presenter.expanded(len(items) > 1), on_change="rerun"
)
if results_box.open:
    results_box.dataframe(rows, hide_index=True)
st.download_button(
    "Download results (CSV)",
    rows_to_csv(rows),
    file_name="mobilenet_v2_results.csv",
    mime="text/csv",
    key="cls_csv",
    icon=":material/download:",
)

if not good:
    PARAMS.stop()

# --- timing -------------------------------------------------------------------------------------
st.header("Timing")
stage.metric_row(text.timing_metrics(report))
macs = build("v2").macs  # conv + FC MACs of one 224x224 image
median_ms = report.timing_ms["inference_median"]
st.caption(
    text.timing_caption(
        report,
        engine=ENGINE_TITLES[report.engine],
        macs=macs,
        gflops=achieved_gflops(macs, 1, median_ms / 1e3),
        slots=MAX_CONCURRENT,
        fmt=fmt_count,
    )
)
if reused := text.reused_caption(report):
    st.caption(reused)
    st.button(
        "Time them all again",
        key="cls_time_again",
        on_click=forget,
        args=(REUSE_KEY,),
        icon=":material/replay:",
    )
if not torch.cuda.is_available():
    st.caption(text.NO_GPU)
stage.chart(figs.timing_breakdown(report.timing_ms), key="cls_timing")

b1, b2, b3 = st.columns(3)
compare_clicked = b1.button(
    "Compare engines",
    key="cls_compare",
    icon=":material/speed:",
    help="Time every engine on the first image, side by side",
)
layers_clicked = b2.button(
    "Profile layers",
    key="cls_profile",
    icon=":material/stacked_bar_chart:",
    help="Time every layer: pointwise vs depthwise",
)
batch_clicked = b3.button(
    f"Time as one batch ({len(good)})",
    key="cls_batch",
    icon=":material/dynamic_feed:",
    help=(
        f"Classify all {len(good)} images in one batch"
        if len(good) > 1
        else "Classify the image as a batch of one (add images to see batching pay off)"
    ),
)
# Results of the three buttons stay until the model, the images or the settings change.
settings = (
    id(loaded),
    loaded.describe(),
    report.engine,
    PARAMS.value("runs"),
    tuple((r.name, r.size) for r in good),
)

comparison = section(
    "cls_compare_result",
    settings,
    compare_clicked,
    "Engines side by side",
    "Building and timing every engine (the first ONNX export and the int8 quantization take a "
    "few seconds)…",
    lambda: compare_engines(engines, good[0].tensor, runs=PARAMS.value("runs"), warmup=3),
)
if comparison is not None:
    show_plotly(figs.engine_comparison(comparison), key="cls_engines")
    st.dataframe(
        text.engine_rows(comparison),
        hide_index=True,
        column_order=text.engine_columns(comparison),
        column_config={
            column: st.column_config.NumberColumn(format=fmt)
            for column, fmt in text.ENGINE_FORMATS.items()
        },
    )
    st.caption(text.engine_caption(md(good[0].name), PARAMS.value("runs")))

profile = section(
    "cls_profile_result",
    settings,
    layers_clicked,
    "Where the time goes, by layer type",
    "Timing every layer…",
    lambda: _profile(loaded.model, good[0].tensor),
)
if profile is not None:
    shares = group_by_kind(profile)
    left, right = st.columns([2, 3])
    with left:
        show_plotly(figs.kind_shares(shares), key="cls_kinds")
    with right:
        show_plotly(figs.layer_latency(profile), key="cls_layers")
    st.markdown(text.profile_text(shares, torch.get_num_threads()))

batch = section(
    "cls_batch_result",
    settings,
    batch_clicked,
    "Batch mode",
    f"Timing a batch of {len(good)}…",
    lambda: time_batch(
        engines.get_or_fallback(report.engine)[0],
        [r.tensor for r in good],
        runs=min(PARAMS.value("runs"), 10),
    ),
)
if batch is not None:  # a slowdown shows red, pointing down
    stage.metric_row(text.batch_metrics(batch[0], median_ms), delta_color="normal")
