"""What the filters page says: its counts are the paper's formulas, its tables the run's numbers."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from mobilenet_viz.explain import filters as says
from mobilenet_viz.runtime import filtering as flt
from mobilenet_viz.tables import rows_to_csv


@pytest.mark.parametrize(("k", "m", "n"), [(3, 3, 4), (5, 1, 8), (7, 3, 1)])
def test_weight_counts_are_d_k2_m_n_and_d_k2_m_plus_m_n(k, m, n):
    """MobileNets section 3.1: D_K·D_K·M·N weights vs D_K·D_K·M + M·N."""
    assert says.weights(k, m, n) == (k * k * m * n, k * k * m, m * n)
    metric = {x.label: x for x in says.equivalence_metrics(k, m, n, 1e-7, 0.0)}
    assert metric["Weights: standard → separable"].value == f"{k * k * m * n} → {k * k * m + m * n}"
    assert f"**{n} standard filters of {k}×{k}×{m}** ({k * k * m * n} weights)" in (
        says.standard_filters(k, m, n)
    )
    assert f"({k * k * m} weights)" in says.depthwise_step(k, m)
    assert f"({m * n} weights)" in says.pointwise_step(m, n)


def test_latex_matrix_writes_every_entry_in_reading_order():
    k = flt.preset_kernel("sobel_x")
    tex = says.latex_matrix(k)
    assert tex == r"\begin{bmatrix}-1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1\end{bmatrix}"


def test_input_caption_names_the_channels_and_the_padding():
    text = says.input_caption("sample photo “Cat”", 64, ["R", "G", "B"], 5)
    assert "resized to 64×64, 3 channel(s) (R, G, B)" in text and "zero padding 2" in text


@pytest.fixture(scope="module")
def inspected():
    x = np.random.default_rng(3).random((3, 16, 16)).astype(np.float32)
    bank = flt.make_filter_bank("random", in_channels=3, out_channels=5, kernel=5, seed=4)
    return x, bank, flt.inspect_pixel(x, bank, 0, 7, 2)


def test_pixel_metrics_and_sentence_carry_the_inspected_sums_and_counts(inspected):
    x, bank, ins = inspected
    res = flt.run_filters(x, bank)
    shown = {m.label: m for m in says.pixel_metrics(ins)}
    assert float(shown["Standard: Σ products"].value) == pytest.approx(
        float(res.standard[2, 0, 7]), abs=1e-5
    )
    assert float(shown["Separable: Σ P·Z"].value) == pytest.approx(
        float(res.separable[2, 0, 7]), abs=1e-5
    )
    assert shown["Mults, standard"].value == str(5 * 5 * 3)
    assert shown["Mults, separable"].value == f"{5 * 5 * 3} + 3"
    sentence = says.pixel_multiplications(ins)
    assert f"standard **{5 * 5 * 3 * 5}** (D_K²·M·N)" in sentence
    assert f"separable **{5 * 5 * 3 + 3 * 5}** (D_K²·M + M·N)" in sentence


def test_pointwise_rows_sum_to_the_separable_value(inspected):
    _, bank, ins = inspected
    rows = says.pointwise_rows(ins, ["R", "G", "B"])
    assert [r["channel m"] for r in rows] == ["R", "G", "B"]
    assert sum(r["product"] for r in rows) == pytest.approx(ins.separable_sum)
    assert [r["pointwise weight P[3, m]"] for r in rows] == pytest.approx(bank.pointwise[2])


def test_product_rows_are_every_product_at_its_input_position(inspected):
    x, bank, ins = inspected
    rows = list(csv.DictReader(io.StringIO(rows_to_csv(says.product_rows(ins, ["R", "G", "B"])))))
    assert len(rows) == 3 * 5 * 5
    # the receptive field of (0, 7) with D_K = 5 starts two rows above the image: zero padding
    assert {int(r["row"]) for r in rows} == {-2, -1, 0, 1, 2}
    assert {int(r["col"]) for r in rows} == {5, 6, 7, 8, 9}
    inside = next(r for r in rows if r["channel"] == "G" and r["row"] == "1" and r["col"] == "8")
    assert float(inside["input"]) == pytest.approx(float(x[1, 1, 8]))
    assert float(inside["standard_weight"]) == pytest.approx(float(bank.standard[2, 1, 3, 3]))
    assert float(inside["depthwise_weight"]) == pytest.approx(float(bank.depthwise[1, 3, 3]))
    padded = [r for r in rows if int(r["row"]) < 0]
    assert all(float(r["input"]) == 0 and float(r["standard_product"]) == 0 for r in padded)
    total = sum(float(r["standard_product"]) for r in rows)
    assert total == pytest.approx(ins.standard_sum, abs=1e-9)


def test_sliding_sentence_steps_match_the_animation():
    steps = flt.sliding_positions(64, 64, flt.SLIDING_FRAMES)
    text = says.sliding(3, 64, 2, flt.SLIDING_FRAMES)
    jump = int(text.split("each step jumps ~")[1].split(" ")[0])
    assert abs(jump - 64 * 64 / len(steps)) <= 1 and "standard output 2" in text


def test_stage_caption_says_whether_the_pair_is_exact_from_the_run():
    x = flt.prepare_input(flt.synthetic_pattern("stripes", 32), 32)
    exact = flt.make_filter_bank("blur", in_channels=3, out_channels=4)
    run = flt.run_filters(x, exact)
    text = says.stage_caption(1.25, exact.exact, run.approximation_error)
    assert "±1.25" in text and "computes the same maps" in text
    assert float(text.split("largest difference ")[1].split(",")[0]) < 1e-5
    general = flt.make_filter_bank("random", in_channels=3, out_channels=4, seed=3)
    run = flt.run_filters(x, general)
    text = says.stage_caption(1.0, general.exact, run.approximation_error)
    assert f"differs by up to {run.approximation_error:.3g}" in text
    assert says.stage_title(32, 3, 1, 4) == (
        "**The 32×32×1 input X and the 4 output maps of a standard 3×3×1 conv**"
    )


def test_depthwise_scale_names_its_own_limit():
    assert "±0.375" in says.depthwise_scale(0.375) and "own scale" in says.depthwise_scale(1.0)
