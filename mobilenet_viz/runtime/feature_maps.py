"""Real feature maps inside one MobileNetV2 bottleneck block, without hooks.

The model may be a shared, cached instance, so nothing here registers hooks on it or changes it:
``block_feature_maps`` runs ``model.features[:i]`` on the input, then steps through block i's own
``conv`` submodules (torchvision's ``InvertedResidual``: [expand], depthwise, project conv,
project BN) under ``torch.inference_mode``, and adds the residual when the block has one. The
result equals the block's own forward output (checked in tests).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mobilenet_viz.runtime.serving import inference_slot


def num_blocks(model: nn.Module) -> int:
    """Bottleneck blocks in a torchvision MobileNetV2: features[1 .. n] (17 for the standard one)."""
    return sum(1 for m in model.features if hasattr(m, "use_res_connect"))


def block_feature_maps(
    model: nn.Module, block: int, batch: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Activations around bottleneck ``block`` (1-based, = ``model.features[block]``).

    Returns {"input", "expand" (absent when t = 1), "depthwise", "project", "output"}, each a
    (C, H, W) tensor for the first image of ``batch``. "expand" and "depthwise" are after ReLU6,
    "project" is the linear bottleneck (after BN, no activation), "output" adds the residual.
    """
    count = num_blocks(model)
    if not 1 <= block <= count:
        raise ValueError(f"block must be in 1..{count}, got {block}")
    if model.training:
        raise ValueError("the model must be in eval mode (BatchNorm would update its statistics)")
    module = model.features[block]
    layers = list(module.conv)
    maps: dict[str, torch.Tensor] = {}
    with (
        inference_slot(),
        torch.inference_mode(),
    ):  # the process-wide slot, like every torch entry point
        x = model.features[:block](batch)
        maps["input"] = x
        h = x
        if len(layers) == 4:  # t > 1: 1x1 expand, ReLU6
            h = layers[0](h)
            maps["expand"] = h
            layers = layers[1:]
        h = layers[0](h)  # depthwise, ReLU6
        maps["depthwise"] = h
        h = layers[2](layers[1](h))  # linear 1x1 projection + BN
        maps["project"] = h
        maps["output"] = x + h if module.use_res_connect else h
    return {name: t[0] for name, t in maps.items()}


def strongest_channels(maps: torch.Tensor, count: int) -> list[int]:
    """Indices of the ``count`` channels with the largest mean |activation|, strongest first."""
    strength = maps.abs().flatten(1).mean(dim=1)
    count = max(1, min(count, maps.shape[0]))
    return torch.argsort(strength, descending=True)[:count].tolist()


def channel_mosaic(
    maps: torch.Tensor, channels: list[int], columns: int = 8, pad: int = 1, tile: int = 56
) -> np.ndarray:
    """Tile the chosen channels into one grey image (H, W) in [0, 1], each channel min-max scaled
    on its own and upscaled (nearest) to ``tile`` pixels so small 7x7 maps stay visible."""
    if not channels:
        raise ValueError("no channels to show")
    columns = max(1, min(columns, len(channels)))
    rows = -(-len(channels) // columns)
    size = maps.shape[-1]
    repeat = max(1, tile // size)
    cell = size * repeat
    out = np.ones((rows * (cell + pad) - pad, columns * (cell + pad) - pad), dtype=np.float32)
    for i, c in enumerate(channels):
        m = maps[c].float().numpy()
        lo, hi = float(m.min()), float(m.max())
        m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        m = np.kron(m, np.ones((repeat, repeat), dtype=np.float32))
        r, col = divmod(i, columns)
        out[
            r * (cell + pad) : r * (cell + pad) + cell,
            col * (cell + pad) : col * (cell + pad) + cell,
        ] = m
    return out


def sparsity(maps: torch.Tensor) -> float:
    """Fraction of exactly-zero activations (ReLU6 zeroes negatives; the linear projection does not)."""
    return float((maps == 0).float().mean())
