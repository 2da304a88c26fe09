"""What the Architectures page says: every number in its rows and sentences is the network's own."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic import published
from mobilenet_viz.analytic.architectures import build, compare_v1_v2
from mobilenet_viz.explain import architectures as says


def test_kilobytes_use_table3s_unit_and_shapes_read_c_h_w():
    assert says.kilobytes(64 * 112 * 112 * 2) == "1,606K"  # V1 1.0-224, 16-bit (Table 3: 1600K)
    assert says.kilobytes(999) == "1K" and says.kilobytes(0) == "0K"
    assert says.shape_text([16, 112, 112]) == "16×112×112"


@pytest.mark.parametrize("model", ["v1", "v2", "v3-large", "v3-small"])
def test_summary_metrics_are_the_networks_totals(model):
    arch = build(model, 0.75, 192)
    shown = {m.label: m for m in says.summary_metrics(arch)}
    assert shown["MACs"].value == arch.macs and f"{arch.flops:,} FLOPs" in shown["MACs"].help
    assert shown["Params"].value == arch.params and f"{arch.weights:,}" in shown["Params"].help
    assert shown["Params"].delta == f"{arch.weights / 1e6:.2f}M weights only"
    conv_se_fc = [r for r in arch.layers if r.layer_type in ("standard conv", "depthwise",
                                                             "pointwise/1x1", "SE", "FC")]  # fmt: skip
    assert shown["Layers"].value == len(conv_se_fc)
    peak = arch.activation_memory(2)["paper"]
    assert shown["Peak tensor"].value == says.kilobytes(peak["bytes"])


def test_v2_table3_peak_tensors_at_1_0_224():
    """MobileNetV2 Table 3: V1 1600K vs V2 400K (16-bit); computed 1,606K and 401K (K = 1000)."""
    v2 = build("v2")
    sentence = says.memory_sentence(v2, compare_v1_v2())
    assert "**V1 1,606K** (64×112×112)" in sentence and "**V2 401K** (16×112×112)" in sentence
    assert "1600K vs 400K" in sentence
    metrics = says.memory_metrics(v2)
    assert metrics[0].value == "401K"
    every = v2.activation_memory(2)["every_layer"]  # the expanded 96×112×112 tensor, not streamed
    assert metrics[1].value == says.kilobytes(every["bytes"]) and every["values"] == 96 * 112 * 112


def test_v1_table2_reproduced_with_the_papers_shares_beside():
    rows = {r["type (paper's name)"]: r for r in says.v1_table2_rows()}
    assert rows["Conv 1×1"]["paper: mult-adds"] == "94.86%"
    assert rows["Conv 1×1"]["computed: mult-adds"] == "94.86%"
    assert rows["Conv 1×1"]["computed: weights"] == "74.59%"
    assert rows["Fully connected"]["computed: weights"] == "24.33%"
    # The paper prints 1.19% for the first conv; the computed share is 1.91% (a transposition).
    first = rows["Conv 3×3 (first layer)"]
    assert first["paper: mult-adds"] == "1.19%" and first["computed: mult-adds"] == "1.91%"


def test_breakdown_rows_add_up_to_the_totals():
    arch = build("v3-small")
    rows = says.breakdown_rows(arch)
    assert sum(r["MACs"] for r in rows) == arch.macs
    assert sum(r["params (+BN, bias)"] for r in rows) == arch.params
    assert sum(r["% of MACs"] for r in rows) == pytest.approx(100, abs=0.05)
    assert {r["layer type"] for r in rows} >= {"SE", "depthwise", "pointwise/1x1"}


def test_published_notes_say_which_setting_their_numbers_are_for():
    at_reference = says.published_notes(build("v2"))
    assert len(at_reference) == 1 and "computed here at 1.0-224: 300.8M MACs" in at_reference[0]
    assert "the metrics above are for" not in at_reference[0]
    elsewhere = says.published_notes(build("v2", 0.5, 160))
    assert "the metrics above are for α = 0.5, 160 px, 1000 classes" in elsewhere[0]
    assert len(elsewhere) == 1  # no published V2 0.5-160
    at_table4 = says.published_notes(build("v2", 1.4, 224))  # V2 paper Table 4: 1.4-224
    assert "Published at exactly this setting" in at_table4[1] and "6.9M params" in at_table4[1]


def test_a_published_setting_compares_macs_and_weights():
    arch = build("v3-large", 0.75, 224)
    note = says.published_notes(arch)[-1]
    delta = 100 * (arch.macs / 1e6 / 155 - 1)
    assert "155M mult-adds" in note and f"({delta:+.1f}%)" in note
    assert f"{arch.weights / 1e6:.2f}M weights" in note and "layer widths" in note
    assert not any("exactly this setting" in n for n in says.published_notes(build("v1", 0.6)))
    # 10 classes: the published variant has 1000, so nothing is compared
    assert not any("exactly" in n for n in says.published_notes(build("v1", 0.5, 224, 10)))


def test_v1_v2_table_and_changes_carry_the_ratios():
    pair = compare_v1_v2(0.75, 192)
    v1, v2 = build("v1", 0.75, 192), build("v2", 0.75, 192)
    table = says.v1_v2_table(pair)
    assert f"| MACs | {v1.macs:,} | {v2.macs:,} | × {v2.macs / v1.macs:.2f} |" in table
    assert table.startswith("| | MobileNetV1 0.75-192 | MobileNetV2 0.75-192 |")
    changes = says.v1_v2_changes(pair, 0.75, 192)
    assert f"MACs × {v2.macs / v1.macs:.2f}" in changes
    assert f"params × {v2.params / v1.params:.2f}" in changes
    assert f"({pair['v2']['conv_layers']} vs {pair['v1']['conv_layers']})" in changes


def test_published_rows_and_disagreements_keep_every_source():
    rows = says.published_rows()
    assert len(rows) == len(published.POINTS)
    assert all(r["source"] for r in rows)
    lines = says.disagreement_lines()
    assert len(lines) == len(published.DISAGREEMENTS)
    assert any("MobileNetV3-Small" in line and "revised" in line for line in lines)


def test_totals_sentence_and_csv_name():
    arch = build("v1", 0.5, 160)
    sentence = says.totals_sentence(arch)
    assert f"**Total: {arch.macs:,} MACs** ({arch.flops:,} FLOPs)" in sentence
    assert f"{arch.params - arch.weights:,} BatchNorm and bias values" in sentence
    assert says.csv_file_name(arch) == "v1_0.5_160.csv"
