"""What the separable page says: its numbers are the paper's (MobileNets arXiv:1704.04861v1,
section 3 and Tables 3, 6, 7), worked out by hand here, and its timing report is the run's."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic import multipliers
from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.explain import separable as says
from mobilenet_viz.runtime.layer_timing import LayerTiming, Spread

TABLE_3 = compare(ConvConfig(14, 512, 512, 3))  # the paper's 14x14x512 -> 512, 3x3 layer


def by_label(metrics) -> dict:
    return {m.label: m for m in metrics}


def test_headline_is_table_3s_layer_worked_by_hand():
    standard = 3 * 3 * 512 * 512 * 14 * 14  # eq. 2
    separable = 3 * 3 * 512 * 14 * 14 + 512 * 512 * 14 * 14  # eq. 5
    shown = by_label(says.mac_metrics(TABLE_3))
    assert shown["Standard conv MACs"].value == standard == 462_422_016
    assert shown["Separable MACs"].value == separable == 52_283_392
    assert shown["Separable MACs"].delta == f"-{(1 - separable / standard) * 100:.1f}%" == "-88.7%"
    assert shown["Saving"].value == "8.8×"
    assert "924,844,032 FLOPs" in shown["Standard conv MACs"].help  # FLOPs = 2 x MACs
    params = by_label(says.param_metrics(TABLE_3))
    assert params["Standard conv params"].value == 3 * 3 * 512 * 512
    assert params["Separable params"].value == 3 * 3 * 512 + 512 * 512
    assert params["Pointwise share of separable MACs"].value == "98.3%"


def test_notes_give_the_shapes_and_explain_d_o_only_when_it_differs():
    assert says.layer_notes(TABLE_3) == ["Input 512×14×14 → output 512×14×14 (C×H×W)."]
    stride2 = compare(ConvConfig(112, 64, 128, 3, stride=2))
    notes = says.layer_notes(stride2)
    assert notes[0].startswith("Input 64×112×112 → output 128×56×56 (C×H×W). D_O = ")
    assert "overstate" in notes[0] and len(notes) == 1
    even = says.layer_notes(compare(ConvConfig(10, 8, 8, 4)))
    assert "10×10 → 11×11" in even[1]  # D_K // 2 padding grows an even kernel's map


@pytest.mark.parametrize("name", says.PRESETS)
def test_every_preset_is_a_possible_layer_with_same_padding(name):
    values = says.preset_values(name)
    assert values["padding"] == "same"
    c = compare(
        ConvConfig(
            values["input_size"],
            values["in_channels"],
            values["out_channels"],
            values["kernel"],
            stride=values["stride"],
            alpha=values["alpha"],
            rho=values["rho"],
            image_input=values["image"],
        )
    )
    assert c.standard.macs > c.separable.macs


def test_first_layer_preset_reads_the_rgb_image():
    values = says.preset_values("First layer: 224×224×3 → 32, 3×3, stride 2")
    assert (values["input_size"], values["in_channels"], values["stride"]) == (224, 3, 2)
    assert values["image"] is True


def test_formula_sections_add_eq_7_only_with_a_multiplier():
    headings = [h for h, _ in says.formula_sections(TABLE_3)]
    assert headings[:2] == [
        "**Cost of a standard convolution** (eq. 2)",
        "**Cost of a depthwise separable convolution** (eq. 5)",
    ]
    assert len(headings) == 4
    ratio = dict(says.formula_sections(TABLE_3))["**The reduction** (section 3.1)"]
    assert any(r"\frac{1}{512} + \frac{1}{3^2}" in line for line in ratio)
    thin = says.formula_sections(compare(ConvConfig(14, 512, 512, 3, alpha=0.75)))
    assert thin[-1][0] == "**Width and resolution multipliers** (sections 3.3 and 3.4)"


def test_groups_from_standard_to_depthwise():
    shown = by_label(says.group_metrics(TABLE_3, 1))
    assert shown["Grouped conv (g = 1) MACs"].value == TABLE_3.standard.macs
    assert shown["Saving vs standard"].value == "1.0×"
    depthwise = by_label(says.group_metrics(TABLE_3, 512))  # g = M, N = M: one filter per channel
    assert depthwise["Grouped conv (g = 512) MACs"].value == TABLE_3.depthwise.macs
    assert depthwise["Params"].value == 3 * 3 * 512
    assert depthwise["Saving vs standard"].value == "512.0×"


def timing(**changes) -> LayerTiming:
    """A timing result as layer_timing returns it, with known medians (ms)."""
    values = {
        "rounds": 40,
        "input_size": 14,
        "output_size": 14,
        "scaled": False,
        "kernel": 3,
        "standard": Spread.of([2.0, 2.1, 1.9]),
        "depthwise": Spread.of([0.1, 0.1, 0.1]),
        "pointwise": Spread.of([0.2, 0.2, 0.2]),
        "separable": Spread.of([0.3, 0.31, 0.29]),
        "speedup": Spread.of([6.6, 6.7, 6.8]),
        "overhead": Spread.of([0.01, 0.01, 0.01]),
        "standard_macs": TABLE_3.standard.macs,
        "depthwise_macs": TABLE_3.depthwise.macs,
        "pointwise_macs": TABLE_3.pointwise.macs,
        "theoretical_speedup": TABLE_3.saving,
        "threads": 1,
        "elapsed_s": 3.04,
        "converged": True,
        "stopped": "converged",
    }
    return LayerTiming(**{**values, **changes})


def test_timing_report_is_the_runs_numbers():
    t = timing()
    shown = by_label(says.timing_metrics(t))
    assert shown["Standard conv"].value == "2.000 ms"
    assert shown["Measured speed-up"].value == "6.70×"
    assert shown["Theoretical (MAC ratio)"].value == "8.84×"
    rows = {r["layer"]: r for r in says.timing_rows(t)}
    # G MACs/s = MACs / median time: 462,422,016 MACs in 2 ms = 231 G MACs/s
    assert rows["standard conv"]["G MACs/s"] == "231"
    assert rows["a 1-MAC conv (a call's fixed cost)"]["G MACs/s"] == "–"
    assert says.timing_caption(t, 3) == (
        "40 rounds in 3.0 s, 1 thread, stopped when every median was known to within ±5%."
    )
    assert says.timing_caption(timing(stopped="budget", threads=2), 3).endswith(
        "2 threads, stopped when the 3 s budget ran out."
    )
    assert says.timing_notes(TABLE_3, t, max_weights=16_000_000, max_values=16_000_000) == []


def test_a_noisy_timing_gives_an_interval_not_a_number():
    t = timing(speedup=Spread.of([2.0, 9.0, 4.0, 12.0, 6.0]))
    assert t.too_noisy
    value = by_label(says.timing_metrics(t))["Measured speed-up"].value
    assert value == f"{t.speedup.ci_low:.1f}–{t.speedup.ci_high:.1f}×"


def test_timing_notes_say_what_was_timed_instead():
    huge = compare(ConvConfig(56, 4096, 4096, 15))
    t = timing(channels_scaled=True, in_channels=71, out_channels=4096, scaled=True, input_size=8)
    notes = says.timing_notes(huge, t, max_weights=16_000_000, max_values=16_000_000)
    assert len(notes) == 2
    assert f"({huge.standard.params * 4 / 1e9:,.1f} GB of fp32" in notes[0]
    assert "M = 71 instead of 4096" in notes[0] and "N = " not in notes[0]
    assert "timed at D_F = 8 instead of 56" in notes[1] and "64 MB per activation" in notes[1]


def test_multiplier_rows_are_tables_6_and_7():
    alpha_points, rho_points = multipliers.network_sweep("v1")
    rows = says.multiplier_rows(alpha_points, rho_points)
    assert len(rows) == 7  # 4 widths at 224 px, then 128/160/192 px at α = 1
    by_setting = {(r["α"], r["input (px)"]): r for r in rows}
    # Table 6 (mult-adds, millions): 569, 325, 149, 41; top-1 70.6, 68.4, 63.7, 50.6
    for alpha, macs, top1 in ((1.0, 569, 70.6), (0.75, 325, 68.4), (0.5, 149, 63.7)):
        row = by_setting[alpha, 224]
        assert row["MACs (M)"] == pytest.approx(macs, rel=0.01)
        assert row["published top-1 %"] == top1
    assert by_setting[1.0, 224]["MACs vs 1.0-224"] == "1.000"
    assert by_setting[0.5, 224]["α²ρ²"] == "0.250"
    # Table 7: 1.0 MobileNet-160, 290M mult-adds, 67.2%
    assert by_setting[1.0, 160]["MACs (M)"] == pytest.approx(290, rel=0.01)
    assert by_setting[1.0, 160]["α²ρ²"] == f"{(160 / 224) ** 2:.3f}"
