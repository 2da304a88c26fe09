"""Classify photos with MobileNetV2 at batch size 1, timing every step of every photo.

Decode, preprocess and postprocess are timed once per image; inference gets ``warmup`` untimed
runs, then ``runs`` timed runs per image (:func:`mobilenet_viz.runtime.timing.time_runs`); median
and p90 are over all timed runs. Decoding an upload takes an inference slot too (a decode-time
bomb cannot run on 30 script threads at once), at most ``images.MAX_PIXELS_PER_RUN`` pixels per
:func:`classify` call and at most :data:`KEPT_IMAGE_SIDE` pixels on the longest side (JPEGs are
decoded at reduced scale). Preprocessing is the weights' own torchvision ``transforms()``.

The class activation map of each image's top class (:attr:`ImageResult.cam`) comes from the first
warm-up run when the engine offers its features (``Engine.run_with_features``: eager, onnx): the
pass runs anyway and is not timed, so a CAM costs no forward pass of its own. With no warm-up, or
another engine, ``cam`` is None and a caller runs :func:`mobilenet_viz.runtime.cam.class_activation_map`.
"""

from __future__ import annotations

import copy
import hashlib
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image

from mobilenet_viz.inputs.images import DecodedImage, ImageDecodeError, PixelBudget, decode_image
from mobilenet_viz.runtime import cam as cams
from mobilenet_viz.runtime.engines import Engine, EngineSet, default_engine
from mobilenet_viz.runtime.serving import inference_slot
from mobilenet_viz.runtime.timing import check_settings, percentile, time_runs
from mobilenet_viz.runtime.weights import LoadedModel

KEPT_IMAGE_SIDE = 1024  # longest side a photo is decoded to (and kept at for ``reuse``)


def preprocess(loaded: LoadedModel, image: Image.Image) -> torch.Tensor:
    """RGB image -> the normalised 3x224x224 tensor (torchvision weights' ``transforms()``)."""
    return loaded.transforms(image)


def network_view(loaded: LoadedModel, tensor: torch.Tensor) -> Image.Image:
    """The 224x224 crop the network saw: the preprocessed tensor with the normalisation undone."""
    mean = torch.tensor(loaded.transforms.mean).view(3, 1, 1)
    std = torch.tensor(loaded.transforms.std).view(3, 1, 1)
    pixels = (tensor.detach().cpu() * std + mean).clamp(0, 1)
    array = (pixels.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    return Image.fromarray(array, "RGB")


@dataclass(frozen=True)
class Prediction:
    index: int
    label: str
    prob: float

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "label": self.label, "prob": self.prob}


def top_k(
    loaded: LoadedModel, logits: torch.Tensor, k: int = 5
) -> tuple[list[Prediction], np.ndarray]:
    """Softmax over the 1000 logits of one image -> the ``k`` most probable classes and all probs."""
    probs = torch.softmax(logits.float().reshape(-1), dim=0)
    values, indices = torch.topk(probs, k)
    top = [
        Prediction(int(i), loaded.categories[int(i)], float(v))
        for v, i in zip(values, indices, strict=True)
    ]
    return top, probs.numpy()


@dataclass
class ImageResult:
    """One image: its top-k (or an error), what the network saw, and its own timing (ms)."""

    name: str
    top: list[Prediction] | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    image: Image.Image | None = field(default=None, repr=False)
    tensor: torch.Tensor | None = field(default=None, repr=False)
    probs: np.ndarray | None = field(default=None, repr=False)
    timing_ms: dict[str, float] = field(default_factory=dict)
    inference_runs_ms: list[float] = field(default_factory=list, repr=False)
    size: tuple[int, int] | None = (
        None  # the photo's (width, height) in the file (``image`` may be smaller)
    )
    measured_at: float = 0.0  # time.time() when it was classified and timed
    reused: bool = False  # taken from ``classify(reuse=...)``: timed at ``measured_at``, not now
    extras: dict[str, object] = field(
        default_factory=dict, repr=False
    )  # what a caller derived (e.g. a CAM)
    cam: np.ndarray | None = field(
        default=None, repr=False
    )  # 7x7 CAM of top[0] from the warm-up run's features; None: the engine gives none

    def as_dict(self) -> dict[str, object]:
        return {
            "image": self.name,
            "top": [p.as_dict() for p in self.top] if self.top is not None else None,
            "error": self.error,
        }


@dataclass
class ClassifyReport:
    engine: str
    engine_note: str | None
    device: str
    threads: int
    runs: int
    warmup: int
    results: list[ImageResult]
    timing_ms: dict[str, float | None]
    queued_ms: float

    @property
    def ok(self) -> bool:
        return all(r.error is None for r in self.results)


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _timed(
    engine: Engine, batch: torch.Tensor, runs: int, warmup: int
) -> tuple[list[float], torch.Tensor, torch.Tensor | None]:
    """:func:`time_runs`, the first warm-up run also returning the last conv features when the
    engine offers them (untimed, so the timed runs are exactly what ``time_runs`` times)."""
    if warmup < 1 or engine.run_with_features is None:
        return *time_runs(engine, batch, runs, warmup), None
    _, features = engine.run_with_features(batch)
    return *time_runs(engine, batch, runs, warmup - 1), features


def classify(
    loaded: LoadedModel,
    engines: EngineSet,
    items: Sequence[tuple[str, bytes | DecodedImage]],
    *,
    engine: str | None = None,
    top: int = 5,
    runs: int = 10,
    warmup: int = 2,
    reuse: dict[str, ImageResult] | None = None,
) -> ClassifyReport:
    """Classify each (name, bytes) item at batch size 1 with timing; bad images get ``error``.

    ``timing_ms``: decode/preprocess/postprocess = median over images; inference_median /
    inference_p90 over all timed runs of all images (``warmup`` untimed runs per image first).

    ``reuse`` (one per user and model): an image classified by an earlier call with the same
    bytes, engine, top, runs and warm-up is taken from it (``reused=True``, timed at
    ``measured_at``) instead of being run and timed again; afterwards it holds exactly this
    call's images. A page that reruns on every click then times only the photos that are new.
    """
    check_settings(top, runs, warmup)
    chosen, note = engines.get_or_fallback(engine or default_engine())
    budget = PixelBudget()  # decoded pixels for this whole call (MAX_PIXELS_PER_RUN)
    results: list[ImageResult] = []
    queued = 0.0
    kept: dict[str, ImageResult] = {}
    for name, data in items:
        key = None
        if reuse is not None and isinstance(data, bytes):
            key = f"{chosen.name}|{top}|{runs}|{warmup}|{hashlib.sha256(data).hexdigest()}"
            earlier = reuse.get(key)
            if earlier is not None:
                result = copy.copy(earlier)
                result.name, result.reused = name, True
                results.append(result)
                kept[key] = earlier
                continue
        result = ImageResult(name=name, measured_at=time.time())
        results.append(result)
        if key is not None:
            kept[key] = result
        start = time.perf_counter()
        try:
            if isinstance(data, DecodedImage):
                decoded = data
            else:  # decoding is bounded like inference: it waits for a slot instead of 30 threads at once
                with inference_slot() as slot:
                    queued += slot["queued_ms"]
                    start = time.perf_counter()
                    decoded = decode_image(data, max_side=KEPT_IMAGE_SIDE, budget=budget)
        except ImageDecodeError as exc:
            result.error = str(exc)
            continue
        result.timing_ms["decode"] = (time.perf_counter() - start) * 1e3
        result.image, result.notes = decoded.image, decoded.notes
        result.size = decoded.original_size or decoded.image.size
        start = time.perf_counter()
        result.tensor = preprocess(loaded, decoded.image)
        result.timing_ms["preprocess"] = (time.perf_counter() - start) * 1e3
        with inference_slot() as slot:
            queued += slot["queued_ms"]
            times, logits, features = _timed(chosen, result.tensor.unsqueeze(0), runs, warmup)
        result.inference_runs_ms = times
        result.timing_ms["inference_median"] = _median(times)
        result.timing_ms["inference_p90"] = percentile(times, 90)
        start = time.perf_counter()
        result.top, result.probs = top_k(loaded, logits[0], top)
        result.timing_ms["postprocess"] = (time.perf_counter() - start) * 1e3
        if features is not None:  # 1280 x 49 multiply-adds, outside the slot
            result.cam = cams.from_features(loaded.model, features[0], result.top[0].index)
    if reuse is not None:
        for earlier in kept.values():  # what is kept lives as long as the session: no 40 MP photos
            if earlier.image is not None and max(earlier.image.size) > KEPT_IMAGE_SIDE:
                earlier.image = earlier.image.copy()
                earlier.image.thumbnail((KEPT_IMAGE_SIDE, KEPT_IMAGE_SIDE))
        reuse.clear()
        reuse.update(kept)
    every_run = [t for r in results for t in r.inference_runs_ms]
    timing: dict[str, float | None] = {
        step: _median([r.timing_ms[step] for r in results if step in r.timing_ms])
        for step in ("decode", "preprocess")
    }
    timing["inference_median"] = _median(every_run)
    timing["inference_p90"] = percentile(every_run, 90) if every_run else None
    timing["postprocess"] = _median(
        [r.timing_ms["postprocess"] for r in results if "postprocess" in r.timing_ms]
    )
    return ClassifyReport(
        engine=chosen.name,
        engine_note=note,
        device=chosen.device,
        threads=torch.get_num_threads(),
        runs=runs,
        warmup=warmup,
        results=results,
        timing_ms=timing,
        queued_ms=queued,
    )
