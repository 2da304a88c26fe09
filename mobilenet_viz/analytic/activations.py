"""The nonlinearities of MobileNetV2/V3 as formulas: ReLU6, sigmoid, hard-sigmoid, swish, h-swish.

Source: Howard et al., "Searching for MobileNetV3", arXiv:1905.02244v5, section 5.2:

    swish(x)        = x * sigmoid(x)                (Ramachandran et al.; torch: SiLU)
    hard-sigmoid(x) = ReLU6(x + 3) / 6              (the piece-wise linear analog of sigmoid)
    h-swish(x)      = x * ReLU6(x + 3) / 6
    ReLU6(x)        = min(max(x, 0), 6)             (MobileNetV2)

The hard versions are exact where it matters for deployment: h-swish equals 0 for x <= -3 and x for
x >= 3, and differs from swish by at most ~0.14 in between (max |h-swish - swish| is printed by
:func:`max_differences`). Pure numpy; timing them on a real tensor is in ``v3_timing``.
"""

from __future__ import annotations

import numpy as np

NAMES = ("ReLU6", "sigmoid", "hard-sigmoid", "swish", "h-swish")


def relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 6.0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """ReLU6(x + 3) / 6 (section 5.2)."""
    return relu6(x + 3.0) / 6.0


def swish(x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x) (section 5.2)."""
    return x * sigmoid(x)


def h_swish(x: np.ndarray) -> np.ndarray:
    """x * ReLU6(x + 3) / 6 (section 5.2)."""
    return x * hard_sigmoid(x)


FUNCTIONS = {
    "ReLU6": relu6,
    "sigmoid": sigmoid,
    "hard-sigmoid": hard_sigmoid,
    "swish": swish,
    "h-swish": h_swish,
}


def curves(lo: float = -6.0, hi: float = 6.0, points: int = 481) -> dict[str, list[float]]:
    """x and every function on [lo, hi], plus the differences h-swish - swish and
    hard-sigmoid - sigmoid (what the hard versions give up)."""
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi) or not 2 <= points <= 10_000:
        raise ValueError("need lo < hi (finite) and 2..10000 points")
    x = np.linspace(lo, hi, points)
    out = {"x": x.tolist()}
    for name, fn in FUNCTIONS.items():
        out[name] = fn(x).tolist()
    out["h-swish - swish"] = (h_swish(x) - swish(x)).tolist()
    out["hard-sigmoid - sigmoid"] = (hard_sigmoid(x) - sigmoid(x)).tolist()
    return out


def max_differences(
    lo: float = -8.0, hi: float = 8.0, points: int = 160_001
) -> dict[str, tuple[float, float]]:
    """(max |difference|, where) for h-swish vs swish and hard-sigmoid vs sigmoid on a fine grid."""
    x = np.linspace(lo, hi, points)
    out = {}
    for name, a, b in (
        ("h-swish vs swish", h_swish, swish),
        ("hard-sigmoid vs sigmoid", hard_sigmoid, sigmoid),
    ):
        d = np.abs(a(x) - b(x))
        i = int(np.argmax(d))
        out[name] = (float(d[i]), float(x[i]))
    return out
