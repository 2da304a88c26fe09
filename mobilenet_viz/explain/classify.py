"""What the Classify page says: result cards, the timing metrics and captions, the three buttons'
tables and sentences, and the results table, built from the runtime's reports (a
``runtime.classify.ClassifyReport``, ``runtime.timing.EngineComparison`` and ``BatchTiming``,
``runtime.layer_timing.KindShare``), which are passed in, so this module imports no torch.

MobileNetV2 after Sandler et al., arXiv:1801.04381v4 (blocks: section 4, Table 2). MACs =
multiply-accumulates of conv and FC layers (the papers' mult-adds); FLOPs = 2 × MACs.
Names and reasons given by a user (photo names, weights files) arrive escaped by the page.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from mobilenet_viz.explain import Metric

INTRO = (
    "Sandler et al., *MobileNetV2* (arXiv:1801.04381v4, Table 4): 3.4M parameters and 300M "
    "multiply-adds (MACs) per 224×224 image (torchvision's copy counts 3.5M with BatchNorm). Pick sample photos, upload your own or use "
    "the camera: you see the crop the network saw, its top classes, where it looked (class "
    "activation map) and how long each step took."
)
PREP_LABELS = {
    "IMAGENET1K_V1": "IMAGENET1K_V1: resize 256, crop 224",
    "IMAGENET1K_V2": "IMAGENET1K_V2: resize 232, crop 224",
}
ENGINE_HELP = (
    "The three float engines compute the same function; int8 is the model quantized to 8-bit "
    "integers (see the page 'On a phone'). The default is the fastest float engine here."
)
NOTHING_PICKED = "Pick a sample photo, upload photos or take one with the camera to classify it."
UNTRAINED = "Untrained model in use."
UNTRAINED_INT8 = (
    "The int8 model is quantized from the untrained weights: its predictions are meaningless too."
)
NO_GPU = (
    "No GPU on this server: everything runs on the CPU; a GPU timing could not be measured here."
)
TIMING_STEPS = ("decode", "preprocess", "inference_median", "inference_p90", "postprocess")


def ms(value: float | None) -> str:
    """A duration: one decimal under 100 ms, whole milliseconds above; "n/a" when not measured."""
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- inputs -------------------------------------------------------------------------------------


def named_items(
    picked: Sequence[tuple[str, bytes]],
    uploads: Sequence[tuple[str, bytes]],
    photo: bytes | None = None,
) -> list[tuple[str, bytes]]:
    """(name, bytes) to classify, named as their cards say: the picked samples, then the uploads,
    then the camera photo. A file added twice (same name, same bytes) is classified once; an upload
    whose name is also a sample's or another upload's is told apart ("cat.jpg (upload)",
    "cat.jpg (upload 2)")."""
    items = list(picked)
    seen = set(items)
    for name, data in uploads:
        if (name, data) in seen:
            continue
        seen.add((name, data))
        taken = {n for n, _ in items}
        shown, k = name, 1
        while shown in taken:
            shown = f"{name} (upload{'' if k == 1 else f' {k}'})"
            k += 1
        items.append((shown, data))
    if photo is not None:
        taken, shown, k = {n for n, _ in items}, "camera photo", 1
        while shown in taken:  # an upload named "camera photo"
            k += 1
            shown = f"camera photo {k}"
        items.append((shown, photo))
    return items


def timed_runs(asked: int, images: int, max_passes: int) -> int:
    """Timed runs per image: the N asked for, fewer when all images together would take more than
    ``max_passes`` timed forward passes (at least 1)."""
    return min(asked, max(1, max_passes // images))


def runs_caption(images: int, runs: int, asked: int, max_passes: int) -> str | None:
    """Why fewer runs than asked are timed (None when all N are)."""
    if runs >= asked:
        return None
    return (
        f"{images} images: timing {runs} runs per image instead of {asked}, so one page update "
        f"stays under {max_passes} timed passes and the server stays responsive for everyone."
    )


def weights_caption(weights: str, resize: int, crop: int, preprocessing: str) -> str:
    """Which weights (``weights``: escaped) and the preprocessing they expect."""
    return (
        f"Weights: **{weights}** · preprocessing: resize {resize}, centre crop {crop}, ImageNet "
        f"mean/std (torchvision {preprocessing} transforms)"
    )


# --- one photo's result card ----------------------------------------------------------------------


def card_title(name: str, r, pretrained: bool) -> str:
    """The card's heading: the photo (``name``: escaped), its top class and probability; an
    untrained model's guess says it is meaningless. ``r``: an ``ImageResult`` without error."""
    best = r.top[0]
    untrained = "" if pretrained else " · untrained model, meaningless"
    return f"{name}: {best.label} ({best.prob * 100:.1f}%){untrained}"


def card_note(r) -> str | None:
    """What decoding did to the photo (EXIF rotation, first GIF frame, ...), if anything."""
    return "Note: " + "; ".join(r.notes) if r.notes else None


def card_caption(r, cam: bool) -> str:
    """Photo → crop → CAM, and this photo's inference median and p90; a result kept from earlier
    in the session says when it was timed."""
    looked = (
        f" → where it looked for '{r.top[0].label}' (CAM: class activation map, 7×7)" if cam else ""
    )
    when = (
        f" · timed at {time.strftime('%H:%M:%S', time.localtime(r.measured_at))}"
        if r.reused
        else ""
    )
    return (
        f"Your photo ({r.size[0]}×{r.size[1]}) → the 224×224 crop the network saw{looked}. "
        f"Inference median {ms(r.timing_ms.get('inference_median'))}, "
        f"p90 {ms(r.timing_ms.get('inference_p90'))}{when}."
    )


def result_rows(report) -> list[dict[str, object]]:
    """One flat row per image, errors included (the results table and its CSV download): the
    top-5 labels and probabilities and each step's time in ms."""
    rows = []
    for r in report.results:
        row: dict[str, object] = {"image": r.name, "error": r.error or ""}
        for rank in range(5):
            has = r.top is not None and rank < len(r.top)
            row[f"top{rank + 1}_label"] = r.top[rank].label if has else ""
            row[f"top{rank + 1}_prob"] = round(r.top[rank].prob, 6) if has else None
        for step in TIMING_STEPS:
            value = r.timing_ms.get(step)
            row[f"{step}_ms"] = round(value, 3) if value is not None else None
        row["engine"] = report.engine
        rows.append(row)
    return rows


# --- timing ---------------------------------------------------------------------------------------


def _classified(report) -> int:
    return sum(r.error is None for r in report.results)


def timing_metrics(report) -> list[Metric]:
    """Per image, each step's time: decode, preprocess, inference median and p90, postprocess."""
    t = report.timing_ms
    return [
        Metric("Decode", ms(t["decode"])),
        Metric("Preprocess", ms(t["preprocess"])),
        Metric(
            "Inference (median)",
            ms(t["inference_median"]),
            help=f"{report.runs} timed runs per image after {report.warmup} warm-up runs; "
            f"median over all {report.runs * _classified(report)} runs",
        ),
        Metric("Inference p90", ms(t["inference_p90"])),
        Metric("Postprocess", ms(t["postprocess"])),
    ]


def timing_caption(report, *, engine: str, macs: int, gflops: float, slots: int, fmt) -> str:
    """The engine (``engine``: its title), device and threads, the wait for an inference slot, and
    the achieved GFLOP/s = 2 × MACs ÷ the inference median (``gflops``, ``macs`` of one 224×224
    image; ``fmt`` writes a count: 300.8M) and the images/s it means at batch 1."""
    median = report.timing_ms["inference_median"]
    return (
        f"Engine **{engine}** on {report.device}, {plural(report.threads, 'thread')} · "
        f"waited {report.queued_ms:.0f} ms for a free inference slot (at most {slots} at once) · "
        f"achieved **{gflops:.1f} GFLOP/s** = 2 × {fmt(macs)} MACs ÷ {median:.1f} ms "
        f"(FLOPs = 2 × MACs) · {1000 / median:.0f} images/s at batch 1."
    )


def reused_caption(report) -> str | None:
    """How many results were kept from earlier in the session (None when none were)."""
    reused = sum(r.reused for r in report.results if r.error is None)
    if not reused:
        return None
    return (
        f"{reused} of {_classified(report)} images were timed earlier in this session with the "
        "same settings and are not run again."
    )


# --- the three buttons --------------------------------------------------------------------------

# Six columns fit at 1280 px; "× ONNX Runtime" and "build (s)" stay in the data (and the CSV).
ENGINE_COLUMNS = (
    "engine",
    "median (ms)",
    "p90 (ms)",
    "speed-up vs eager",
    "top-5 = eager's",
    "max prob. diff vs eager",
)
ENGINE_FORMATS = {
    "median (ms)": "%.2f",
    "p90 (ms)": "%.2f",
    "× ONNX Runtime": "%.2f×",
    "speed-up vs eager": "%.2f×",
    "max prob. diff vs eager": "%.1e",
    "build (s)": "%.1f",
}


def engine_rows(comparison) -> list[dict]:
    """One row per engine (``EngineComparison`` list): median and p90 at batch 1, ratios to ONNX
    Runtime and eager, agreement with eager, build time, and the error of an engine that failed."""
    return [
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
    ]


def engine_columns(comparison) -> tuple[str, ...]:
    """The columns shown: :data:`ENGINE_COLUMNS`, plus "error" when an engine failed."""
    return ENGINE_COLUMNS + (("error",) if any(c.error for c in comparison) else ())


def engine_caption(name: str, runs: int) -> str:
    """What the engines were timed on (``name``: the photo, escaped)."""
    return (
        f"Same input ({name}), batch 1, {runs} timed runs each, one engine at a time. The float "
        "engines compute the same function; int8 differs from them by its rounding (its top-5 and "
        "probabilities are compared with eager's in the table)."
    )


def profile_text(shares, threads: int) -> str:
    """The depthwise convs' share of MACs vs their share of the time (``KindShare`` list from the
    per-layer profile): a depthwise output value needs D_K² = 9 multiply-adds, a pointwise one M
    (MobileNetV2 Table 2: 16 to 960 input channels), so depthwise layers are memory-bound."""
    dw = next(s for s in shares if s.kind == "depthwise")
    return (
        f"The {dw.layers} depthwise convolutions do **{dw.mac_share * 100:.1f}% of the MACs** but "
        f"take **{dw.time_share * 100:.1f}% of the time**: each output value needs only D_K² = 9 "
        "multiply-adds (a pointwise conv needs M = 16 to 960), so they wait on memory rather than "
        f"arithmetic. Eager PyTorch, batch 1, median of 5 runs, {plural(threads, 'thread')}: the "
        "time share depends on the thread count (the 1×1 convs gain more from extra threads). Each "
        "layer's time includes its BatchNorm and ReLU6 (and the residual add after a projection)."
    )


def batch_metrics(timing, batch1_ms: float) -> list[Metric]:
    """All photos as one batch (a ``BatchTiming``): its size, latency and throughput against the
    batch-1 throughput 1000 / ``batch1_ms`` images/s (the delta: + faster, − slower). The help says
    where batch 1 comes from; with one photo both are batch 1, timed at different moments."""
    gain = timing.images_per_s / (1000 / batch1_ms)
    reference = (
        f"Batch {timing.batch_size}: {timing.batch_size} ÷ the batch latency. Batch 1: 1000 ÷ the "
        f"inference median above ({batch1_ms:.1f} ms), timed when the photos were classified."
    )
    if timing.batch_size == 1:
        reference += (
            " With one photo both are batch 1, timed at different moments: the difference is the "
            "load on the server, not batching."
        )
    return [
        Metric("Batch size", timing.batch_size),
        Metric("Batch latency (median)", ms(timing.median_ms)),
        Metric(
            "Throughput",
            f"{timing.images_per_s:.0f} images/s",
            help=reference,
            delta=f"{(gain - 1) * 100:+.0f}% vs batch 1 ({gain:.2f}×)",
        ),
    ]
