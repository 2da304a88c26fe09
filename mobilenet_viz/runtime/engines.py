"""The engines that run MobileNetV2, each built once per model and reused.

The three float engines compute the same function (:data:`FLOAT_ENGINES`; tests check top-5
identical and probabilities within 1e-3); ``int8`` approximates it:

- ``eager``: the torchvision module as is (``torch.inference_mode``);
- ``optimized``: the module traced, ``torch.jit.freeze``-d and ``optimize_for_inference``-d
  (BatchNorm folded into the convs, ReLU6 fused, oneDNN kernels); ``torch.compile`` warms up for
  minutes, so it is not offered;
- ``onnx``: a one-time ``torch.onnx.export`` run by ONNX Runtime (graph optimisations + MLAS);
- ``int8``: that export statically quantized to int8 (:mod:`mobilenet_viz.runtime.quantization`:
  uint8 activations, per-channel int8 weights, calibrated on the sample photos), run by ONNX Runtime.

:func:`default_engine` is ``onnx`` when onnxruntime imports, else ``optimized`` (which is faster
here is measured by ``benchmarks/inference_engines.py``; README "Benchmarks"). :class:`EngineSet`
builds each engine lazily and thread-safely, one build at a time per process.

``eager`` and ``onnx`` also offer :attr:`Engine.run_with_features`: the same forward pass that
also returns MobileNetV2's last conv features F_k(x, y) (1280x7x7), from which
:mod:`mobilenet_viz.runtime.cam` takes the class activation map without a pass of its own. The
ONNX graph has both outputs; a timed run fetches only ``logits`` (same kernels, same logits).
"""

from __future__ import annotations

import copy
import io
import os
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torchvision.models import MobileNetV2

from mobilenet_viz.runtime import cam
from mobilenet_viz.runtime.weights import LoadedModel

ENGINES = ("eager", "optimized", "onnx", "int8")
FLOAT_ENGINES = ("eager", "optimized", "onnx")  # same function; int8 approximates it
ENGINE_TITLES = {
    "eager": "eager PyTorch",
    "optimized": "TorchScript frozen + optimize_for_inference",
    "onnx": "ONNX Runtime",
    "int8": "int8 ONNX Runtime (static quantization)",
}
INPUT_SIZE = 224


class EngineUnavailable(ValueError):
    """An engine cannot be built here (e.g. onnxruntime missing); the message says why."""


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
    # (logits, last conv features [B, 1280, 7, 7]) from one pass; None where not offered
    run_with_features: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = field(
        default=None, repr=False
    )

    @property
    def title(self) -> str:
        return ENGINE_TITLES[self.name]

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()


def _example(device: torch.device) -> torch.Tensor:
    return torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE, device=device)


def has_cam_features(model: nn.Module) -> bool:
    """True for a torchvision MobileNetV2 whose classifier has exactly one linear layer: its
    logits are that layer applied to the global average of ``model.features`` (what the CAM
    needs; Zhou et al. 2016, eq. 2)."""
    return isinstance(model, MobileNetV2) and cam.single_linear(model) is not None


class _LogitsAndFeatures(nn.Module):
    """torchvision's ``MobileNetV2.forward`` (features, global average pool, flatten, classifier),
    also returning the features it pooled."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.model.features(x)
        pooled = torch.flatten(nn.functional.adaptive_avg_pool2d(features, (1, 1)), 1)
        return self.model.classifier(pooled), features


def _build_eager(model: torch.nn.Module, device: torch.device) -> tuple[Callable, Callable | None]:
    if device.type != "cpu":
        model = copy.deepcopy(model).to(device)
    both = _LogitsAndFeatures(model) if has_cam_features(model) else None

    def run(batch: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return model(batch.to(device, non_blocking=True)).float().cpu()

    def run_with_features(batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.inference_mode():
            logits, features = both(batch.to(device, non_blocking=True))
            return logits.float().cpu(), features.float().cpu()

    return run, run_with_features if both is not None else None


def _build_optimized(model: torch.nn.Module, device: torch.device) -> Callable:
    private = copy.deepcopy(model).to(device).eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(private, _example(device))
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        for batch in (1, 1, 1, 2):  # the profiling executor specialises over the first runs
            frozen(torch.zeros(batch, 3, INPUT_SIZE, INPUT_SIZE, device=device))

    def run(batch: torch.Tensor) -> torch.Tensor:
        # TorchScript modules do not support inference_mode tensors everywhere
        with torch.no_grad():
            return frozen(batch.to(device, non_blocking=True)).float().cpu()

    return run


def export_onnx(model: torch.nn.Module, *, features: bool = False) -> bytes:
    """``torch.onnx.export`` of ``model`` (dynamic batch) into bytes: input 'image', output
    'logits' (and, with ``features``, a second output 'features': the last conv features)."""
    private = copy.deepcopy(model).cpu().eval()
    outputs = ["logits", "features"] if features else ["logits"]
    if features:
        private = _LogitsAndFeatures(private).eval()
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            private,
            (_example(torch.device("cpu")),),
            buffer,
            input_names=["image"],
            output_names=outputs,
            dynamic_axes={"image": {0: "batch"}, **{name: {0: "batch"} for name in outputs}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()


def _build_onnx(
    model: torch.nn.Module, device: torch.device
) -> tuple[Callable, Callable | None, str]:
    if not onnx_available():
        raise EngineUnavailable(
            "the onnx engine needs the packages onnx and onnxruntime (pip install onnxruntime onnx)"
        )
    import onnxruntime as ort

    features = has_cam_features(model)
    try:
        data = export_onnx(model, features=features)
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

    def run_with_features(batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        array = batch.detach().cpu().numpy().astype(np.float32, copy=False)
        logits, maps = session.run(["logits", "features"], {"image": array})
        return torch.from_numpy(logits), torch.from_numpy(maps)

    return run, run_with_features if features else None, used


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


_BUILD_LOCK = threading.Lock()  # one engine build at a time in the whole process (EngineSet.get)


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
            with_features = None  # optimized (a traced graph) and int8 (other numbers) offer none
            try:
                if name == "eager":
                    (run, with_features), where = _build_eager(model, self.device), str(self.device)
                elif name == "optimized":
                    run, where = _build_optimized(model, self.device), str(self.device)
                elif name == "int8":
                    run, where = _build_int8(self.loaded)
                else:
                    run, with_features, where = _build_onnx(model, self.device)
            except EngineUnavailable as exc:
                self._failures[name] = str(exc)
                raise
            engine = Engine(
                name,
                run,
                where,
                time.perf_counter() - start,
                torch.get_num_threads(),
                with_features,
            )
            self._engines[name] = engine
            return engine

    def get_or_fallback(self, name: str) -> tuple[Engine, str | None]:
        """``get(name)``, or the optimized engine with a note saying why ``name`` is unavailable."""
        try:
            return self.get(name), None
        except EngineUnavailable as exc:
            return self.get("optimized"), f"{name} engine unavailable ({exc}); using optimized"
