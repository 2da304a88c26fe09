"""Class activation map (CAM) of MobileNetV2's top class on its last conv features.

Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016, eq. 2:
MobileNetV2 ends with global average pooling of the last conv features F_k(x, y) (1280 channels,
7x7 at 224x224 input) and one linear layer, so the logit of class c is

    S_c = sum_k w_ck * mean_xy F_k(x, y) + b_c,   and   M_c(x, y) = sum_k w_ck * F_k(x, y)

is exactly the per-location contribution: mean_xy M_c(x, y) + b_c = S_c. No gradients are
needed (Grad-CAM reduces to CAM for this architecture). The shared model is only read.

:func:`from_features` takes F_k from a forward pass that runs anyway (the Classify warm-up run,
:attr:`mobilenet_viz.runtime.engines.Engine.run_with_features`); :func:`class_activation_map`
runs ``model.features`` itself.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import nn


def single_linear(model: nn.Module) -> nn.Linear | None:
    """The classifier's linear layer when it has exactly one (the CAM's w_ck), else None."""
    linear = [m for m in model.classifier.modules() if isinstance(m, nn.Linear)]
    return linear[0] if len(linear) == 1 else None


def _last_linear(model: nn.Module) -> nn.Linear:
    linear = single_linear(model)
    if linear is None:
        raise ValueError("CAM needs a classifier with exactly one linear layer")
    return linear


def from_features(model: nn.Module, features: torch.Tensor, class_index: int) -> np.ndarray:
    """M_c(x, y) = sum_k w_ck F_k(x, y) from one image's last conv features [1280, 7, 7] (any
    engine's) and ``model``'s classifier weights; raw values (logit units)."""
    linear = _last_linear(model)
    with torch.inference_mode():
        weights = linear.weight[class_index].float()
        cam = torch.einsum("k,khw->hw", weights, features.to(weights.device, torch.float32))
    return cam.cpu().numpy()


def class_activation_map(model: nn.Module, tensor: torch.Tensor, class_index: int) -> np.ndarray:
    """M_c on the 7x7 grid for a 3x224x224 (or 1x3x224x224) input, from a pass of its own."""
    batch = tensor.unsqueeze(0) if tensor.dim() == 3 else tensor
    linear = _last_linear(model)
    with torch.inference_mode():
        features = model.features(batch.to(linear.weight.device))[0]  # [1280, 7, 7]
    return from_features(model, features, class_index)


def normalise(cam: np.ndarray) -> np.ndarray:
    """Rescale to 0..1 (min -> 0, max -> 1); a constant map becomes all zeros."""
    lo, hi = float(cam.min()), float(cam.max())
    if hi - lo < 1e-12:
        return np.zeros_like(cam, dtype=np.float32)
    return ((cam - lo) / (hi - lo)).astype(np.float32)


def overlay(
    image: Image.Image, cam: np.ndarray, *, alpha: float = 0.45, cmap: str = "jet"
) -> Image.Image:
    """The CAM upsampled (bilinear) to ``image``'s size and blended over it as a heat map."""
    from matplotlib import colormaps  # here: classify (and the CLI) import this module for the CAM

    heat = Image.fromarray((normalise(cam) * 255).astype(np.uint8), "L").resize(
        image.size, Image.BILINEAR
    )
    colours = colormaps[cmap](np.asarray(heat) / 255.0)[..., :3]
    base = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    mixed = (1 - alpha) * base + alpha * colours
    return Image.fromarray((mixed * 255 + 0.5).clip(0, 255).astype(np.uint8), "RGB")
