"""Squeeze-and-excite attention of a real MobileNetV3: the per-channel scales one block applies.

Howard et al., "Searching for MobileNetV3", arXiv:1905.02244v5, section 3 and Figure 4 (after
MnasNet / SENet): inside a bneck, after the depthwise conv, the SE module pools each of the C
expanded channels to one number, squeezes C -> C/4 (ReLU), expands back to C and applies
hard-sigmoid, giving s in [0, 1]^C; the block then multiplies channel c by s_c. The scales depend
on the image: that is the "attention". This module reads s for one image without hooks or any
change to the (shared, read-only) model: it runs ``features[:block]``, then the block's layers up
to its SE module, then the module's own ``_scale`` (torchvision ``SqueezeExcitation``).
"""

from __future__ import annotations

import numpy as np
import torch
from torchvision.ops.misc import SqueezeExcitation


def se_blocks(model: torch.nn.Module) -> list[int]:
    """Indices i of ``model.features`` (torchvision MobileNetV3) whose block has an SE module."""
    return [
        i for i, block in enumerate(model.features)
        if any(isinstance(m, SqueezeExcitation) for m in block.modules())
    ]  # fmt: skip


@torch.inference_mode()
def se_scales(model: torch.nn.Module, block: int, batch: torch.Tensor) -> np.ndarray:
    """The SE scales (hard-sigmoid outputs, one per expanded channel) of ``features[block]``
    for the first image of ``batch`` (1, 3, H, W)."""
    if block not in se_blocks(model):
        raise ValueError(f"features[{block}] has no squeeze-and-excite module")
    x = batch
    for layer in model.features[:block]:
        x = layer(x)
    for layer in model.features[block].block:
        if isinstance(layer, SqueezeExcitation):
            return layer._scale(x)[0, :, 0, 0].float().numpy()
        x = layer(x)
    raise AssertionError("unreachable: the block has an SE module")  # pragma: no cover


def compare(a: np.ndarray, b: np.ndarray, low: float = 0.5) -> dict:
    """How two images' scales differ: correlation, mean |a - b|, channels damped below ``low``."""
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("scales must be two vectors of the same length")
    same = float(np.std(a)) > 0 and float(np.std(b)) > 0
    return {
        "channels": int(a.size),
        "correlation": float(np.corrcoef(a, b)[0, 1]) if same else float("nan"),
        "mean_abs_difference": float(np.mean(np.abs(a - b))),
        "max_abs_difference": float(np.max(np.abs(a - b))),
        "most_different": [int(i) for i in np.argsort(-np.abs(a - b))[:5]],
        "damped_a": int(np.sum(a < low)),
        "damped_b": int(np.sum(b < low)),
    }
