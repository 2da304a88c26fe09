"""The cost engine against the MobileNet paper's worked examples and against torch itself."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from mobilenet_viz.analytic.costs import (
    ConvConfig,
    compare,
    grouped_conv_cost,
    make_divisible,
    output_size,
    valid_groups,
)

PAPER_LAYER = ConvConfig(input_size=14, in_channels=512, out_channels=512, kernel=3)


def test_table3_standard_vs_separable():
    """MobileNets Table 3: 14x14x512 -> 512, 3x3: 462M vs 52.3M mult-adds, 2.36M vs 0.27M params."""
    c = compare(PAPER_LAYER)
    assert c.output_size == 14
    assert c.standard.macs == 462_422_016
    assert round(c.separable.macs / 1e6, 1) == 52.3
    assert round(c.standard.params / 1e6, 2) == 2.36
    assert round(c.separable.params / 1e6, 2) == 0.27
    assert c.standard.flops == 2 * c.standard.macs


def test_table3_width_and_resolution_multipliers():
    """Table 3: alpha=0.75 -> 29.6M mult-adds, 0.15M params; plus rho=0.714 -> 15.1M."""
    a = compare(ConvConfig(14, 512, 512, 3, alpha=0.75))
    assert (a.in_channels, a.out_channels) == (384, 384)
    assert round(a.separable.macs / 1e6, 1) == 29.6
    assert round(a.separable.params / 1e6, 2) == 0.15
    r = compare(ConvConfig(14, 512, 512, 3, alpha=0.75, rho=0.714))
    assert r.input_size == 10
    assert round(r.separable.macs / 1e6, 1) == 15.1


def test_ratio_equals_paper_formula_even_at_stride_2():
    for stride in (1, 2):
        c = compare(ConvConfig(112, 64, 128, 3, stride=stride))
        assert c.ratio == pytest.approx(1 / 128 + 1 / 9)
        assert c.ratio == pytest.approx(c.paper_ratio)
    # Stride 2 halves D_O, so every term is ~4x cheaper than the input-size formula says.
    s1, s2 = compare(ConvConfig(112, 64, 128, 3)), compare(ConvConfig(112, 64, 128, 3, stride=2))
    assert s2.output_size == 56
    assert s1.standard.macs == 4 * s2.standard.macs


def test_pointwise_dominates_separable_cost():
    c = compare(PAPER_LAYER)
    assert c.pointwise_share > 0.98
    assert c.saving == pytest.approx(1 / c.ratio)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [(224, 3, 2, 1, 112), (14, 3, 1, 1, 14), (7, 7, 1, 0, 1), (5, 3, 2, 0, 2), (6, 1, 2, 0, 3)],
)
def test_output_size_follows_floor_rule(size, kernel, stride, padding, expected):
    assert output_size(size, kernel, stride, padding) == expected
    conv = nn.Conv2d(1, 1, kernel, stride, padding)
    assert conv(torch.zeros(1, 1, size, size)).shape[-1] == expected


def test_impossible_configurations_explain_themselves():
    with pytest.raises(ValueError, match="kernel 7 does not fit a 5x5 input without padding"):
        output_size(5, 7, padding=0)
    with pytest.raises(ValueError, match="groups=3 must divide"):
        grouped_conv_cost(4, 8, 3, 10, groups=3)
    with pytest.raises(ValueError, match="alpha"):
        compare(ConvConfig(14, 32, 32, alpha=0))
    with pytest.raises(ValueError, match="rho"):
        compare(ConvConfig(14, 32, 32, rho=1.5))
    with pytest.raises(ValueError, match="at least 1"):
        compare(ConvConfig(14, 0, 32))


def test_make_divisible_matches_torchvision():
    from torchvision.models._utils import _make_divisible

    for value in [3, 7.5, 12, 16 * 0.35, 32 * 0.75, 96 * 1.3, 1280 * 0.5, 0.4]:
        for divisor in (1, 8):
            assert make_divisible(value, divisor) == _make_divisible(value, divisor)
    assert make_divisible(512 * 0.75) == 384  # the paper's alpha*M


def test_valid_groups_are_divisors_of_gcd():
    assert valid_groups(32, 64) == [1, 2, 4, 8, 16, 32]
    assert valid_groups(3, 32) == [1]


def _torch_cost(module: nn.Module, input_size: int, in_channels: int) -> tuple[int, int]:
    x = torch.zeros(1, in_channels, input_size, input_size)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2, sum(p.numel() for p in module.parameters())


@settings(max_examples=200, deadline=None)
@given(
    input_size=st.integers(1, 24),
    in_channels=st.integers(1, 24),
    out_channels=st.integers(1, 24),
    kernel=st.sampled_from([1, 2, 3, 5, 7]),
    stride=st.integers(1, 3),
    padding=st.none() | st.integers(0, 3),
    alpha=st.sampled_from([1.0, 0.75, 0.5, 0.25]),
)
def test_engine_equals_torch_on_random_layers(
    input_size, in_channels, out_channels, kernel, stride, padding, alpha
):
    """MACs = FlopCounterMode total / 2 and params = sum(numel) on real nn.Conv2d modules."""
    config = ConvConfig(input_size, in_channels, out_channels, kernel, stride, padding, alpha)
    pad = kernel // 2 if padding is None else padding
    if input_size + 2 * pad < kernel:
        with pytest.raises(ValueError, match="does not fit"):
            compare(config)
        return
    c = compare(config)
    m, n = c.in_channels, c.out_channels
    assert m == make_divisible(alpha * in_channels) and m >= 0.9 * alpha * in_channels
    standard = nn.Conv2d(m, n, kernel, stride, pad, bias=False)
    depthwise = nn.Conv2d(m, m, kernel, stride, pad, groups=m, bias=False)
    pointwise = nn.Conv2d(m, n, 1, bias=False)
    assert _torch_cost(standard, input_size, m) == (c.standard.macs, c.standard.params)
    assert _torch_cost(depthwise, input_size, m) == (c.depthwise.macs, c.depthwise.params)
    assert _torch_cost(pointwise, c.output_size, m) == (c.pointwise.macs, c.pointwise.params)
    assert _torch_cost(nn.Sequential(depthwise, pointwise), input_size, m) == (
        c.separable.macs,
        c.separable.params,
    )


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_grouped_cost_equals_torch(data):
    m = data.draw(st.integers(1, 32))
    n = data.draw(st.integers(1, 32))
    groups = data.draw(st.sampled_from(valid_groups(m, n)))
    kernel = data.draw(st.sampled_from([1, 3, 5]))
    conv = nn.Conv2d(m, n, kernel, padding=kernel // 2, groups=groups, bias=False)
    cost = grouped_conv_cost(m, n, kernel, 9, groups)
    assert _torch_cost(conv, 9, m) == (cost.macs, cost.params)


def test_one_alpha_rule_for_the_library_and_the_cli(monkeypatch):
    """costs.check_alpha owns the width-multiplier range; models, blocks and the CLI all use it."""
    import argparse

    from mobilenet_viz import commands
    from mobilenet_viz.analytic import architectures, costs, v3_block
    from mobilenet_viz.analytic.blocks import BlockConfig, inverted_residual

    assert costs.check_alpha(4.0) == 4.0 and costs.check_alpha(0.01) == 0.01
    for bad in (0.0, -1.0, 4.01, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"alpha must be in \(0, 4\]"):
            costs.check_alpha(bad)
        with pytest.raises(argparse.ArgumentTypeError, match=r"must be in \(0, 4\]"):
            commands.alpha(str(bad))
    monkeypatch.setattr(costs, "ALPHA_RANGE", (0.0, 2.0))  # change the one rule: everyone follows
    for call in (
        lambda: costs.scale_channels(32, 3.0),
        lambda: architectures.build("v2", 3.0),
        lambda: inverted_residual(BlockConfig(8, 16, 6, 16, alpha=3.0)),
        lambda: v3_block.v3_block(v3_block.v3_presets(alpha=3.0)[0].config),
    ):
        with pytest.raises(ValueError, match=r"alpha must be in \(0, 2\]"):
            call()
    with pytest.raises(argparse.ArgumentTypeError, match=r"must be in \(0, 2\]"):
        commands.alpha("3")
