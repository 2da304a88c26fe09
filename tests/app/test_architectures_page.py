"""The Architectures page in AppTest: every model renders, shown totals equal the library's."""

from __future__ import annotations

import json

import pytest

from mobilenet_viz.analytic.architectures import build
from tests.app.helpers import assert_no_exception, by_key, open_page, texts

PAGE = "pages/architectures.py"


def total_line(arch) -> str:
    return f"Total: {arch.macs:,} MACs** ({arch.flops:,} FLOPs), **{arch.params:,} params"


@pytest.mark.parametrize(
    ("model", "alpha", "resolution"),
    [
        ("v1", 1.0, 224),
        ("v1", 0.5, 160),
        ("v2", 1.0, 224),
        ("v2", 0.35, 96),
        ("v3-large", 0.75, 192),
        ("v3-small", 1.0, 128),
    ],
)
def test_shared_link_renders_the_library_totals(model, alpha, resolution):
    at = open_page(PAGE, {"model": model, "alpha": str(alpha), "resolution": str(resolution)})
    shown = texts(at)
    assert total_line(build(model, alpha, resolution)) in shown
    assert not at.warning


def test_controls_drive_the_numbers_and_the_link():
    at = open_page(PAGE)
    assert total_line(build("v2")) in texts(at)
    by_key(at.selectbox, "arch_model").set_value("v1").run()
    by_key(at.number_input, "arch_alpha").set_value(0.5).run()
    by_key(at.number_input, "arch_resolution").set_value(160).run()
    assert_no_exception(at)
    assert total_line(build("v1", 0.5, 160)) in texts(at)
    assert at.query_params["model"] == "v1" and at.query_params["resolution"] == "160"
    table = at.dataframe[0].value
    assert list(table["MACs"]) == [row.macs for row in build("v1", 0.5, 160).layers]


def test_garbage_link_falls_back_to_defaults_with_a_warning():
    at = open_page(PAGE, {"model": "v9", "alpha": "abc", "resolution": "5"})
    warning = " ".join(w.value for w in at.warning)
    assert "model" in warning and "alpha" in warning and "resolution" in warning
    assert total_line(build("v2")) in texts(at)


def test_breakdown_reproduces_v1_table2():
    at = open_page(PAGE, {"model": "v1", "view": "Breakdown by type"})
    table2 = next(df.value for df in at.dataframe if "paper: mult-adds" in df.value.columns)
    row = table2.set_index("type (paper's name)")
    assert row.loc["Conv 1×1", "computed: mult-adds"] == "94.86%"
    assert row.loc["Conv 1×1", "computed: weights"] == "74.59%"
    assert row.loc["Fully connected", "computed: weights"] == "24.33%"
    assert row.loc["Conv 3×3 (first layer)", "computed: mult-adds"] == "1.91%"
    assert "digit transposition" in texts(at)


def test_memory_view_shows_v2_table3_numbers():
    at = open_page(PAGE, {"view": "Feature maps & memory"})
    shown = texts(at)
    assert "V1 1,606K" in shown and "V2 401K" in shown
    # the stage's per-layer chart and the open view's; the other views draw nothing
    assert [c.key for c in at.get("plotly_chart")] == ["arch_fig_layers", "arch_fig_maps"]


def test_the_stage_shows_the_headline_numbers_and_the_per_layer_chart():
    at = open_page(PAGE, {"model": "v3-small", "alpha": "0.75"})
    arch = build("v3-small", 0.75)
    shown = {m.label: m.value for m in at.metric}
    assert (
        shown["MACs"] == f"{arch.macs / 1e6:.1f}M"
        and shown["Params"] == f"{arch.params / 1e6:.2f}M"
    )
    assert [c.key for c in at.get("plotly_chart")] == ["arch_fig_layers"]  # the layer table view
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"].startswith("MobileNetV3-Small 0.75-224")
    macs = [y for t in spec["data"] if t.get("yaxis", "y") == "y" for y in t["y"]]  # top panel
    assert sum(macs) == pytest.approx(arch.macs / 1e6)  # every layer with MACs, once


def test_accuracy_view_lists_sources_and_disagreements():
    at = open_page(PAGE, {"model": "v3-small", "view": "Accuracy vs MACs"})
    shown = texts(at)
    assert "66M" in shown and "56.5M" in shown and "revised" in shown
    published = next(df.value for df in at.dataframe if "source" in df.value.columns)
    assert published["source"].str.contains("torchvision").any()


def test_v1_vs_v2_side_by_side():
    at = open_page(PAGE, {"alpha": "0.75", "resolution": "192", "view": "V1 vs V2"})
    shown = texts(at)
    assert "MobileNetV1 0.75-192" in shown and "MobileNetV2 0.75-192" in shown
    v1, v2 = build("v1", 0.75, 192), build("v2", 0.75, 192)
    assert f"MACs × {v2.macs / v1.macs:.2f}" in shown
    assert f"| MACs | {v1.macs:,} | {v2.macs:,} | × {v2.macs / v1.macs:.2f} |" in shown


@pytest.mark.parametrize(
    ("model", "alpha", "published_m"), [("v1", 0.5, 149), ("v3-large", 0.75, 155)]
)
def test_published_number_at_the_same_setting_is_compared(model, alpha, published_m):
    at = open_page(PAGE, {"model": model, "alpha": str(alpha)})
    delta = 100 * (build(model, alpha).macs / 1e6 / published_m - 1)
    note = next(c.value for c in at.caption if "exactly this setting" in c.value)
    assert f"{published_m}M mult-adds" in note and f"MACs ({delta:+.1f}%)" in note
    weights = build(model, alpha).weights
    assert f"{weights / 1e6:.2f}M weights" in note  # params compared too (issue 12 item 5)
    assert ("layer widths" in note) == model.startswith("v3")


def test_published_box_says_which_setting_its_numbers_are_for():
    at = open_page(PAGE, {"model": "v2", "alpha": "0.5", "resolution": "160"})
    shown = texts(at)
    here = build("v2", 0.5, 160, 1000)
    assert next(m.value for m in at.metric if m.label == "MACs") == f"{here.macs / 1e6:.1f}M"
    assert "this page: 300.8M" not in shown
    assert "computed here at 1.0-224: 300.8M MACs" in shown
    assert "the metrics above are for α = 0.5, 160 px" in shown


def test_published_setting_shows_params_and_the_v2_14_disagreement():
    at = open_page(PAGE, {"model": "v2", "alpha": "1.4", "resolution": "224"})
    shown = texts(at)
    assert "Published at exactly this setting" in shown
    assert "6.9M params" in shown and "6.06M weights (-12.2%" in shown and "TF-slim" in shown


def test_layer_table_shows_seven_columns_that_fit_1280_px_and_the_csv_keeps_all():
    at = open_page(PAGE)
    shown = list(at.dataframe[0].proto.column_order)
    assert shown == [
        "layer",
        "operator",
        "output (C×H×W)",
        "MACs",
        "% of MACs",
        "params",
        "weights",
    ]
    assert {"kernel", "stride", "expansion t"} <= set(at.dataframe[0].value.columns)
