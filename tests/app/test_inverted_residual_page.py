"""AppTest: the "Inverted residual block" page shows the library's numbers for what the user picks."""

from __future__ import annotations

import re

import pytest

from mobilenet_viz.analytic.blocks import BlockConfig, inverted_residual, mobilenet_v2_presets
from mobilenet_viz.analytic.spiral import PAPER_DIMENSIONS, linear_bottleneck_demo
from tests.app.helpers import assert_no_exception, by_key, open_page, texts
from ui.text import md

PAGE = "pages/inverted_residual.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def stage_table(at):
    return at.table[0].value


@pytest.fixture(scope="module")
def at():
    return open_page(PAGE)


def test_defaults_show_the_librarys_numbers(at):
    show(at, "The block")
    cost = inverted_residual(BlockConfig(56, 24, 6, 24))
    table = stage_table(at)
    assert list(table["stage"]) == ["expand", "depthwise", "project", "total"]
    assert list(table["MACs"]) == [s.macs for s in cost.stages] + [cost.macs]
    assert list(table["params (conv + BN)"]) == [s.params for s in cost.stages] + [cost.params]
    assert list(table["output (h x w x c)"])[:3] == ["56x56x144", "56x56x144", "56x56x24"]
    shown_columns = list(table.columns)
    assert len(shown_columns) <= 6 and "live fp32 bytes (naive)" in shown_columns  # fits 1280 px
    # a static table, not the data grid: the default tab loads no grid JavaScript on a phone
    assert not at.dataframe
    assert metric(at, "MACs") == "25.7M"
    latex = " ".join(e.value for e in at.latex)
    assert (
        "25{,}740{,}288" in latex
    )  # the paper's formula with the user's numbers, equal to the total
    assert "Residual applies" in texts(at)


def test_presets_load_every_block(at):
    show(at, "The block")
    for preset in mobilenet_v2_presets():
        by_key(at.selectbox, "ir_preset").set_value(preset.label).run()
        assert_no_exception(at)
        cost = inverted_residual(preset.config)
        assert by_key(at.number_input, "ir_in_channels").value == preset.config.in_channels
        assert by_key(at.slider, "ir_expansion").value == preset.config.expansion
        assert list(stage_table(at)["MACs"])[-1] == cost.macs
        assert re.search(rf"blocks? [0-9, ]*\b{preset.number}\b", texts(at))
        assert ("Residual applies" in texts(at)) == cost.residual
    # block 1 (t = 1) has no expansion stage
    by_key(at.selectbox, "ir_preset").set_value(mobilenet_v2_presets()[0].label).run()
    assert list(stage_table(at)["stage"]) == ["depthwise", "project", "total"]


@pytest.mark.parametrize(
    ("stride", "out_channels", "residual", "words"),
    [
        (1, 24, True, "Residual applies"),
        (2, 24, False, "stride 2"),
        (1, 32, False, "channels change (24 -> 32)"),
    ],
)
def test_residual_rule(stride, out_channels, residual, words):
    at = open_page(
        PAGE,
        query={
            "input_size": "28",
            "in_channels": "24",
            "out_channels": str(out_channels),
            "stride": str(stride),
        },
    )
    assert ("Residual applies" in texts(at)) == residual
    assert words in texts(at)
    svg = diagram(at, "ir_fig_diagram")
    assert (svg.find(f".//{SVG}g[@class='shortcut']") is not None) == residual
    assert ("+ x (residual)" in "".join(svg.itertext())) == residual


SVG = "{http://www.w3.org/2000/svg}"


def diagram(at, key: str):
    """The block diagram drawn in the keyed container ``key`` (ui.stage.chart), parsed: the
    ``<svg>`` element inside its ``<figure class="mnl-chart">``."""
    import xml.etree.ElementTree as ET

    def find(node):
        if getattr(node, "key", None) == key:
            return node
        for child in getattr(node, "children", {}).values():
            if (found := find(child)) is not None:
                return found
        return None

    box = find(at.main)
    assert box is not None, f"no container keyed {key}"
    (markup,) = [c.value for c in box.children.values() if "mnl-chart" in str(c.value)]
    figure = ET.fromstring(markup)  # the light chart's markup is well-formed XML too
    assert figure.tag == "figure" and figure.get("data-chart") == "block-diagram"
    return figure.find(f"{SVG}svg")


def test_widgets_drive_numbers_and_url():
    at = open_page(PAGE)
    by_key(at.slider, "ir_expansion").set_value(3).run()
    by_key(at.radio, "ir_stride").set_value(2).run()
    cost = inverted_residual(BlockConfig(56, 24, 3, 24, 2))
    assert list(stage_table(at)["MACs"])[-1] == cost.macs
    assert at.query_params["expansion"] == "3" and at.query_params["stride"] == "2"
    assert "stride 2" in texts(at)


def test_shared_link_and_garbage_falls_back_with_warning():
    at = open_page(
        PAGE, query={"expansion": "4", "in_channels": "lots", "kernel": "4", "stride": "9"}
    )
    assert by_key(at.slider, "ir_expansion").value == 4
    assert by_key(at.number_input, "ir_in_channels").value == 24
    warning = " ".join(w.value for w in at.warning)
    assert (
        md("in_channels") in warning and "kernel" in warning and "stride" in warning
    )  # link values are escaped
    assert list(stage_table(at)["MACs"])[-1] == inverted_residual(BlockConfig(56, 24, 4, 24)).macs


def show(at, view: str) -> None:
    at.session_state["ir_view"] = view
    at.run()
    assert_no_exception(at)


def test_spiral_for_each_n(at):
    show(at, "Linear bottleneck")
    assert not at.dataframe  # lazy tabs: the stage table is not built while another tab is open
    for choice in PAPER_DIMENSIONS:
        by_key(at.radio, "ir_spiral").set_value(str(choice)).run()
        demo = linear_bottleneck_demo(choice, 0)
        assert metric(at, "Error with ReLU, T⁺") == f"{demo.error_relu:.1%}"
        assert metric(at, "Error of best linear read-out") == f"{demo.error_readout:.1%}"
    by_key(at.radio, "ir_spiral").set_value("free").run()
    by_key(at.number_input, "ir_spiral_n").set_value(50).run()
    assert (
        metric(at, "Error of best linear read-out")
        == f"{linear_bottleneck_demo(50, 0).error_readout:.1%}"
    )
    assert "Why the projection is linear" in texts(at)


def test_comparison_table(at):
    by_key(at.selectbox, "ir_preset").set_value(mobilenet_v2_presets()[2].label).run()
    show(at, "Inverted vs classic")
    comparison = at.dataframe[0].value  # one column per block, so all three fit at 1280 px
    assert list(comparison.columns) == [
        "ResNet bottleneck",
        "Depthwise separable (MobileNetV1)",
        "Inverted residual (MobileNetV2)",
    ]
    assert list(comparison.loc["shape"]) == [
        "wide -> narrow -> wide",
        "no expansion",
        "narrow -> wide -> narrow",
    ]
    assert (
        comparison.loc["MACs"].iloc[2]
        == f"{inverted_residual(mobilenet_v2_presets()[2].config).macs:,}"
    )


def test_feature_maps_section_runs(at):
    show(at, "Real feature maps")
    text = texts(at)
    assert "after expand" in text and "after depthwise" in text and "after project" in text
    assert "Untrained network" in text or "Pretrained weights" in text


def test_feature_maps_for_block_one_has_no_expand(at):
    show(at, "Real feature maps")
    by_key(at.selectbox, "ir_fm_block").set_value(1).run()
    assert_no_exception(at)
    text = texts(at)
    assert "after expand" not in text and "after depthwise" in text and "t = 1" in text
    assert "112×112×32" in text  # block 1's depthwise output on a 224 input


def test_every_view_in_presenter_mode():
    at = open_page(PAGE, query={"present": "1", "stride": "2", "out_channels": "32"})
    for view in ("The block", "Inverted vs classic", "Expansion sweep", "Linear bottleneck"):
        show(at, view)
        assert "28×28×144" in "".join(diagram(at, "ir_fig_diagram").itertext()), view
        assert at.get("plotly_chart") or view == "The block", view


def test_the_comparison_draws_three_diagrams_on_one_scale(at):
    by_key(at.selectbox, "ir_preset").set_value(mobilenet_v2_presets()[2].label).run()
    show(at, "Inverted vs classic")
    kinds = ("resnet_bottleneck", "separable", "inverted_residual")
    svgs = {kind: diagram(at, f"ir_fig_cmp_{kind}") for kind in kinds}
    assert len({svg.get("viewBox").split()[2] for svg in svgs.values()}) == 1
    shortcuts = {
        k: svg.find(f".//{SVG}g[@class='shortcut']") is not None for k, svg in svgs.items()
    }
    assert shortcuts == {"resnet_bottleneck": True, "separable": False, "inverted_residual": True}
    assert "identity shortcut" in "".join(svgs["resnet_bottleneck"].itertext())


def test_the_block_view_offers_the_diagram_as_an_svg_file(at):
    show(at, "The block")
    buttons = [b.proto for b in at.get("download_button")]
    (svg_button,) = [b for b in buttons if b.label == "Download the diagram (SVG)"]
    assert svg_button.id.endswith("ir_svg")


def test_one_pixel_stride_2_block_says_why_the_formula_is_exact_and_names_no_stride_1():
    page = open_page(
        PAGE, query={"input_size": "1", "in_channels": "16", "out_channels": "16", "stride": "2"}
    )
    shown = texts(page)
    assert "at stride 2 this 1×1 input still gives a 1×1 output" in shown
    assert "at stride 1" not in shown


def test_streaming_splits_default_to_a_small_constant_not_the_expansion_factor():
    page = open_page(PAGE, query={"expansion": "6"})
    cost = inverted_residual(BlockConfig(56, 24, 6, 24))
    assert (
        metric(page, "Streaming, 4 splits, fp16")
        == f"{cost.streaming_peak_bytes('fp16', splits=4) / 1e6:.3g} MB"
    )
    assert "not the expansion factor" in texts(page)
    by_key(page.slider, "ir_splits").set_value(2)
    page.run()
    assert (
        metric(page, "Streaming, 2 splits, fp16")
        == f"{cost.streaming_peak_bytes('fp16', splits=2) / 1e6:.3g} MB"
    )
    # the headline metric follows the same slider (it showed the default while the tab said 2)
    assert (
        metric(page, "Streaming peak")
        == f"{cost.streaming_peak_bytes('fp32', splits=2) / 1e6:.3g} MB"
    )
    assert page.query_params["splits"] == "2"


def test_preset_box_clears_when_a_control_changes():
    page = open_page(PAGE)
    label = next(p.label for p in mobilenet_v2_presets() if p.number == 4)
    page.selectbox(key="ir_preset").set_value(label)
    page.run()
    assert page.selectbox(key="ir_preset").value == label
    by_key(page.slider, "ir_expansion").set_value(3)
    page.run()
    assert page.selectbox(key="ir_preset").value is None


def test_a_cleared_block_applies_again_and_sets_the_feature_map_block():
    """Changing the stride (under More settings) clears the name; choosing the block again restores
    it (a box still naming it could not be chosen again) and the feature-map view follows it."""
    preset = next(p for p in mobilenet_v2_presets() if p.number == 4)
    page = open_page(PAGE)
    page.selectbox(key="ir_preset").set_value(preset.label).run()
    assert page.query_params["fm_block"] == "4"
    by_key(page.radio, "ir_stride").set_value(1).run()
    assert page.selectbox(key="ir_preset").value is None
    assert texts(page).count("A custom block") == 1
    page.selectbox(key="ir_preset").set_value(preset.label).run()
    assert page.selectbox(key="ir_preset").value == preset.label
    assert by_key(page.radio, "ir_stride").value == 2 and page.query_params["stride"] == "2"
    assert "This is **block 4** of MobileNetV2" in texts(page)


def test_figure2_cuts_glossary_and_spiral_tied_to_k_and_tk():
    page = open_page(PAGE, query={"view": "Inverted vs classic"})
    shown = texts(page)
    assert "Bottleneck block or expansion block? (Figure 2 c/d)" in shown
    assert "2d and 2c are equivalent blocks when stacked" in shown
    assert "| t (§5.1) | number of channel groups when streaming a block |" in shown
    page = open_page(PAGE, query={"view": "Linear bottleneck", "spiral": "3"})
    assert "n = 3 is no wider than this block's bottleneck k = 24" in texts(page)
