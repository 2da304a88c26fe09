"""Classify: a real MobileNetV2 on your photos, what it saw, where it looked, and honest timing."""

from __future__ import annotations

import hashlib
import time

import streamlit as st
import torch

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.figures import classify as figs
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import cam
from mobilenet_viz.runtime.classify import classify, network_view, report_rows
from mobilenet_viz.runtime.engines import ENGINE_TITLES, ENGINES, default_engine
from mobilenet_viz.runtime.layer_timing import group_by_kind, profile_layers
from mobilenet_viz.runtime.serving import MAX_CONCURRENT, inference_slot
from mobilenet_viz.runtime.timing import achieved_gflops, compare_engines, time_batch
from mobilenet_viz.runtime.weights import PREPROCESSINGS, WeightsError
from mobilenet_viz.tables import rows_to_csv
from ui import presenter, stage
from ui.layout import fmt_count, show_plotly
from ui.model import get_engines, get_model, get_uploaded
from ui.params import BoolParam, ChoiceParam, IntParam, ListParam, PageParams
from ui.routing import through_router
from ui.text import md
from ui.uploads import bounded

through_router()  # a deep link that is a fresh server's first request still goes through app.py

MAX_IMAGES = 24
MAX_UPLOAD_BYTES = (
    48 * 2**20
)  # photos one session keeps on the server (Streamlit holds uploads in memory)
# Timed forward passes per rerun, all images together: 30 students share the cores, so one rerun
# must not hold them for a minute (24 images x 100 runs would be 2,400 passes).
MAX_TIMED_PASSES = 60
REUSE_KEY = "cls_reuse"
WARMUP = 1  # untimed runs per image first: the shared engine is warm, one run refills the caches
IMAGE_WIDTH = 136  # px: the photo, the crop and the CAM of a result card, two to a row (phone too)
# Presenter mode: smaller pictures (two to a row in the card's left column), so the first card
# fits beside the Settings box on a 1280x720 projector (the larger root font makes text taller).
PRESENTER_IMAGE_WIDTH = 120
PREP_LABELS = {
    "IMAGENET1K_V1": "IMAGENET1K_V1: resize 256, crop 224",
    "IMAGENET1K_V2": "IMAGENET1K_V2: resize 232, crop 224",
}
PARAMS = PageParams(
    "cls",
    {
        "engine": ChoiceParam(default_engine(), ENGINES),
        "top": IntParam(5, 1, 20),
        "runs": IntParam(5, 1, 100),
        "cam": BoolParam(True),
        "prep": ChoiceParam("IMAGENET1K_V1", PREPROCESSINGS),
        "samples": ListParam(
            ("cat.jpg",) if any(s.name == "cat.jpg" for s in list_samples()) else (),
            [s.name for s in list_samples()],
        ),
    },
)


@st.cache_data(show_spinner=False, max_entries=256)
def _cam(model_token: tuple, digest: str, class_index: int, _model, _tensor):
    """The CAM of one photo's top class, computed once per model, photo content and class for
    every student (it is a function of those three; timings are never cached): 30 students
    opening the page with the same sample photo take the inference slot for it once."""
    with inference_slot():
        return cam.class_activation_map(_model, _tensor, class_index)


def _fit(image, width: int):
    """The image at most ``width`` px wide (aspect kept, at least 1 px high): Streamlit would
    encode the full photo and then shrink it (and a 1000:1 panorama to 0 px high)."""
    small = image.copy()
    small.thumbnail((width, width * 1000))
    return small


def _reuse(loaded) -> dict:
    """This session's earlier results for this model: a rerun (another photo added, the CAM
    switched on) times only what is new instead of every photo again (``classify(reuse=...)``)."""
    token = (id(loaded), loaded.describe())
    store = st.session_state.get(REUSE_KEY)
    if store is None or store["model"] != token:
        store = st.session_state[REUSE_KEY] = {"model": token, "results": {}}
    return store["results"]


def _profile(model, tensor):
    with inference_slot():
        return profile_layers(model, tensor.unsqueeze(0), runs=5)


def _time_again() -> None:
    st.session_state.pop(REUSE_KEY, None)


def _items(picked: list[str], samples, uploads, photo) -> list[tuple[str, bytes]]:
    """(name, bytes) to classify: a file added twice (same name, same bytes) once; an upload whose
    name is also a picked sample's, or another upload's, is told apart ("cat.jpg (upload)")."""
    items = [(name, next(s for s in samples if s.name == name).read_bytes()) for name in picked]
    seen = set(items)
    for f in uploads:
        data = f.getvalue()
        if (f.name, data) in seen:
            continue
        seen.add((f.name, data))
        taken = {name for name, _ in items}
        name, k = f.name, 1
        while name in taken:
            name = f"{f.name} (upload{'' if k == 1 else f' {k}'})"
            k += 1
        items.append((name, data))
    if photo is not None:
        items.append(("camera photo", photo.getvalue()))
    return items


def _kept(name: str, settings: tuple, clicked: bool, compute):
    """A button's result, kept until the settings change: clicking another button (or any rerun
    with the same model, images and settings) shows it again instead of dropping it."""
    if clicked:
        st.session_state[name] = (settings, compute())
    stored = st.session_state.get(name)
    return stored[1] if stored is not None and stored[0] == settings else None


def _has(name: str, settings: tuple) -> bool:
    stored = st.session_state.get(name)
    return stored is not None and stored[0] == settings


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


st.title("Classify with a real MobileNetV2")
PARAMS.restore()
controls, visual = stage.frame(
    intro="Sandler et al., *MobileNetV2* (arXiv:1801.04381): 3.5M parameters and about 0.3G "
    "multiply-accumulates (MACs) per 224×224 image. Pick sample photos, upload your own or use "
    "the camera: you see the crop the network saw, its top classes, where it looked (class "
    "activation map) and how long each step took.",
    visual_first=False,  # on a phone: the picker, then the result card
)
notes = st.container()  # weights and engine notes: below the stage, which the projector shows

# --- weights ------------------------------------------------------------------------------------
with st.sidebar:
    with st.expander("Model weights", expanded=False):
        weights_file = st.file_uploader(
            "Use your own MobileNetV2 state_dict (.pth)",
            key="cls_weights_file",
            max_upload_size=16,
            help="A file saved with torch.save(model.state_dict(), path) for torchvision's "
            "mobilenet_v2 (1000 classes). It is read with weights_only=True: no code runs.",
        )
        st.radio(
            "Preprocessing the uploaded weights expect",
            PREPROCESSINGS,
            key=PARAMS.key("prep"),
            format_func=PREP_LABELS.get,
        )
        st.caption(
            "Without an upload the app uses $MOBILENET_VIZ_WEIGHTS, then torchvision's cached "
            "file, then a download; `python -m mobilenet_viz weights where` lists the places."
        )

loaded, engines = get_model(), get_engines()
if weights_file is not None:
    try:
        loaded, engines = get_uploaded(
            weights_file.name, weights_file.getvalue(), PARAMS.value("prep")
        )
    except WeightsError as exc:
        st.sidebar.error(md(exc))
        notes.error(f"Uploaded weights not used: {md(exc)}", icon=":material/error:")

if not loaded.pretrained:
    notes.error(loaded.message or "Untrained model in use.", icon=":material/warning:")
elif loaded.message:
    notes.warning(loaded.message, icon=":material/info:")
resize = loaded.transforms.resize_size[0]
notes.caption(
    f"Weights: **{md(loaded.describe())}** · preprocessing: resize {resize}, centre crop "
    f"{loaded.transforms.crop_size[0]}, ImageNet mean/std (torchvision {loaded.preprocessing} transforms)"
)

# --- inputs: the stage's Settings box -----------------------------------------------------------
samples = list_samples()
with controls:
    picked = (
        st.pills(
            "Sample photos (public domain / CC0, see assets/samples/ATTRIBUTION.md)",
            [s.name for s in samples],
            selection_mode="multi",
            key=PARAMS.key("samples"),
            format_func=lambda name: next(s.title for s in samples if s.name == name),
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
            help="The three float engines compute the same function; int8 is the model quantized "
            "to 8-bit integers (see the page 'On a phone'). The default is the fastest float "
            "engine here.",
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

items = _items(picked, samples, uploads, photo)
if not items:
    visual.info("Pick a sample photo, upload photos or take one with the camera to classify it.")
    PARAMS.stop()
if len(items) > MAX_IMAGES:
    notes.warning(f"{len(items)} images given; classifying the first {MAX_IMAGES}.")
    items = items[:MAX_IMAGES]

runs = min(PARAMS.value("runs"), max(1, MAX_TIMED_PASSES // len(items)))
if runs < PARAMS.value("runs"):
    notes.caption(
        f"{len(items)} images: timing {runs} runs per image instead of {PARAMS.value('runs')}, so one "
        f"page update stays under {MAX_TIMED_PASSES} timed passes and the server stays responsive for everyone."
    )
with visual, st.spinner(f"Classifying {len(items)} image{'s' if len(items) > 1 else ''}…"):
    report = classify(
        loaded,
        engines,
        items,
        engine=PARAMS.value("engine"),
        top=PARAMS.value("top"),
        runs=runs,
        warmup=WARMUP,
        reuse=_reuse(loaded),
    )
if report.engine_note:
    notes.warning(md(report.engine_note))
if report.engine == "int8" and not loaded.pretrained:
    notes.warning(
        "The int8 model is quantized from the untrained weights: its predictions are meaningless too.",
        icon=":material/warning:",
    )
for r in report.results:
    if r.error:
        visual.error(f"**{md(r.name)}**: {md(r.error)}", icon=":material/broken_image:")
good = [r for r in report.results if r.error is None]
digests = {
    r.name: hashlib.sha256(data).hexdigest()
    for r, (_, data) in zip(report.results, items, strict=True)
}
model_token = (id(loaded), loaded.describe(), loaded.preprocessing)


# --- per image: the first card is the stage's visual, the others follow it ----------------------
def result_card(i: int, r) -> None:
    """One photo's result: its top class, the photo, the crop the network saw, where it looked
    (CAM), its top-k bars and its inference timing."""
    with st.container(border=True, key=f"cls_card_{i}"):
        best = r.top[0]
        untrained = "" if loaded.pretrained else " · untrained model, meaningless"
        st.subheader(f"{md(r.name)}: {best.label} ({best.prob * 100:.1f}%){untrained}")
        if r.notes:
            st.caption("Note: " + "; ".join(r.notes))
        width = PRESENTER_IMAGE_WIDTH if presenter.is_on() else IMAGE_WIDTH
        bars, pictures = st.columns(2)  # stacked on a phone: the top-k first
        with pictures, st.container(horizontal=True, gap="small"):
            st.image(_fit(r.image, width), caption="photo", width=width)
            view = _fit(network_view(loaded, r.tensor), width)
            st.image(view, caption="crop", width=width)
            if PARAMS.value("cam"):
                heat = _cam(model_token, digests[r.name], best.index, loaded.model, r.tensor)
                st.image(cam.overlay(view, heat), caption="CAM", width=width)
        with bars:
            show_plotly(
                figs.topk_bars(r.top, title=f"Top-{len(r.top)} classes"), key=f"cls_top_{i}"
            )
        looked = (
            f" → where it looked for '{best.label}' (CAM: class activation map, 7×7)"
            if PARAMS.value("cam")
            else ""
        )
        when = (
            f" · timed at {time.strftime('%H:%M:%S', time.localtime(r.measured_at))}"
            if r.reused
            else ""
        )
        st.caption(
            f"Your photo ({r.size[0]}×{r.size[1]}) → the 224×224 crop the network saw{looked}. "
            f"Inference median {_ms(r.timing_ms.get('inference_median'))}, "
            f"p90 {_ms(r.timing_ms.get('inference_p90'))}{when}."
        )


for i, r in enumerate(good):
    with visual if i == 0 else st.container():
        result_card(i, r)

rows = report_rows(report)
with st.expander("Results table", expanded=presenter.expanded(len(items) > 1)):
    st.dataframe(rows, hide_index=True)
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
t = report.timing_ms
m = st.columns(5)
m[0].metric("Decode", _ms(t["decode"]))
m[1].metric("Preprocess", _ms(t["preprocess"]))
m[2].metric(
    "Inference (median)",
    _ms(t["inference_median"]),
    help=f"{report.runs} timed runs per image after "
    f"{report.warmup} warm-up runs; median over all {report.runs * len(good)} runs",
)
m[3].metric("Inference p90", _ms(t["inference_p90"]))
m[4].metric("Postprocess", _ms(t["postprocess"]))
macs = build("v2").macs  # conv + FC MACs of one 224x224 image
gflops = achieved_gflops(macs, 1, t["inference_median"] / 1e3)
st.caption(
    f"Engine **{ENGINE_TITLES[report.engine]}** on {report.device}, {report.threads} thread{'s' if report.threads != 1 else ''} · "
    f"waited {report.queued_ms:.0f} ms for a free inference slot (at most {MAX_CONCURRENT} at once) · "
    f"achieved **{gflops:.1f} GFLOP/s** = 2 × {fmt_count(macs)} MACs ÷ {t['inference_median']:.1f} ms "
    f"(FLOPs = 2 × MACs) · {1000 / t['inference_median']:.0f} images/s at batch 1."
)
reused = sum(r.reused for r in good)
if reused:
    st.caption(
        f"{reused} of {len(good)} images were timed earlier in this session with the same settings and "
        "are not run again."
    )
    st.button(
        "Time them all again", key="cls_time_again", on_click=_time_again, icon=":material/replay:"
    )
if not torch.cuda.is_available():
    st.caption(
        "No GPU on this server: everything runs on the CPU; a GPU timing could not be measured here."
    )
show_plotly(figs.timing_breakdown(t), key="cls_timing")

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
    help=f"Classify all {len(good)} image{'s' if len(good) != 1 else ''} in one batch",
)
# Results of the three buttons stay until the model, the images or the settings change.
settings = (
    id(loaded),
    loaded.describe(),
    report.engine,
    PARAMS.value("runs"),
    tuple((r.name, r.size) for r in good),
)
compare = compare_clicked or _has("cls_compare_result", settings)
layers = layers_clicked or _has("cls_profile_result", settings)
batch = batch_clicked or _has("cls_batch_result", settings)

if compare:
    st.subheader("Engines side by side")
    with st.spinner(
        "Building and timing every engine (the first ONNX export and the int8 quantization take a few seconds)…"
    ):
        comparison = _kept(
            "cls_compare_result",
            settings,
            compare_clicked,
            lambda: compare_engines(engines, good[0].tensor, runs=PARAMS.value("runs"), warmup=3),
        )
    show_plotly(figs.engine_comparison(comparison), key="cls_engines")
    st.dataframe(
        [
            {
                "engine": c.title,
                "median (ms)": c.median_ms,
                "p90 (ms)": c.p90_ms,
                "× ONNX Runtime": c.ratio_to_onnx,
                "speed-up vs eager": c.speedup_vs_eager,
                "top-5 = eager's": c.top5_matches_eager,
                "max prob. diff vs eager": c.max_prob_diff_vs_eager,
                "build (s)": c.build_s,
                "error": c.error or "",
            }
            for c in comparison
        ],
        hide_index=True,
        column_order=(  # six columns fit at 1280 px; × ONNX Runtime and build (s) stay in the data
            "engine",
            "median (ms)",
            "p90 (ms)",
            "speed-up vs eager",
            "top-5 = eager's",
            "max prob. diff vs eager",
            *(("error",) if any(c.error for c in comparison) else ()),
        ),
        column_config={
            "median (ms)": st.column_config.NumberColumn(format="%.2f"),
            "p90 (ms)": st.column_config.NumberColumn(format="%.2f"),
            "× ONNX Runtime": st.column_config.NumberColumn(format="%.2f×"),
            "speed-up vs eager": st.column_config.NumberColumn(format="%.2f×"),
            "max prob. diff vs eager": st.column_config.NumberColumn(format="%.1e"),
            "build (s)": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    st.caption(
        f"Same input ({md(good[0].name)}), batch 1, {PARAMS.value('runs')} timed runs each, one engine at a time. "
        "The float engines compute the same function; int8 differs from them by its rounding (its top-5 "
        "and probabilities are compared with eager's in the table)."
    )

if layers:
    st.subheader("Where the time goes, by layer type")
    with st.spinner("Timing every layer…"):
        profile = _kept(
            "cls_profile_result",
            settings,
            layers_clicked,
            lambda: _profile(loaded.model, good[0].tensor),
        )
    shares = group_by_kind(profile)
    left, right = st.columns([2, 3])
    with left:
        show_plotly(figs.kind_shares(shares), key="cls_kinds")
    with right:
        show_plotly(figs.layer_latency(profile), key="cls_layers")
    dw = next(s for s in shares if s.kind == "depthwise")
    st.markdown(
        f"The {dw.layers} depthwise convolutions do **{dw.mac_share * 100:.1f}% of the MACs** but take "
        f"**{dw.time_share * 100:.1f}% of the time**: each output value needs only D_K² = 9 "
        "multiply-adds (a pointwise conv needs M = 16 to 960), so they wait on memory rather than "
        f"arithmetic. Eager PyTorch, batch 1, median of 5 runs, {torch.get_num_threads()} "
        f"thread{'s' if torch.get_num_threads() != 1 else ''}: the time share depends on the thread count "
        "(the 1×1 convs gain more from extra threads). Each layer's time includes its "
        "BatchNorm and ReLU6 (and the residual add after a projection)."
    )

if batch:
    st.subheader("Batch mode")
    engine = engines.get_or_fallback(report.engine)[0]
    with st.spinner(f"Timing a batch of {len(good)}…"):
        timing, _ = _kept(
            "cls_batch_result",
            settings,
            batch_clicked,
            lambda: time_batch(
                engine, [r.tensor for r in good], runs=min(PARAMS.value("runs"), 10)
            ),
        )
    k = st.columns(3)
    k[0].metric("Batch size", timing.batch_size)
    k[1].metric("Batch latency (median)", _ms(timing.median_ms))
    gain = timing.images_per_s / (1000 / t["inference_median"])
    k[2].metric(
        "Throughput",
        f"{timing.images_per_s:.0f} images/s",  # a slowdown shows red, pointing down
        delta=f"{(gain - 1) * 100:+.0f}% vs batch 1 ({gain:.2f}×)",
    )
