"""The MobileNetV3 page's sentences and tables say what the paper (arXiv:1905.02244v5) and the
numbers say: SE placement from Table 1, the SE squeeze of section 5.3, words that follow measured
ratios, the reward's 2^w arithmetic."""

from __future__ import annotations

import math

import pytest

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.analytic.v3_block import last_stage_saving, placement, v3_block, v3_presets
from mobilenet_viz.explain import v3 as text

# Table 1 of arXiv:1905.02244v5, written out: which bnecks of V3-Large have SE, which use h-swish.
TABLE1_SE = [4, 5, 6, 11, 12, 13, 14, 15]
TABLE1_HS = list(range(7, 16))


def _cost(model: str, number: int):
    return v3_block(v3_presets(model)[number - 1].config)


def test_placement_text_names_table_1s_se_and_h_swish_blocks_and_se_parameter_share():
    rows = placement("v3-large")
    sentence = text.placement_text(rows, "v3-large", build("v3-large").params)
    assert f"SE in blocks **{', '.join(map(str, TABLE1_SE))}**" in sentence
    assert f"h-swish in blocks **{TABLE1_HS[0]}–{TABLE1_HS[-1]}**" in sentence
    se_share = sum(r["SE params"] for r in rows) / sum(r["params"] for r in rows)
    assert f"**{se_share:.1%} of their parameters**" in sentence
    assert 0.4 < se_share < 0.7  # SE holds about half the blocks' weights (cheap MACs, many params)


def test_se_text_squeezes_to_a_quarter_of_the_expansion_rounded_to_8():
    cost = _cost("v3-large", 13)  # 672 expanded channels -> 168
    sentence = text.se_text(cost, "v3-large")
    assert "1×1 conv to **168** = make_divisible(672 // 4, 8)" in sentence
    assert f"{cost.se_macs / cost.macs:.1%} of the MACs" in sentence
    assert f"{7 * 7 * 672:,} scaling multiplies" in sentence


def test_se_text_and_metrics_of_a_block_without_se():
    cost = _cost("v3-large", 7)  # 3x3, exp 240, h-swish, no SE (Table 1)
    assert text.se_text(cost, "v3-large").startswith("This block has **no SE** (Table 1)")
    metrics = {m.label: m.value for m in text.block_metrics(cost, str)}
    assert metrics["SE MACs"] == metrics["SE params"] == "no SE"
    assert metrics["Residual"] == "no"  # 40 -> 80 channels
    assert metrics["Block MACs"] == str(cost.macs)


def test_stage_rows_write_shapes_h_w_c_and_mark_the_se_branch():
    rows = text.stage_rows(_cost("v3-large", 13))
    assert [r["stage"] for r in rows] == [
        "expand",
        "depthwise",
        "SE pool",
        "SE reduce",
        "SE expand",
        "SE scale",
        "project",
    ]
    assert rows[0]["input (h×w×c)"] == "14×14×112"
    assert rows[-1]["output (h×w×c)"] == "7×7×160"
    assert {r["stage"] for r in rows if r["part of"] == "SE branch"} == {
        "SE pool",
        "SE reduce",
        "SE expand",
        "SE scale",
    }


def _timing(ns: dict[str, tuple[float, float]]) -> list[dict]:
    """Rows like ActivationTiming.as_dict(): ns per element on the big and the small tensor."""
    rows = []
    for name, (big, small) in ns.items():
        for shape, rate in (((16, 112, 112), big), ((960, 7, 7), small)):
            n = math.prod(shape)
            rows.append(
                {
                    "name": name,
                    "shape": list(shape),
                    "median_ms": rate * n / 1e6,
                    "ns_per_element": rate,
                }
            )
    return rows


def test_timing_findings_follow_the_measured_ratios_and_estimate_from_the_small_tensor():
    rows = placement("v3-large")
    hs_elements = text.nonlinearity_elements(rows)["h-swish"]
    slow_swish = _timing(
        {
            "ReLU6": (0.1, 0.2),
            "sigmoid": (0.9, 1.0),
            "hard-sigmoid": (0.3, 0.4),
            "swish": (1.0, 2.0),
            "h-swish": (0.5, 0.6),
        }
    )
    first, second = text.timing_findings(slow_swish, 30, rows)
    assert "**2.00×** slower than h-swish" in first
    assert "sigmoid 3.00× hard-sigmoid" in first
    assert "5.00× ReLU6 (above it)" in first
    assert "on the 112×112×16 tensor" in first
    assert f"≈{hs_elements * 0.6 / 1e3:.0f} µs here" in second  # the 7×7×960 rates
    assert f"swish there would cost ≈{hs_elements * 2.0 / 1e3:.0f} µs" in second
    fast_swish = _timing(
        {
            "ReLU6": (1.0, 1.0),
            "sigmoid": (1.0, 1.0),
            "hard-sigmoid": (1.0, 1.0),
            "swish": (0.5, 0.5),
            "h-swish": (1.1, 1.1),
        }
    )
    first, _ = text.timing_findings(fast_swish, 30, rows)
    assert "**0.45×** faster than h-swish" in first
    assert "1.10× ReLU6 (close to it)" in first


def test_timing_rows_convert_to_microseconds():
    rows = text.timing_rows(_timing({"ReLU6": (0.5, 1.0)}))
    assert rows[0] == {
        "function": "ReLU6",
        "tensor (h×w×c)": "112×112×16",
        "median µs": round(0.5 * 16 * 112 * 112 / 1e3, 2),
        "ns per element": 0.5,
    }


def test_last_stage_numbers_and_the_timing_share():
    saving = last_stage_saving()
    metrics = {m.label: m for m in text.last_stage_metrics(saving)}
    assert metrics["MACs saved"].delta == "paper: ~30M"
    assert metrics["Params"].value.startswith("+")  # the efficient stage has more weights
    assert f"**{-saving['params_saved']:,} more parameters**" in text.last_stage_text(saving)
    layers = text.last_stage_rows(saving)
    assert sum(r["MACs"] for r in layers if r["stage"] == "original") == saving["original"]["macs"]
    timed = {
        "original_ms": 3.0,
        "efficient_ms": 1.0,
        "saved_ms": 2.0,
        "speedup": 3.0,
        "saved_share": 2.0 / 20.0,
        "network_ms": 18.0,
    }
    metrics, caption = text.last_stage_timing(timed, 40)
    assert [m.value for m in metrics] == ["3.00 ms", "1.00 ms", "2.00 ms", "10%"]
    assert "median of 40 interleaved runs" in caption
    assert "10% of the 20.0 ms the network would take with the original stage" in caption


@pytest.mark.parametrize("w, need", [(-0.07, "5.0%"), (-0.15, "11.0%")])
def test_reward_text_is_two_to_the_minus_w(w, need):
    assert 2 ** (-w) - 1 == pytest.approx(float(need.rstrip("%")) / 100, abs=5e-4)
    assert f"**{need}**" in text.reward_text()


def test_se_photo_metrics_show_a_dash_for_an_undefined_correlation():
    summary = {
        "channels": 960,
        "correlation": float("nan"),
        "mean_abs_difference": 0.0,
        "damped_a": 3,
        "damped_b": 4,
        "most_different": [5, 1],
    }
    metrics = text.se_photo_metrics(summary, ("Cat", "Coins"))
    assert metrics[1].value == "—"
    assert metrics[3].help == "Cat / Coins"
    assert text.se_photo_caption(summary).endswith("Most different channels: 5, 1.")
