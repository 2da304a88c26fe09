"""Where MobileNetV2's time goes: per-layer latency grouped by layer type, next to MAC share.

Layer types (Howard et al., arXiv:1704.04861, section 3.1; Sandler et al., arXiv:1801.04381,
section 3.3):

- ``depthwise``: a D_K x D_K conv with one filter per channel (groups = M);
  MACs = D_K * D_K * M * D_O * D_O;
- ``pointwise``: a 1x1 conv (expansion or linear projection); MACs = M * N * D_O * D_O;
- ``other``: the first standard 3x3 conv and the final fully connected layer.

In MobileNetV2 the depthwise convs hold 6.9% of the 300.8M MACs (20.7M, architectures.build)
yet take a much larger share of the time on CPUs: they do little arithmetic per byte of memory
moved, so they are memory bound. How much larger depends on the thread count (the 1x1 convs
speed up with threads more than the depthwise ones do), so the share is always reported with it. The profile runs the eager model (a private copy with hooks; the shared model is never
touched): a timestamp is taken before every conv/linear layer, and the time until the next one is
charged to it, so each conv's time includes its BatchNorm, ReLU6 and residual add.
MACs = multiply-accumulates of conv and FC layers (FLOPs = 2 x MACs).
"""

from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from mobilenet_viz.runtime.serving import inference_slot

KINDS = ("pointwise", "depthwise", "other")


def layer_kind(module: nn.Module) -> str:
    """'depthwise', 'pointwise' or 'other' for a conv / linear layer."""
    if isinstance(module, nn.Conv2d):
        if module.groups > 1 and module.groups == module.in_channels:
            return "depthwise"
        if tuple(module.kernel_size) == (1, 1) and module.groups == 1:
            return "pointwise"
    return "other"


def _layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    """MACs of one conv/linear for ONE image: output elements x (M / groups) x D_K x D_K."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        per_output = (module.in_channels // module.groups) * kh * kw
        return int(output[0].numel()) * per_output
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


@dataclass(frozen=True)
class LayerProfile:
    name: str  # module path, e.g. "features.3.conv.1.0"
    kind: str
    macs: int  # per image
    ms: float  # median over runs (includes the BN/ReLU6/add that follow it)


def _measured_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def profile_layers(
    model: nn.Module, batch: torch.Tensor, *, runs: int = 5, warmup: int = 1
) -> list[LayerProfile]:
    """Median per-layer latency (ms) and MACs of ``model`` on ``batch`` (eager, CPU/GPU as is)."""
    private = copy.deepcopy(model).eval()
    layers = _measured_layers(private)
    names = [n for n, _ in layers]
    marks: list[tuple[int, float]] = []
    macs = [0] * len(layers)
    cuda = batch.is_cuda

    def now() -> float:
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def pre_hook(index):
        def hook(_module, _inputs):
            marks.append((index, now()))

        return hook

    def post_hook(index):
        def hook(module, _inputs, output):
            macs[index] = _layer_macs(module, output)

        return hook

    for i, (_, module) in enumerate(layers):
        module.register_forward_pre_hook(pre_hook(i))
        module.register_forward_hook(post_hook(i))
    samples: list[list[float]] = [[] for _ in layers]
    with (
        inference_slot(),
        torch.inference_mode(),
    ):  # the process-wide slot, like every torch entry point
        for run in range(warmup + runs):
            marks.clear()
            private(batch)
            end = now()
            if run < warmup:
                continue
            stamps = marks + [(-1, end)]
            for (index, t0), (_, t1) in zip(stamps, stamps[1:], strict=False):
                samples[index].append((t1 - t0) * 1e3)
    return [
        LayerProfile(
            names[i], layer_kind(layers[i][1]), macs[i], float(statistics.median(samples[i]))
        )
        for i in range(len(layers))
    ]


def model_macs(model: nn.Module, input_size: int = 224) -> int:
    """Total MACs of one image through ``model`` (conv + FC), counted from the real layer shapes."""
    private = copy.deepcopy(model).eval()
    total = [0]

    def hook(module, _inputs, output):
        total[0] += _layer_macs(module, output)

    for _, module in _measured_layers(private):
        module.register_forward_hook(hook)
    with inference_slot(), torch.inference_mode():
        private(torch.zeros(1, 3, input_size, input_size))
    return total[0]


@dataclass(frozen=True)
class KindShare:
    kind: str
    layers: int
    macs: int
    ms: float
    mac_share: float  # fraction of all MACs
    time_share: float  # fraction of the profiled time


def group_by_kind(profile: list[LayerProfile]) -> list[KindShare]:
    """Sum MACs and time per layer type, with each type's share of the total."""
    total_macs = sum(p.macs for p in profile) or 1
    total_ms = sum(p.ms for p in profile) or 1.0
    rows = []
    for kind in KINDS:
        members = [p for p in profile if p.kind == kind]
        macs = sum(p.macs for p in members)
        ms = sum(p.ms for p in members)
        rows.append(KindShare(kind, len(members), macs, ms, macs / total_macs, ms / total_ms))
    return rows
