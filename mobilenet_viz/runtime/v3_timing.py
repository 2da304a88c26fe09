"""MobileNetV3's measured costs on this CPU: the nonlinearities and the two last stages.

Howard et al., "Searching for MobileNetV3", arXiv:1905.02244v5:
- section 5.2: sigmoid "is much more expensive to compute on mobile devices", so V3 uses
  hard-sigmoid / h-swish, and "the cost of applying nonlinearity decreases as we go deeper into the
  network, since each layer activation memory typically halves every time the resolution drops",
  so h-swish is used "only ... at the second half of the model";
- section 5.1 / Figure 5: the efficient last stage "reduces the latency by 7 milliseconds which is
  11% of the running time" (on a Pixel phone's CPU, TFLite) and 30M MAdds.

Here both are measured with torch on this machine: batch 1, one thread, inside the process-wide
inference slot (so students' timings do not overlap), warm-up then ``runs`` rounds in which every
candidate runs once (interleaved, so a noisy moment hits all alike); the result is the median.
Never cache these numbers: they are measurements of the moment.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from mobilenet_viz.analytic.v3_block import DEFAULT_LAST_STAGE, LastStageConfig, last_stage
from mobilenet_viz.runtime.serving import inference_slot

# Activation tensors from V3-Large: the first bneck's input (112x112x16) and the last bnecks'
# expanded tensor (7x7x960). Shapes are (C, H, W).
ACTIVATION_SHAPES = ((16, 112, 112), (960, 7, 7))
MAX_RUNS = 500
MAX_ELEMENTS = 8_000_000  # per activation tensor (32 MB fp32)

ACTIVATION_OPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "ReLU6": F.relu6,
    "sigmoid": torch.sigmoid,
    "hard-sigmoid": F.hardsigmoid,
    "swish": F.silu,  # x * sigmoid(x), fused
    "h-swish": F.hardswish,  # x * ReLU6(x + 3) / 6, fused
}


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch intra-op threads = 1 for the block (restored after); call inside the inference slot."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def _interleaved_medians(
    candidates: dict[str, Callable[[], object]], runs: int, warmup: int
) -> dict[str, float]:
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(runs):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(values) for name, values in samples.items()}


def _check_runs(runs: int) -> None:
    if not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise ValueError(f"runs must be a whole number in 1..{MAX_RUNS}, got {runs!r}")


@dataclass(frozen=True)
class ActivationTiming:
    name: str
    shape: tuple[int, int, int]  # (C, H, W)
    median_ms: float
    runs: int

    @property
    def elements(self) -> int:
        c, h, w = self.shape
        return c * h * w

    @property
    def ns_per_element(self) -> float:
        return self.median_ms * 1e6 / self.elements

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "elements": self.elements,
            "median_ms": self.median_ms,
            "ns_per_element": self.ns_per_element,
            "runs": self.runs,
        }


@torch.inference_mode()
def time_activations(
    shapes: Sequence[tuple[int, int, int]] = ACTIVATION_SHAPES,
    runs: int = 50,
    warmup: int = 3,
    seed: int = 0,
) -> list[ActivationTiming]:
    """Median time of each activation (out of place, fp32, batch 1) on a N(0, 3^2) tensor of each shape.

    The values span the interesting range of h-swish (-3..3) and beyond. One thread, in the slot.
    """
    _check_runs(runs)
    shapes = [tuple(int(v) for v in s) for s in shapes]
    for shape in shapes:
        if len(shape) != 3 or min(shape) < 1 or shape[0] * shape[1] * shape[2] > MAX_ELEMENTS:
            raise ValueError(
                f"shape {shape} must be (C, H, W) with at most {MAX_ELEMENTS:,} elements"
            )
    generator = torch.Generator().manual_seed(seed)
    tensors = [torch.randn(1, *shape, generator=generator) * 3 for shape in shapes]
    out = []
    with inference_slot(), one_thread():
        for shape, x in zip(shapes, tensors, strict=True):
            candidates = {name: (lambda fn=fn, x=x: fn(x)) for name, fn in ACTIVATION_OPS.items()}
            medians = _interleaved_medians(candidates, runs, warmup)
            out += [ActivationTiming(name, shape, ms, runs) for name, ms in medians.items()]
    return out


def build_last_stage(kind: str, config: LastStageConfig = DEFAULT_LAST_STAGE) -> nn.Sequential:
    """Figure 5's last stage as torch modules (fresh random weights, eval mode), built from the config.

    original:  Conv1x1+BN+Hardswish, dw Conv+BN+Hardswish, Conv1x1+BN, Conv1x1+BN+Hardswish,
               AdaptiveAvgPool, Conv1x1(+bias);
    efficient: Conv1x1+BN+Hardswish, AdaptiveAvgPool, Conv1x1(+bias)+Hardswish, Conv1x1(+bias) --
               torchvision's mobilenet_v3_large tail (``features[-1]``, ``avgpool``, classifier).
    """
    last_stage(kind, config)  # validates the config and the kind
    m, e, b, f, k = (
        config.in_channels,
        config.expanded_channels,
        config.bottleneck_channels,
        config.feature_channels,
        config.num_classes,
    )
    dk = config.kernel

    def cba(cin: int, cout: int, act: bool, kernel: int = 1, groups: int = 1) -> list[nn.Module]:
        layers = [
            nn.Conv2d(cin, cout, kernel, 1, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        ]
        return layers + ([nn.Hardswish()] if act else [])

    if kind == "original":
        layers = [
            *cba(m, e, True),
            *cba(e, e, True, dk, e),
            *cba(e, b, False),
            *cba(b, f, True),
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(f, k, 1),
        ]
    else:
        layers = [
            *cba(m, e, True),
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(e, f, 1),
            nn.Hardswish(),
            nn.Conv2d(f, k, 1),
        ]
    return nn.Sequential(*layers).eval()


@dataclass(frozen=True)
class LastStageTiming:
    original_ms: float
    efficient_ms: float
    runs: int
    network_ms: float | None = (
        None  # the whole MobileNetV3-Large (efficient stage) at 224x224, if timed
    )

    @property
    def saved_share(self) -> float | None:
        """Saved time as a share of the whole network built with the *original* stage
        (network - efficient + original), the paper's "11% of the running time"."""
        if self.network_ms is None:
            return None
        return self.saved_ms / (self.network_ms - self.efficient_ms + self.original_ms)

    @property
    def saved_ms(self) -> float:
        return self.original_ms - self.efficient_ms

    @property
    def speedup(self) -> float:
        return self.original_ms / self.efficient_ms

    def as_dict(self) -> dict:
        return {
            "original_ms": self.original_ms,
            "efficient_ms": self.efficient_ms,
            "saved_ms": self.saved_ms,
            "speedup": self.speedup,
            "runs": self.runs,
            "network_ms": self.network_ms,
            "saved_share": self.saved_share,
        }


@torch.inference_mode()
def time_last_stages(
    config: LastStageConfig = DEFAULT_LAST_STAGE,
    runs: int = 30,
    warmup: int = 3,
    seed: int = 0,
    network: nn.Module | None = None,
) -> LastStageTiming:
    """Median time of the original and efficient last stage on one (1, M, 7, 7) input, eager torch;
    with ``network`` (a MobileNetV3-Large, only run, never changed) also the whole network at 224x224."""
    _check_runs(runs)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        original, efficient = (
            build_last_stage("original", config),
            build_last_stage("efficient", config),
        )
        x = torch.randn(1, config.in_channels, config.input_size, config.input_size)
        image = torch.randn(1, 3, 224, 224)
    candidates = {"original": lambda: original(x), "efficient": lambda: efficient(x)}
    if network is not None:
        candidates["network"] = lambda: network(image)
    with inference_slot(), one_thread():
        medians = _interleaved_medians(candidates, runs, warmup)
    return LastStageTiming(medians["original"], medians["efficient"], runs, medians.get("network"))
