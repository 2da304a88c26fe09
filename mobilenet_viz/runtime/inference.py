"""Classify images with MobileNetV2 and time every step honestly.

Engines (the three float ones compute the same function, :data:`FLOAT_ENGINES`; tests check top-5
identical and probabilities within 1e-3; ``int8`` approximates it):

- ``eager``: the torchvision module as is (``torch.inference_mode``);
- ``optimized``: the module traced, ``torch.jit.freeze``-d and ``optimize_for_inference``-d
  (BatchNorm folded into the convs, ReLU6 fused, oneDNN kernels): the fastest pure-torch option
  measured here (``benchmarks/inference_engines.py``); ``torch.compile`` warms up for minutes;
- ``onnx``: a one-time ``torch.onnx.export`` run by ONNX Runtime (graph optimisations + MLAS).
- ``int8``: that export statically quantized to int8 (:mod:`mobilenet_viz.runtime.quantization`: uint8
  activations, per-channel int8 weights, calibrated on the sample photos), run by ONNX Runtime.

:func:`default_engine` is ``onnx`` when onnxruntime imports (it was the fastest in every
measurement on this project's CPUs), else ``optimized``. Each engine is built once per model by
:class:`EngineSet` (lazily, thread-safe) and reused.

Timing (:func:`classify`): decode, preprocess and postprocess are timed once per image;
inference gets ``warmup`` untimed runs, then ``runs`` timed runs per image at batch size 1;
median and p90 are over all timed runs. CUDA is used when available (the clock is read after
``torch.cuda.synchronize()``). A process-wide semaphore (:data:`MAX_CONCURRENT`, env
``MOBILENET_VIZ_MAX_CONCURRENT``, default 1) lets only that many timed inferences run at once,
so 30 students sharing 2 cores queue instead of oversubscribing the cores and timing each
other's work; the wait is reported separately as ``queued``. Decoding an upload takes the same
slot (a decode-time bomb cannot run on 30 script threads at once), at most
``images.MAX_PIXELS_PER_RUN`` pixels per :func:`classify` call and at most
:data:`KEPT_IMAGE_SIDE` pixels on the longest side (JPEGs are decoded at reduced scale).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import statistics
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image

from mobilenet_viz.inputs.images import DecodedImage, ImageDecodeError, PixelBudget, decode_image
from mobilenet_viz.runtime.weights import LoadedModel

ENGINES = ("eager", "optimized", "onnx", "int8")
FLOAT_ENGINES = ("eager", "optimized", "onnx")  # same function; int8 approximates it
ENGINE_TITLES = {
    "eager": "eager PyTorch",
    "optimized": "TorchScript frozen + optimize_for_inference",
    "onnx": "ONNX Runtime",
    "int8": "int8 ONNX Runtime (static quantization)",
}
ENV_MAX_CONCURRENT = "MOBILENET_VIZ_MAX_CONCURRENT"
MAX_RUNS = 1000
KEPT_IMAGE_SIDE = (
    1024  # photos are decoded (and kept for ``classify(reuse=...)``) at most this longest side
)
INPUT_SIZE = 224


ENV_THREADS = "MOBILENET_VIZ_THREADS"


def _env_int(name: str, default: int) -> int:
    """A positive integer from the environment; ``default`` when unset or not a positive integer."""
    try:
        value = int(os.environ.get(name, str(default)))
    except ValueError:
        return default
    return value if value >= 1 else default


def serving_threads() -> int:
    """Threads one inference may use in the app: env ``MOBILENET_VIZ_THREADS``, default 1.

    One thread, because a server is shared: with two OpenMP threads per inference, a CAM pass that
    takes 30 ms on a quiet 2-core machine took 2.1 s while two other processes kept the cores busy
    (a descheduled thread stalls its partner at every barrier); with one thread it took 87 ms.
    Throughput then comes from running up to :data:`MAX_CONCURRENT` inferences side by side.
    """
    return _env_int(ENV_THREADS, 1)


def use_serving_threads() -> int:
    """Set torch's (and so the ONNX engine's) intra-op threads to :func:`serving_threads`."""
    threads = serving_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def _max_concurrent() -> int:
    return _env_int(ENV_MAX_CONCURRENT, 1)


MAX_CONCURRENT = _max_concurrent()
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT)


class EngineUnavailable(ValueError):
    """An engine cannot be built here (e.g. onnxruntime missing); the message says why."""


_HELD = threading.local()  # how deep this thread is inside inference_slot()


@contextlib.contextmanager
def inference_slot() -> Iterator[dict[str, float]]:
    """Hold one of the :data:`MAX_CONCURRENT` inference slots; yields {'queued_ms': wait}.

    Re-entrant per thread: a library function that takes the slot itself (layer timing, feature
    maps, profiling) may be called by a page that already holds it, without waiting on itself.
    """
    depth = getattr(_HELD, "depth", 0)
    if depth:
        _HELD.depth = depth + 1
        try:
            yield {"queued_ms": 0.0}
        finally:
            _HELD.depth = depth
        return
    start = time.perf_counter()
    _SLOTS.acquire()
    info = {"queued_ms": (time.perf_counter() - start) * 1e3}
    _HELD.depth = 1
    try:
        yield info
    finally:
        _HELD.depth = 0
        _SLOTS.release()


def onnx_available() -> bool:
    """True when onnxruntime (and the ONNX exporter's dependency onnx) import."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return False
    return True


def default_engine() -> str:
    """The app's default: ONNX Runtime when it imports, else the optimized TorchScript engine."""
    return "onnx" if onnx_available() else "optimized"


def best_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def device_name(device: torch.device | str) -> str:
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({os.cpu_count()} cores visible)"


@dataclass(frozen=True, eq=False)
class Engine:
    """A ready engine: ``run(batch NCHW float32) -> logits`` (a CPU float tensor)."""

    name: str
    run: Callable[[torch.Tensor], torch.Tensor] = field(repr=False)
    device: str
    build_s: float
    threads: int

    @property
    def title(self) -> str:
        return ENGINE_TITLES[self.name]

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()


def _example(device: torch.device) -> torch.Tensor:
    return torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE, device=device)


def _build_eager(model: torch.nn.Module, device: torch.device) -> Callable:
    if device.type != "cpu":
        model = copy.deepcopy(model).to(device)

    def run(batch: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return model(batch.to(device, non_blocking=True)).float().cpu()

    return run


def _build_optimized(model: torch.nn.Module, device: torch.device) -> Callable:
    private = copy.deepcopy(model).to(device).eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(private, _example(device))
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        for batch in (1, 1, 1, 2):  # the profiling executor specialises over the first runs
            frozen(torch.zeros(batch, 3, INPUT_SIZE, INPUT_SIZE, device=device))

    def run(batch: torch.Tensor) -> torch.Tensor:
        with (
            torch.no_grad()
        ):  # TorchScript modules do not support inference_mode tensors everywhere
            return frozen(batch.to(device, non_blocking=True)).float().cpu()

    return run


def export_onnx(model: torch.nn.Module) -> bytes:
    """``torch.onnx.export`` of ``model`` (dynamic batch) into bytes: input 'image', output 'logits'."""
    private = copy.deepcopy(model).cpu().eval()
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            private,
            (_example(torch.device("cpu")),),
            buffer,
            input_names=["image"],
            output_names=["logits"],
            dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()


def _build_onnx(model: torch.nn.Module, device: torch.device) -> tuple[Callable, str]:
    if not onnx_available():
        raise EngineUnavailable(
            "the onnx engine needs the packages onnx and onnxruntime (pip install onnxruntime onnx)"
        )
    import onnxruntime as ort

    try:
        data = export_onnx(model)
    except Exception as exc:  # noqa: BLE001 - exporter failures vary by version
        raise EngineUnavailable(f"ONNX export failed: {exc}") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    providers = ["CPUExecutionProvider"]
    if device.type == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, "CUDAExecutionProvider")
    session = ort.InferenceSession(data, options, providers=providers)
    used = (
        "cuda (onnxruntime)"
        if session.get_providers()[0] == "CUDAExecutionProvider"
        else "cpu (onnxruntime)"
    )

    def run(batch: torch.Tensor) -> torch.Tensor:
        array = batch.detach().cpu().numpy().astype(np.float32, copy=False)
        return torch.from_numpy(session.run(["logits"], {"image": array})[0])

    return run, used


def _build_int8(loaded: LoadedModel) -> tuple[Callable, str]:
    """ONNX Runtime on the statically quantized model (:mod:`mobilenet_viz.runtime.quantization`; CPU only)."""
    from mobilenet_viz.runtime import quantization

    try:
        int8 = quantization.quantized(loaded)
    except quantization.QuantizationUnavailable as exc:
        raise EngineUnavailable(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - exporter/quantizer failures vary by version
        raise EngineUnavailable(f"int8 quantization failed: {exc}") from None
    session = int8.session()

    def run(batch: torch.Tensor) -> torch.Tensor:
        array = batch.detach().cpu().numpy().astype(np.float32, copy=False)
        return torch.from_numpy(session.run(["logits"], {"image": array})[0])

    return run, "cpu (onnxruntime, int8)"


_BUILD_LOCK = (
    threading.Lock()
)  # one engine build at a time in the whole process (see EngineSet.get)


class EngineSet:
    """The engines for one loaded model, each built on first use and then reused (thread-safe)."""

    def __init__(self, loaded: LoadedModel, device: torch.device | str | None = None):
        self.loaded = loaded
        self.device = torch.device(device) if device is not None else best_device()
        self._engines: dict[str, Engine] = {}
        self._failures: dict[str, str] = {}
        self._lock = threading.Lock()

    def available(self) -> list[str]:
        return [name for name in ENGINES if name not in ("onnx", "int8") or onnx_available()]

    def get(self, name: str) -> Engine:
        """The engine ``name``; raises ``ValueError`` for an unknown name, :class:`EngineUnavailable`."""
        if name not in ENGINES:
            raise ValueError(f"unknown engine '{name}'; choose one of {', '.join(ENGINES)}")
        with self._lock:
            if name in self._engines:
                return self._engines[name]
            if name in self._failures:
                raise EngineUnavailable(self._failures[name])
        # torch.jit.trace and torch.onnx.export keep process-global state: two sessions building at
        # once (both uploaded weights) failed with "GLOBALS.in_onnx_export must be False", so every
        # build in the process takes one lock; a cached engine is returned without waiting for it.
        with _BUILD_LOCK, self._lock:
            if name in self._engines:
                return self._engines[name]
            if name in self._failures:
                raise EngineUnavailable(self._failures[name])
            start = time.perf_counter()
            model = self.loaded.model
            try:
                if name == "eager":
                    run, where = _build_eager(model, self.device), str(self.device)
                elif name == "optimized":
                    run, where = _build_optimized(model, self.device), str(self.device)
                elif name == "int8":
                    run, where = _build_int8(self.loaded)
                else:
                    run, where = _build_onnx(model, self.device)
            except EngineUnavailable as exc:
                self._failures[name] = str(exc)
                raise
            engine = Engine(name, run, where, time.perf_counter() - start, torch.get_num_threads())
            self._engines[name] = engine
            return engine

    def get_or_fallback(self, name: str) -> tuple[Engine, str | None]:
        """``get(name)``, or the optimized engine with a note saying why ``name`` is unavailable."""
        try:
            return self.get(name), None
        except EngineUnavailable as exc:
            return self.get("optimized"), f"{name} engine unavailable ({exc}); using optimized"


# --- preprocessing / postprocessing -------------------------------------------------------------


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


def check_settings(top: int, runs: int, warmup: int = 0) -> None:
    if not 1 <= top <= 1000:
        raise ValueError(f"--top must be between 1 and 1000, got {top}")
    if not 1 <= runs <= MAX_RUNS:
        raise ValueError(f"--runs must be between 1 and {MAX_RUNS}, got {runs}")
    if not 0 <= warmup <= MAX_RUNS:
        raise ValueError(f"warm-up runs must be between 0 and {MAX_RUNS}, got {warmup}")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (linear interpolation, numpy's default)."""
    return float(np.percentile(np.asarray(values, dtype=float), q))


def time_runs(
    engine: Engine, batch: torch.Tensor, runs: int, warmup: int
) -> tuple[list[float], torch.Tensor]:
    """``warmup`` untimed then ``runs`` timed calls; returns (times in ms, last logits)."""
    logits = None
    for _ in range(warmup):
        logits = engine.run(batch)
    times = []
    for _ in range(runs):
        engine.sync()
        start = time.perf_counter()
        logits = engine.run(batch)
        engine.sync()
        times.append((time.perf_counter() - start) * 1e3)
    return times, logits


# --- classification ----------------------------------------------------------------------------


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
            times, logits = time_runs(chosen, result.tensor.unsqueeze(0), runs, warmup)
        result.inference_runs_ms = times
        result.timing_ms["inference_median"] = _median(times)
        result.timing_ms["inference_p90"] = percentile(times, 90)
        start = time.perf_counter()
        result.top, result.probs = top_k(loaded, logits[0], top)
        result.timing_ms["postprocess"] = (time.perf_counter() - start) * 1e3
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


@dataclass(frozen=True)
class BatchTiming:
    engine: str
    batch_size: int
    median_ms: float
    p90_ms: float
    images_per_s: float
    queued_ms: float


def time_batch(
    engine: Engine, tensors: Sequence[torch.Tensor], *, runs: int = 5, warmup: int = 1
) -> tuple[BatchTiming, torch.Tensor]:
    """All images in one batch: (timing with images/s from the median, logits [B, 1000])."""
    if not tensors:
        raise ValueError("no images to batch")
    check_settings(1, runs, warmup)
    batch = torch.stack(list(tensors))
    with inference_slot() as slot:
        times, logits = time_runs(engine, batch, runs, warmup)
    median = float(statistics.median(times))
    timing = BatchTiming(
        engine.name,
        len(tensors),
        median,
        percentile(times, 90),
        len(tensors) / (median / 1e3),
        slot["queued_ms"],
    )
    return timing, logits


@dataclass(frozen=True)
class EngineComparison:
    engine: str
    title: str
    median_ms: float | None
    p90_ms: float | None
    ratio_to_onnx: float | None  # median / onnx median
    speedup_vs_eager: float | None  # eager median / median
    top5_matches_eager: bool | None
    max_prob_diff_vs_eager: float | None
    build_s: float | None
    error: str | None = None


def compare_engines(
    engines: EngineSet, tensor: torch.Tensor, *, runs: int = 20, warmup: int = 3
) -> list[EngineComparison]:
    """Every engine on the same 1x3x224x224 input, one after another under one slot."""
    check_settings(1, runs, warmup)
    batch = tensor.unsqueeze(0) if tensor.dim() == 3 else tensor
    measured: dict[str, tuple[list[float], torch.Tensor, Engine]] = {}
    errors: dict[str, str] = {}
    for name in ENGINES:
        try:
            engines.get(name)  # build outside the timed section
        except EngineUnavailable as exc:
            errors[name] = str(exc)
    with inference_slot():
        for name in ENGINES:
            if name in errors:
                continue
            engine = engines.get(name)
            times, logits = time_runs(engine, batch, runs, warmup)
            measured[name] = (times, logits, engine)
    ref_probs = torch.softmax(measured["eager"][1].float(), dim=1)
    ref_top5 = torch.topk(ref_probs, 5, dim=1).indices
    onnx_median = statistics.median(measured["onnx"][0]) if "onnx" in measured else None
    eager_median = statistics.median(measured["eager"][0])
    rows = []
    for name in ENGINES:
        if name not in measured:
            rows.append(
                EngineComparison(
                    name,
                    ENGINE_TITLES[name],
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    errors[name],
                )
            )
            continue
        times, logits, engine = measured[name]
        median = float(statistics.median(times))
        probs = torch.softmax(logits.float(), dim=1)
        rows.append(
            EngineComparison(
                engine=name,
                title=ENGINE_TITLES[name],
                median_ms=median,
                p90_ms=percentile(times, 90),
                ratio_to_onnx=median / onnx_median if onnx_median else None,
                speedup_vs_eager=eager_median / median,
                top5_matches_eager=bool(torch.equal(torch.topk(probs, 5, dim=1).indices, ref_top5)),
                max_prob_diff_vs_eager=float((probs - ref_probs).abs().max()),
                build_s=engine.build_s,
            )
        )
    return rows


def achieved_gflops(macs: int, batch_size: int, seconds: float) -> float:
    """Achieved GFLOP/s = 2 x MACs x batch / time (FLOPs = 2 x multiply-accumulates)."""
    return 2.0 * macs * batch_size / seconds / 1e9


def report_rows(report: ClassifyReport) -> list[dict[str, object]]:
    """One flat row per image (for the results table and its CSV download)."""
    rows = []
    for r in report.results:
        row: dict[str, object] = {"image": r.name, "error": r.error or ""}
        for rank in range(5):
            has = r.top is not None and rank < len(r.top)
            row[f"top{rank + 1}_label"] = r.top[rank].label if has else ""
            row[f"top{rank + 1}_prob"] = round(r.top[rank].prob, 6) if has else None
        for step in ("decode", "preprocess", "inference_median", "inference_p90", "postprocess"):
            value = r.timing_ms.get(step)
            row[f"{step}_ms"] = round(value, 3) if value is not None else None
        row["engine"] = report.engine
        rows.append(row)
    return rows


def rows_to_csv(rows: list[dict[str, object]]) -> str:
    """Rows (same keys) -> CSV text with a header line."""
    import csv

    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
