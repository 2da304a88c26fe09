"""What the inverted residual page says: MobileNetV2's block 3 (arXiv:1801.04381v4, Table 2, row 2:
56×56×24, t = 6, → 24, s = 1) worked out by hand, and its sentences follow the block."""

from __future__ import annotations

from types import SimpleNamespace

from mobilenet_viz.analytic.blocks import (
    BlockConfig,
    compare_blocks,
    comparison_rows,
    expansion_sweep,
    inverted_residual,
    mobilenet_v2_presets,
)
from mobilenet_viz.explain import inverted_residual as says

BLOCK_3 = BlockConfig(56, 24, 6, 24)
COST = inverted_residual(BLOCK_3)
PRESETS = mobilenet_v2_presets()


def by_label(metrics) -> dict:
    return {m.label: m.value for m in metrics}


def test_block_3_worked_by_hand():
    expand, depthwise, project = 56 * 56 * 24 * 144, 56 * 56 * 144 * 9, 56 * 56 * 144 * 24
    shown = by_label(says.headline_metrics(COST, 4))
    assert shown["MACs"] == expand + depthwise + project == 25_740_288
    # the paper's h·w·d′·t·(d′ + k² + d″) (section 3.3) gives the same total at stride 1
    assert 56 * 56 * 24 * 6 * (24 + 9 + 24) == 25_740_288
    # conv weights + BatchNorm weight and bias: 24·144 + 2·144, 9·144 + 2·144, 144·24 + 2·24
    assert shown["Params"] == 24 * 144 + 288 + 9 * 144 + 288 + 144 * 24 + 48 == 8832
    # naive peak: while the depthwise conv runs, its 56·56·144 input and output and the block
    # input (the shortcut needs it) are alive, 4 bytes each
    assert shown["Peak memory"] == says.byte_size((2 * 56 * 56 * 144 + 56 * 56 * 24) * 4)
    assert shown["Peak memory"] == "3.91 MB"
    assert list(shown) == ["MACs", "Params", "Peak memory", "Streaming peak"]


def test_byte_sizes_in_table_3s_units():
    assert says.byte_size(3_913_728) == "3.91 MB"
    assert says.byte_size(99_999) == "100 KB"
    assert says.byte_size(1_505) == "1.5 KB"


def test_which_block_names_table_2s_row_and_repeats():
    assert says.which_block(PRESETS, BLOCK_3) == (
        "This is **block 3** of MobileNetV2 (Table 2, row 2)."
    )
    repeats = says.which_block(PRESETS, BlockConfig(28, 32, 6, 32))
    assert repeats == ("This is **blocks 5, 6** of MobileNetV2 (identical repeats, Table 2 row 3).")
    assert says.which_block(PRESETS, BlockConfig(56, 24, 5, 24)).startswith("A custom block")


def test_preset_values_are_the_pages_settings_of_each_block():
    for preset in PRESETS:
        values = says.preset_values(preset)
        assert says.block_config(values) == preset.config
        assert (values["kernel"], values["alpha"]) == ("3", "1.0")  # the page's radio and slider
    assert says.preset_values(PRESETS[3]) == {
        "input_size": 56,
        "in_channels": 24,
        "expansion": 6,
        "out_channels": 32,
        "stride": 2,
        "kernel": "3",
        "alpha": "1.0",
    }  # block 4: Table 2 row 3's first block (t = 6, c = 32, s = 2) on block 3's 56×56×24


def test_formula_latex_has_the_papers_formula_and_the_stages_adding_up():
    paper, stages = says.formula_latex(COST, BLOCK_3)
    assert r"56\cdot56\cdot24\cdot6\,(24 + 3^2 + 24) = 25{,}740{,}288" in paper
    assert r"\text{expand}" in stages and stages.endswith(r"= 25{,}740{,}288\ \text{MACs}")
    block_1 = PRESETS[0].config  # t = 1: no expansion conv
    _, stages = says.formula_latex(inverted_residual(block_1), block_1)
    assert r"\text{expand}" not in stages
    stride_2 = BlockConfig(56, 24, 6, 32, stride=2)  # depthwise and projection at 28×28
    _, stages = says.formula_latex(inverted_residual(stride_2), stride_2)
    assert r"28\cdot28\cdot144\cdot3^2" in stages


def test_memory_metrics_follow_the_splits():
    shown = by_label(says.memory_metrics(COST, 2))
    assert shown["Streaming, 2 splits, fp16"] == says.byte_size(
        COST.streaming_peak_bytes("fp16", splits=2)
    )
    assert shown["Naive peak, fp16"] == says.byte_size(3_913_728 // 2)


def test_comparison_table_has_one_column_per_block():
    rows = comparison_rows(compare_blocks(BLOCK_3))
    table = says.comparison_table(rows)
    assert list(table) == [r["block"] for r in rows]
    resnet = table["ResNet bottleneck"]
    assert "block" not in resnet
    assert resnet["MACs"] == f"{rows[0]['MACs']:,}" and resnet["channels"] == "24 -> 6 -> 24"


def test_sweep_rows_one_per_expansion():
    points = expansion_sweep(BLOCK_3)
    rows = says.sweep_rows(points)
    assert [r["t"] for r in rows] == [p.expansion for p in points]
    six = next(r for r in rows if r["t"] == 6)
    assert six["MACs"] == 25_740_288


def test_figure2_note_uses_k_and_tk():
    note = says.figure2_note(24, 6)
    assert "k = 24 → t·k = 144 channels" in note
    assert "2d and 2c are equivalent blocks when stacked" in note


def test_spiral_metrics_and_feature_map_headings():
    demo = SimpleNamespace(
        error_linear=0.0, error_relu=0.4123, error_readout=0.05, recovered_fraction=0.5
    )
    shown = by_label(says.spiral_metrics(demo))
    assert (
        shown["Error with ReLU, T⁺"] == "41.2%" and shown["Points recovered (within 5%)"] == "50%"
    )
    assert says.feature_map_heading("expand", (144, 56, 56), 0.61) == (
        "**after expand** — 56×56×144, ReLU6, 61% exact zeros"
    )
    assert "linear, no activation" in says.feature_map_heading("project", (24, 56, 56), 0.0)
    assert says.untrained_warning("mobilenet_v2", None).endswith("not learned features.")
