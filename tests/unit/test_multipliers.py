"""Width and resolution multipliers: eq. 7 with the numbers, the alpha^2 / rho^2 law, the sweep."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from mobilenet_viz.analytic import architectures, multipliers
from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.figures.multipliers import multiplier_sweep
from tests.unit.paper_v1 import PaperMobileNetV1


def test_layer_latex_substitutes_the_scaled_numbers_and_compares_with_alpha_squared_rho_squared():
    c = compare(ConvConfig(14, 512, 512, 3, alpha=0.75, rho=0.714))
    symbolic, numbers, total, law = multipliers.layer_latex(c)  # short lines: they fit a phone
    assert r"\alpha M \cdot \alpha N \cdot \rho D_F \cdot \rho D_F" in symbolic
    # 0.75 * 512 = 384 channels, round(0.714 * 14) = 10 px
    assert r"3 \cdot 3 \cdot 384 \cdot 10 \cdot 10 + 384 \cdot 384 \cdot 10 \cdot 10" in numbers
    assert "15{,}091{,}200" in total
    assert "0.2886" in law and r"\alpha^2 \rho^2 = 0.2868" in law


def test_the_layer_cost_equals_torch_for_the_scaled_layer():
    c = compare(ConvConfig(14, 512, 512, 3, alpha=0.75, rho=0.714))
    pair = nn.Sequential(
        nn.Conv2d(384, 384, 3, 1, 1, groups=384, bias=False), nn.Conv2d(384, 384, 1, bias=False)
    )
    with FlopCounterMode(display=False) as counter:
        pair(torch.zeros(1, 384, 10, 10))
    assert counter.get_total_flops() // 2 == c.separable.macs


def test_image_input_layer_keeps_m_in_the_formula():
    c = compare(ConvConfig(224, 3, 32, 3, stride=2, alpha=0.5, image_input=True))
    symbolic, numbers, _, _ = multipliers.layer_latex(c)
    assert r"\alpha M" not in symbolic and r"D_O(\rho D_F)" in symbolic
    assert r"3 \cdot 3 \cdot 3 \cdot 112 \cdot 112 + 3 \cdot 16" in numbers


@pytest.fixture(scope="module")
def sweep():
    return multipliers.network_sweep("v1")


def test_network_sweep_has_the_papers_accuracy_at_each_published_setting(sweep):
    alpha_points, rho_points = sweep
    assert [(p.alpha, p.top1) for p in alpha_points] == [
        (0.25, 50.6),
        (0.5, 63.7),
        (0.75, 68.4),
        (1.0, 70.6),
    ]
    assert [(p.resolution, p.top1) for p in rho_points] == [
        (128, 64.4),
        (160, 67.2),
        (192, 69.1),
        (224, 70.6),
    ]
    for p in alpha_points + rho_points:
        assert p.macs == architectures.build("v1", p.alpha, p.resolution, 1000).macs


def test_cost_falls_roughly_as_alpha_squared_and_rho_squared_params_only_with_alpha(sweep):
    alpha_points, rho_points = sweep
    base = alpha_points[-1]
    for p in alpha_points:
        assert p.macs / base.macs == pytest.approx(p.alpha**2, rel=0.2)
        # between alpha^2 (the convs) and alpha (the FC layer keeps its 1000 outputs)
        assert p.alpha**2 <= p.weights / base.weights <= p.alpha
    for p in rho_points:
        assert p.macs / base.macs == pytest.approx((p.resolution / 224) ** 2, rel=0.02)
        assert p.weights == base.weights


def test_sweep_point_matches_a_torch_build(sweep):
    half = sweep[0][1]
    net = PaperMobileNetV1(0.5).eval()  # the paper's Table 1, written out in the tests
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        net(torch.zeros(1, 3, 224, 224))
    assert counter.get_total_flops() // 2 == half.macs
    assert sum(p.numel() for p in net.parameters()) == half.params


def test_figure_labels_each_point_with_its_published_accuracy(sweep):
    fig = multiplier_sweep(*sweep)
    macs_traces = [t for t in fig.data if t.name.startswith("MACs")]
    assert list(macs_traces[0].text) == ["50.6%", "63.7%", "68.4%", "70.6%"]
    assert list(macs_traces[1].text) == ["64.4%", "67.2%", "69.1%", "70.6%"]


def test_leftmost_accuracy_label_is_drawn_inside_the_plot(sweep):
    fig = multiplier_sweep(*sweep)
    for trace in (t for t in fig.data if t.name.startswith("MACs")):
        assert trace.textposition[0] == "top right" and set(trace.textposition[1:]) == {"top left"}
