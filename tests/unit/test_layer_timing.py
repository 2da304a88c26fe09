"""Theory vs practice: repeated timing with a spread, explanations that fit the numbers, and the
per-layer profile's MACs (its exactness against torch: test_classify_engines.py)."""

from __future__ import annotations

import dataclasses
import random

import pytest
import torch

from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.runtime.layer_timing import (
    LayerTiming,
    Spread,
    explain,
    profile_layers,
    time_layers,
)


def test_spread_median_quartiles_and_a_median_interval_that_narrows():
    rng = random.Random(0)
    few = [rng.lognormvariate(0, 0.5) for _ in range(20)]
    many = [rng.lognormvariate(0, 0.5) for _ in range(2000)]
    a, b = Spread.of(few), Spread.of(many)
    for s in (a, b):
        assert s.ci_low <= s.median <= s.ci_high and s.low <= s.median <= s.high
    assert (
        b.ci_relative < a.ci_relative / 4
    )  # ~1/sqrt(n): the median gets known, single rounds still scatter
    assert b.relative > 0.5
    assert Spread.of([2.0]).median == 2.0
    with pytest.raises(ValueError):
        Spread.of([])


def timing(
    standard: float, depthwise: float, pointwise: float, *, ci=0.02, kernel=3, overhead=0.001
) -> LayerTiming:
    """A LayerTiming for Table 3's layer (MACs from the library) with chosen median times (ms)."""
    c = compare(ConvConfig(14, 512, 512, kernel))
    separable = depthwise + pointwise
    ratio = standard / separable

    def spread(m):
        return Spread(m, m * (1 - ci), m * (1 + ci), m * (1 - ci / 2), m * (1 + ci / 2), 50)

    return LayerTiming(
        rounds=50,
        input_size=14,
        output_size=14,
        scaled=False,
        kernel=kernel,
        standard=spread(standard),
        depthwise=spread(depthwise),
        pointwise=spread(pointwise),
        separable=spread(separable),
        speedup=spread(ratio),
        overhead=spread(overhead),
        standard_macs=c.standard.macs,
        depthwise_macs=c.depthwise.macs,
        pointwise_macs=c.pointwise.macs,
        theoretical_speedup=c.saving,
        threads=1,
        elapsed_s=1.0,
        converged=True,
    )


def test_noisy_run_says_only_that_it_cannot_conclude():
    t = dataclasses.replace(timing(20.0, 1.0, 1.5), speedup=Spread(8.0, 4.0, 16.0, 5.0, 11.0, 20))
    sentences = explain(t)
    assert len(sentences) == 1 and "Too noisy to conclude" in sentences[0]
    assert "5.00× and 11.00×" in sentences[0]


def test_slow_depthwise_is_named_only_when_its_rate_is_low():
    # depthwise 0.9 M MACs in 0.6 ms = 1.5 G MACs/s vs pointwise 51.4 M MACs in 1.5 ms = 34 G MACs/s
    slow = explain(timing(12.0, 0.6, 1.5))
    assert "below the MAC ratio" in slow[0]
    assert any("depthwise conv is slow per MAC" in s for s in slow)
    # same speed-up but the depthwise runs at the pointwise rate: no memory-bound story
    fast_dw = explain(timing(8.0, 0.03, 1.5))
    assert not any("depthwise conv is slow" in s for s in fast_dw)


def test_above_the_ratio_blames_the_standard_conv_only_when_it_is_slow_per_mac():
    # standard 462 M MACs in 40 ms = 11.6 G MACs/s, pointwise 34 G MACs/s: above the ratio, standard slow
    above = explain(timing(40.0, 0.03, 1.5))
    assert "above the MAC ratio" in above[0]
    assert any("standard conv ran at a lower rate per MAC" in s for s in above)
    assert not any("depthwise" in s for s in above[1:])


def test_a_match_says_so_and_does_not_invent_causes():
    c = compare(ConvConfig(14, 512, 512, 3))
    # every layer at ~33 G MACs/s
    t = timing(c.standard.macs / 33e6, c.depthwise.macs / 33e6, c.pointwise.macs / 33e6)
    sentences = explain(t)
    assert "matches the MAC ratio" in sentences[0]
    assert "similar rate" in sentences[1] and len(sentences) == 2


def test_time_layers_measures_real_layers_with_the_librarys_macs():
    torch.set_num_threads(1)
    c = compare(ConvConfig(16, 32, 48, 3, stride=2))
    t = time_layers(c, budget_s=0.5, min_rounds=3)
    assert t.rounds >= 3 and t.elapsed_s < 5
    assert (t.standard_macs, t.depthwise_macs, t.pointwise_macs) == (
        c.standard.macs,
        c.depthwise.macs,
        c.pointwise.macs,
    )
    for s in (t.standard, t.depthwise, t.pointwise, t.separable, t.overhead):
        assert s.samples == t.rounds and s.median > 0
    assert t.theoretical_speedup == c.saving
    assert t.converged or t.elapsed_s >= 0.5
    assert t.stopped == ("converged" if t.converged else "budget")
    capped = time_layers(c, budget_s=30, min_rounds=2, max_rounds=3, target_spread=0.0)
    assert capped.rounds == 3 and capped.stopped == "rounds"  # not reported as a spent budget
    assert explain(t)
    with pytest.raises(ValueError):
        time_layers(c, budget_s=0)


def test_a_match_with_a_slow_depthwise_says_what_made_up_for_it():
    c = compare(ConvConfig(14, 512, 512, 3))
    # depthwise at 1.5 G MACs/s, pointwise 37, standard 28.3: the ratio still lands within 10% of 8.84x
    t = timing(c.standard.macs / 28.3e6, c.depthwise.macs / 1.5e6, c.pointwise.macs / 37e6)
    sentences = explain(t)
    assert "matches the MAC ratio" in sentences[0]
    assert any("depthwise conv is slow per MAC" in s for s in sentences)
    assert "makes up for it" in sentences[-1]


def test_the_profile_refuses_a_network_that_is_not_the_tables_mobilenet_v2():
    """MACs come from build("v2") by module path: a half-width network has other channel counts."""
    from torchvision.models import mobilenet_v2

    with pytest.raises(ValueError, match="not in torchvision's MobileNetV2 1.0 table"):
        profile_layers(mobilenet_v2(width_mult=0.5).eval(), torch.zeros(1, 3, 224, 224), runs=1)
