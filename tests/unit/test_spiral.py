"""The Figure 1 demo: ReLU in low dimensions destroys the spiral, high dimensions keep it."""

from __future__ import annotations

import numpy as np
import pytest

from mobilenet_viz.analytic.spiral import PAPER_DIMENSIONS, linear_bottleneck_demo, spiral_points


def test_spiral_is_centred_2d():
    x = spiral_points(500)
    assert x.shape == (500, 2)
    assert np.linalg.norm(x, axis=1).max() == pytest.approx(1.0)


@pytest.mark.parametrize("n", PAPER_DIMENSIONS)
def test_without_relu_the_projection_is_exact(n):
    demo = linear_bottleneck_demo(n, seed=3)
    assert demo.transform.shape == (n, 2)
    assert demo.error_linear < 1e-10
    np.testing.assert_allclose(demo.recovered_linear, demo.points, atol=1e-10)


def test_information_survives_only_in_high_dimensions():
    for seed in range(3):
        low = [linear_bottleneck_demo(n, seed) for n in (2, 3)]
        high = [linear_bottleneck_demo(n, seed) for n in (15, 30)]
        assert all(d.error_readout > 0.3 and d.recovered_fraction < 0.2 for d in low)
        assert all(d.error_readout < 0.05 and d.recovered_fraction > 0.95 for d in high)
        # the paper's fixed T^+ never recovers the spiral exactly once ReLU has run
        assert all(d.error_relu > 0.3 for d in low + high)


def test_seeded_and_repeatable():
    a, b = linear_bottleneck_demo(5, seed=7), linear_bottleneck_demo(5, seed=7)
    np.testing.assert_array_equal(a.recovered_relu, b.recovered_relu)
    assert linear_bottleneck_demo(5, seed=8).error_relu != a.error_relu


def test_relu_leaves_about_half_the_coordinates():
    assert 0.35 < linear_bottleneck_demo(30, seed=0).active_fraction < 0.65


@pytest.mark.parametrize("n", [1, 0, -3, 10_000, 2.5])
def test_bad_dimensions(n):
    with pytest.raises(ValueError, match="n must be"):
        linear_bottleneck_demo(n)
