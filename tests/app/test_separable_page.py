"""The "Standard vs depthwise separable" page: controls drive numbers equal to the library's."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic import formulas
from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.explain import fmt_count
from tests.app.helpers import assert_no_exception, by_key, light_charts, open_page, texts

PAGE = "pages/separable.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_defaults_show_the_papers_table_3_layer():
    at = open_page(PAGE)
    shown = metrics(at)
    assert shown["Standard conv MACs"] == "462.4M"
    assert shown["Separable MACs"] == "52.3M"
    assert shown["Saving"] == "8.8×"
    assert shown["Standard conv params"] == "2.36M"
    assert shown["Separable params"] == "266.8K"
    # The substituted formulas carry the exact numbers.
    latex = "\n".join(e.value for e in at.latex)
    assert "462{,}422{,}016" in latex and "52{,}283{,}392" in latex
    assert r"\frac{1}{512} + \frac{1}{3^2}" in latex


def test_changing_controls_changes_numbers_to_the_librarys():
    at = open_page(PAGE)
    by_key(at.number_input, "sep_out_channels").set_value(128)
    by_key(at.slider, "sep_kernel").set_value(5)
    by_key(at.slider, "sep_stride").set_value(2)
    at.run()
    expected = compare(ConvConfig(14, 512, 128, 5, stride=2))
    shown = metrics(at)
    assert shown["Standard conv MACs"] == fmt_count(expected.standard.macs)
    assert shown["Separable MACs"] == fmt_count(expected.separable.macs)
    assert shown["Saving"] == f"{expected.saving:.1f}×"
    split = light_charts(at)["cost-split"]  # the stage's chart follows the controls too
    assert (
        f"{expected.standard.macs:,} MACs" in split and f"{expected.pointwise.macs:,} MACs" in split
    )
    assert at.query_params["kernel"] == "5" and at.query_params["stride"] == "2"
    assert "D_O" in texts(at)  # stride 2: the page explains the output size


@pytest.mark.parametrize(
    ("preset", "macs"),
    [
        ("Table 3 with width multiplier α = 0.75", "29.6M"),
        ("Table 3 with α = 0.75 and ρ = 0.714 (160 px input)", "15.1M"),
    ],
)
def test_presets_set_every_control(preset, macs):
    at = open_page(PAGE)
    by_key(at.slider, "sep_kernel").set_value(7)
    at.run()
    at.selectbox(key="sep_preset").set_value(preset)
    at.run()
    assert by_key(at.slider, "sep_kernel").value == 3
    assert by_key(at.number_input, "sep_in_channels").value == 512
    assert by_key(at.slider, "sep_alpha").value == 0.75
    assert metrics(at)["Separable MACs"] == macs


def test_first_layer_preset_shows_small_saving_for_three_channels():
    at = open_page(PAGE)
    at.selectbox(key="sep_preset").set_value("First layer: 224×224×3 → 32, 3×3, stride 2")
    at.run()
    c = compare(ConvConfig(224, 3, 32, 3, stride=2))
    assert metrics(at)["Saving"] == f"{c.saving:.1f}×"


def test_shared_link_restores_configuration():
    at = open_page(
        PAGE, query={"input_size": "28", "in_channels": "256", "out_channels": "256", "kernel": "5"}
    )
    assert not at.warning
    c = compare(ConvConfig(28, 256, 256, 5))
    assert metrics(at)["Standard conv MACs"] == fmt_count(c.standard.macs)


@pytest.mark.parametrize(
    "query",
    [
        {"kernel": "abc"},
        {"input_size": "-4"},
        {"in_channels": "1000000000"},
        {"alpha": "nan"},
        {"padding": "lots"},
        {"stride": ["1", "2"]},
        {"bogus": "1"},
    ],
)
def test_garbage_in_link_falls_back_to_defaults_with_warning(query):
    at = open_page(PAGE, query=query)
    assert len(at.warning) == 1
    assert "could not be used" in at.warning[0].value
    assert metrics(at)["Standard conv MACs"] == "462.4M"


def test_impossible_layer_gets_one_clear_error_and_page_survives():
    at = open_page(PAGE, query={"input_size": "5", "kernel": "7", "padding": "0"})
    assert len(at.error) == 1
    assert "kernel 7 does not fit a 5x5 input without padding" in at.error[0].value
    by_key(at.selectbox, "sep_padding").set_value("same")
    at.run()
    assert not at.error and metrics(at)["Standard conv MACs"]


def test_groups_slider_moves_from_standard_to_depthwise():
    at = open_page(
        PAGE,
        query={"in_channels": "32", "out_channels": "32", "input_size": "56", "view": "Groups"},
    )
    slider = at.select_slider(key="sep_groups")
    assert slider.options == ["1", "2", "4", "8", "16", "32"]
    slider.set_value(32)
    at.run()
    c = compare(ConvConfig(56, 32, 32, 3))
    assert metrics(at)["Grouped conv (g = 32) MACs"] == fmt_count(c.depthwise.macs)


def test_theory_vs_practice_measures_real_layers():
    at = open_page(
        PAGE,
        query={
            "input_size": "28",
            "in_channels": "64",
            "out_channels": "64",
            "view": "Theory vs practice",
        },
    )
    by_key(at.slider, "sep_budget").set_value(1)
    at.button(key="sep_measure").click()
    at.run()
    shown = metrics(at)
    assert shown["Standard conv"].endswith(" ms")
    assert float(shown["Depthwise + pointwise"].split()[0]) > 0
    assert shown["Theoretical (MAC ratio)"] == f"{compare(ConvConfig(28, 64, 64, 3)).saving:.2f}×"
    # median and spread of every layer, depthwise and pointwise separately, and a verdict
    table = at.dataframe[0].value
    assert list(table["layer"])[:3] == ["standard conv", "depthwise conv", "pointwise (1×1) conv"]
    assert "rounds in" in texts(at)
    assert any(
        w in texts(at)
        for w in (
            "Too noisy to conclude",
            "matches the MAC ratio",
            "below the MAC ratio",
            "above the MAC ratio",
        )
    )
    # the result stays while the settings stay; another layer clears it
    at.run()
    assert "Measured speed-up" in metrics(at)
    by_key(at.slider, "sep_kernel").set_value(5)
    at.run()
    assert "Measured speed-up" not in metrics(at)


def test_pytorch_code_matches_configuration():
    at = open_page(
        PAGE,
        query={
            "in_channels": "64",
            "out_channels": "128",
            "kernel": "5",
            "stride": "2",
            "view": "PyTorch code",
        },
    )
    code = at.code[0].value
    c = compare(ConvConfig(14, 64, 128, 5, stride=2))
    assert code == formulas.pytorch_code(c, 1).rstrip()
    assert "nn.Conv2d(64, 64, kernel_size=5, stride=2, padding=2, groups=64, bias=False)" in code
    assert at.code[
        0
    ].proto.wrap_lines  # long lines wrap instead of running off the right edge at 1280 px


def test_only_the_open_tab_is_built_and_charts_render():
    at = open_page(PAGE)
    # Formulas tab: no plotly figure built (a first screen without plotly's JavaScript); the one
    # chart is the stage's light cost split
    assert not at.get("plotly_chart") and list(light_charts(at)) == ["cost-split"]
    at.session_state["sep_view"] = "Charts"
    at.run()
    assert [c.key for c in at.get("plotly_chart")] == ["sep_fig_ratio", "sep_fig_heatmap"]
    assert list(light_charts(at)) == ["cost-split"]
    assert at.query_params["view"] == "Charts"


def test_preset_box_names_the_preset_only_while_it_matches():
    at = open_page(PAGE)
    at.selectbox(key="sep_preset").set_value("Large kernel: 28×28×256 → 256, 5×5")
    at.run()
    assert at.selectbox(key="sep_preset").value == "Large kernel: 28×28×256 → 256, 5×5"
    by_key(at.slider, "sep_kernel").set_value(3)
    at.run()
    assert at.selectbox(key="sep_preset").value is None


def test_a_cleared_preset_applies_again_and_the_groups_view_does_not_clear_it():
    """Moving α (under More settings) clears the name; choosing the preset again restores its
    layer (a box still naming it could not be chosen again). The Groups view's slider is not part
    of the layer: it leaves the name."""
    name = "Last layer: 7×7×1024 → 1024, 3×3"
    at = open_page(PAGE, query={"view": "Groups"})
    at.selectbox(key="sep_preset").set_value(name).run()
    by_key(at.slider, "sep_alpha").set_value(0.5).run()
    assert at.selectbox(key="sep_preset").value is None
    assert metrics(at)["Standard conv MACs"] == fmt_count(
        compare(ConvConfig(7, 1024, 1024, 3, alpha=0.5)).standard.macs
    )
    at.selectbox(key="sep_preset").set_value(name).run()
    assert at.selectbox(key="sep_preset").value == name
    assert by_key(at.slider, "sep_alpha").value == 1.0 and at.query_params["alpha"] == "1"
    assert metrics(at)["Standard conv MACs"] == fmt_count(
        compare(ConvConfig(7, 1024, 1024, 3)).standard.macs
    )
    at.select_slider(key="sep_groups").set_value(32).run()
    assert at.selectbox(key="sep_preset").value == name
    assert at.query_params["groups"] == "32"


def test_first_layer_preset_keeps_three_colour_channels_under_alpha():
    at = open_page(PAGE)
    at.selectbox(key="sep_preset").set_value("First layer: 224×224×3 → 32, 3×3, stride 2")
    at.run()
    by_key(at.slider, "sep_alpha").set_value(0.25)
    at.run()
    c = compare(ConvConfig(224, 3, 32, 3, stride=2, alpha=0.25, image_input=True))
    assert c.in_channels == 3
    assert "Input 3×224×224 → output 8×112×112" in texts(at)
    assert metrics(at)["Standard conv MACs"] == fmt_count(c.standard.macs)
    assert at.query_params["image"] == "1"


def test_even_kernel_caption_says_understate_and_explains_same_padding():
    at = open_page(PAGE, query={"input_size": "10", "kernel": "4"})
    shown = texts(at)
    assert "would understate it" in shown and "overstate" not in shown
    assert "10×10 → 11×11" in shown
    padding = by_key(at.selectbox, "sep_padding")
    assert "D_K // 2" in padding.options and "same" not in padding.options  # not called "same"
    assert "odd kernels only" in padding.help


def test_impossible_after_rho_names_both_sizes():
    at = open_page(PAGE, query={"input_size": "2", "kernel": "7", "padding": "0", "rho": "0.25"})
    assert len(at.error) == 1
    assert "1x1 input" in at.error[0].value and "typed D_F = 2" in at.error[0].value


def test_multipliers_tab_shows_eq_7_with_the_numbers_and_the_sweep_with_published_accuracy():
    at = open_page(
        PAGE, query={"alpha": "0.75", "rho": "0.714", "view": "Width α and resolution ρ"}
    )
    latex = "\n".join(e.value for e in at.latex)
    assert r"\alpha M \cdot \alpha N \cdot \rho D_F \cdot \rho D_F" in latex
    assert "15{,}091{,}200" in latex
    assert [c.key for c in at.get("plotly_chart")] == ["sep_fig_multipliers"]
    table = at.dataframe[0].value
    assert list(table["published top-1 %"])[:4] == [50.6, 63.7, 68.4, 70.6]


def test_measuring_a_15_gb_layer_times_a_capped_one_and_says_what_was_scaled():
    """Issue 16: ?in_channels=4096&out_channels=4096&kernel=15 then Measure asked for a 15 GB layer."""
    at = open_page(
        PAGE,
        query={
            "input_size": "28",
            "in_channels": "4096",
            "out_channels": "4096",
            "kernel": "15",
            "view": "Theory vs practice",
        },
    )
    by_key(at.slider, "sep_budget").set_value(1)
    at.button(key="sep_measure").click()
    at.run()
    assert_no_exception(at)
    info = " ".join(str(i.value) for i in at.info)
    assert (
        "too large to time on a shared server (15.1 GB of fp32 for the standard conv): timed with M = 17 instead of 4096"
        in info
    )
    assert "timed at D_F =" in info  # and the activation / work cap on D_F
    assert (
        metrics(at)["Theoretical (MAC ratio)"]
        == f"{compare(ConvConfig(28, 4096, 4096, 15)).saving:.2f}×"
    )
