"""AppTest: the "MobileNetV3" page shows the library's numbers for what the user picks."""

from __future__ import annotations

import pytest
import torch

from mobilenet_viz.analytic.v3_block import last_stage_saving, placement, v3_block, v3_presets
from mobilenet_viz.explain import fmt_count
from mobilenet_viz.runtime import weights as w
from mobilenet_viz.runtime.se_attention import compare
from tests.app.helpers import assert_no_exception, by_key, open_page, texts
from ui import model as ui_model

PAGE = "pages/mobilenet_v3.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def show(at, view: str) -> None:
    at.session_state["v3_view"] = view
    at.run()
    assert_no_exception(at)


@pytest.fixture
def offline_v3(offline, monkeypatch):
    """No V3 weights anywhere and no network: the page must use the labelled untrained fallback."""
    monkeypatch.delenv(w.ENV_V3_WEIGHTS, raising=False)
    monkeypatch.setenv(w.ENV_OFFLINE, "1")
    ui_model.get_v3_model.clear()
    yield offline
    ui_model.get_v3_model.clear()


@pytest.fixture(scope="module")
def at():
    return open_page(PAGE)


def test_default_block_is_v3_large_block_13_with_the_librarys_numbers(at):
    show(at, "The V3 block")
    cost = v3_block(v3_presets("v3-large")[12].config)
    assert metric(at, "Block MACs") == fmt_count(cost.macs)
    assert metric(at, "Block params") == fmt_count(cost.params)
    assert metric(at, "SE MACs") == f"{cost.se_macs / cost.macs:.1%}"
    assert metric(at, "SE params") == f"{cost.se_params / cost.params:.1%}"
    table = at.dataframe[0].value
    assert list(table["stage"]) == [s.name for s in cost.stages]
    assert list(table["MACs"]) == [s.macs for s in cost.stages]
    assert list(table["params"]) == [s.params for s in cost.stages]
    assert "1×1 conv to **168** = make_divisible(672 // 4, 8)" in texts(at)
    placement_table = at.dataframe[1].value
    assert list(placement_table["MACs"]) == [r["MACs"] for r in placement("v3-large")]


def test_widgets_drive_the_numbers(at):
    show(at, "The V3 block")
    by_key(at.radio, "v3_model").set_value("v3-small").run()
    by_key(at.selectbox, "v3_block").set_value(1).run()
    assert_no_exception(at)
    cost = v3_block(v3_presets("v3-small")[0].config)  # V3-Small block 1: SE, stride 2
    assert metric(at, "Block MACs") == fmt_count(cost.macs) and cost.squeeze_channels == 8
    assert metric(at, "Residual") == "no"
    by_key(at.select_slider, "v3_alpha").set_value("0.5").run()
    cost = v3_block(v3_presets("v3-small", alpha=0.5)[0].config)
    assert metric(at, "Block params") == fmt_count(cost.params)
    assert at.query_params["model"] == "v3-small" and at.query_params["alpha"] == "0.5"
    by_key(at.selectbox, "v3_block").set_value(3).run()
    assert metric(at, "SE MACs") == "no SE"  # V3-Small block 3 has no SE (Table 2)


def test_a_link_to_a_block_v3_small_does_not_have():
    at = open_page(PAGE, {"model": "v3-small", "block": "15"})
    assert "has 11 blocks; showing block 11" in texts(at)
    cost = v3_block(v3_presets("v3-small")[10].config)
    assert metric(at, "Block MACs") == fmt_count(cost.macs)


def test_bad_link_values_fall_back_with_one_warning():
    at = open_page(PAGE, {"block": "99", "alpha": "banana", "view": "nope"})
    warnings = [x.value for x in at.warning]
    assert len(warnings) == 1 and "'block'" in warnings[0] and "'alpha'" in warnings[0]
    assert metric(at, "Block MACs") == fmt_count(v3_block(v3_presets("v3-large")[12].config).macs)


def test_h_swish_measures_only_when_asked(at):
    show(at, "h-swish")
    assert "Press the button to measure" in texts(at)
    by_key(at.slider, "v3_runs").set_value(5).run()
    by_key(at.button, "v3_measure_act").click().run()
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert list(table["function"]) == ["ReLU6", "sigmoid", "hard-sigmoid", "swish", "h-swish"] * 2
    assert (table["median µs"] > 0).all()
    text = texts(at)
    assert "Measured here (5 runs" in text and "than h-swish" in text
    relu = sum(r["nonlinearity elements"] for r in placement("v3-large") if r["NL"] == "ReLU")
    assert f"**{relu / 1e6:.2f}M** elements" in text


def test_last_stage_numbers_and_measurement(at, offline_v3):
    show(at, "Last stage")
    saving = last_stage_saving()
    assert metric(at, "MACs saved") == f"{saving['macs_saved'] / 1e6:.1f}M"
    assert metric(at, "Original stage") == f"{saving['original']['macs'] / 1e6:.1f}M MACs"
    assert metric(at, "Params") == f"{-saving['params_saved'] / 1e6:+.2f}M"
    by_key(at.slider, "v3_stage_runs").set_value(5).run()
    by_key(at.button, "v3_measure_last").click().run()
    assert_no_exception(at)
    labels = [m.label for m in at.metric]
    assert (
        labels.count("Original stage") == 2
        and "Saved" in labels
        and "Share of the network" in labels
    )
    assert metric(at, "Share of the network").endswith("%")


def test_search_tab_tables_are_the_librarys(at):
    show(at, "Search")
    frames = [d.value for d in at.dataframe]
    assert len(frames) == 2
    assert list(frames[0]["exp size"]) == [r["exp size"] for r in placement("v3-large")]
    assert list(frames[1]["SE"]) == [r["SE"] for r in placement("v3-small")]
    assert "NetAdapt" in texts(at) and "w = −0.15" in texts(at)
    from mobilenet_viz.analytic.v3_block import V3_SMALL_W, reward_factor

    assert f"**{1 / reward_factor(2, V3_SMALL_W) - 1:.1%}**" in texts(at)  # 10.96%: twice as slow


def test_se_scales_offline_are_labelled_untrained(offline_v3):
    at = open_page(PAGE, {"view": "SE on a photo", "photo_a": "cat.jpg", "photo_b": "coins.jpg"})
    warning = " ".join(x.value for x in at.warning)
    assert "Untrained MobileNetV3-Large" in warning and w.UNTRAINED_LABEL in texts(at)
    assert metric(at, "Channels") == "672"
    loaded = ui_model.get_v3_model()
    from PIL import Image

    from mobilenet_viz.inputs.samples import get_sample
    from mobilenet_viz.runtime.se_attention import se_scales

    scales = [
        se_scales(
            loaded.model,
            13,
            loaded.transforms(Image.open(get_sample(n).path).convert("RGB")).unsqueeze(0),
        )
        for n in ("cat.jpg", "coins.jpg")
    ]
    summary = compare(*scales)
    assert metric(at, "Mean |difference|") == f"{summary['mean_abs_difference']:.3f}"
    by_key(at.selectbox, "v3_photo_b").set_value("cat.jpg").run()
    assert "Both photos are the same" in texts(at)


def test_se_scales_with_v3_weights_from_the_env(offline_v3, monkeypatch, tmp_path):
    path = tmp_path / "v3.pth"
    torch.save(w.untrained(arch=w.V3_LARGE).model.state_dict(), path)
    monkeypatch.setenv(w.ENV_V3_WEIGHTS, str(path))
    ui_model.get_v3_model.clear()
    at = open_page(PAGE, {"view": "SE on a photo"})
    assert not at.warning
    assert "Pretrained weights: v3.pth" in texts(at)
