"""The linear bottleneck demo of MobileNetV2's Figure 1 (arXiv:1801.04381, section 3.2).

A 2D spiral x (the "manifold of interest") is embedded into n dimensions by a random matrix
T (n x 2, Gaussian entries), passed through ReLU, and projected back with T's pseudo-inverse:

    x_hat = T^+ ReLU(T x)          (with ReLU)
    x_hat = T^+ (T x) = x          (linear, exact whenever rank T = 2)

For small n (2, 3) ReLU zeroes so many coordinates that T^+ cannot undo it and the spiral
collapses; for n = 15 or 30 most of it survives. Reconstruction error is the relative RMS error
||x_hat - x|| / ||x|| over all points. Because T^+ ReLU(Tx) = x/2 + T^+|Tx|/2, the paper's
fixed T^+ also halves the spiral, so a second number measures the information itself: the error
of the best affine read-out W ReLU(Tx) + b fitted by least squares (what a trained linear 1x1
projection could recover), and the fraction of points it recovers to within 5% of the spiral's
radius. Everything is seeded, so a given (n, seed) is repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAPER_DIMENSIONS = (2, 3, 5, 15, 30)
MAX_DIMENSIONS = 1000


def spiral_points(n_points: int = 600, turns: float = 2.5) -> np.ndarray:
    """A 2D spiral centred at the origin (radius 0.1 .. 1): array (n_points, 2)."""
    if n_points < 2:
        raise ValueError(f"need at least 2 points, got {n_points}")
    angle = np.linspace(0.0, 2 * np.pi * turns, n_points)
    radius = np.linspace(0.1, 1.0, n_points)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


@dataclass(frozen=True)
class SpiralDemo:
    dimensions: int  # n
    seed: int
    points: np.ndarray  # (P, 2) the original spiral
    transform: np.ndarray  # T, (n, 2)
    recovered_relu: np.ndarray  # T^+ ReLU(T x), (P, 2)
    recovered_linear: np.ndarray  # T^+ T x, (P, 2)
    error_relu: float  # relative RMS error with ReLU
    error_linear: float  # relative RMS error without ReLU (~0)
    recovered_readout: np.ndarray  # best affine read-out of ReLU(T x), (P, 2)
    error_readout: float  # relative RMS error of that read-out
    recovered_fraction: float  # points the read-out recovers within 5% of the max radius
    active_fraction: float  # share of the n coordinates that ReLU leaves non-zero, averaged


def _relative_error(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.linalg.norm(estimate - truth) / np.linalg.norm(truth))


def linear_bottleneck_demo(dimensions: int, seed: int = 0, n_points: int = 300) -> SpiralDemo:
    """Embed the spiral in ``dimensions`` dims with a random T, ReLU, and project back (Figure 1)."""
    if not isinstance(dimensions, int | np.integer) or not 2 <= dimensions <= MAX_DIMENSIONS:
        raise ValueError(f"n must be a whole number in 2..{MAX_DIMENSIONS}, got {dimensions!r}")
    x = spiral_points(n_points)
    rng = np.random.default_rng(seed)
    transform = rng.standard_normal((int(dimensions), 2))
    inverse = np.linalg.pinv(transform)  # (2, n)
    embedded = x @ transform.T  # (P, n)
    activated = np.maximum(embedded, 0.0)
    relu = activated @ inverse.T
    linear = embedded @ inverse.T
    features = np.hstack([activated, np.ones((len(x), 1))])
    weights, *_ = np.linalg.lstsq(features, x, rcond=None)
    readout = features @ weights
    radius = np.linalg.norm(x, axis=1).max()
    close = np.linalg.norm(readout - x, axis=1) <= 0.05 * radius
    return SpiralDemo(
        dimensions=int(dimensions),
        seed=seed,
        points=x,
        transform=transform,
        recovered_relu=relu,
        recovered_linear=linear,
        error_relu=_relative_error(relu, x),
        error_linear=_relative_error(linear, x),
        recovered_readout=readout,
        error_readout=_relative_error(readout, x),
        recovered_fraction=float(close.mean()),
        active_fraction=float((activated > 0).mean()),
    )
