"""The "On a phone" page (AppTest): int8 sizes, one layer in integers, per-tensor vs per-channel,
speed; everything shown equals the library's numbers; links and presenter mode.

The int8 model is quantized once per test session (the library caches it per weights hash)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mobilenet_viz.inputs.images import decode_image
from mobilenet_viz.inputs.samples import get_sample, list_samples
from mobilenet_viz.runtime import quantization as qz
from mobilenet_viz.runtime import weights as w
from tests.app.helpers import assert_no_exception, by_key, clear_model_cache, open_page, texts

PAGE = "pages/on_a_phone.py"


def metrics(at) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


SIZE, CHANNELS, SPEED = "Size", "Per-tensor vs per-channel", "Speed"


def test_offline_page_says_untrained_and_shows_the_librarys_numbers(offline):
    at = open_page(PAGE, timeout=300)  # the first view: one layer in integers
    banner = " ".join(str(e.value) for e in at.error)
    assert (
        w.UNTRAINED_LABEL in banner
        and "int8 model is quantized from these untrained weights" in banner
    )
    loaded = w.untrained()
    int8 = qz.quantized(loaded)  # the page's model (same weights hash: cached)
    shown = metrics(at)
    assert "fp32 ONNX file" not in shown  # only the chosen view runs

    # one pixel of features.2.conv.0.0 (defaults: cat, channel 0, (20, 20)) in integers = ORT's value
    image = loaded.transforms(decode_image(get_sample("cat.jpg").read_bytes()).image)
    walk = qz.walk_pixel(loaded, int8, image, "features.2.conv.0.0", 0, 20, 20)
    assert shown["q_y computed here"] == str(walk.q_y) and shown["q_y from ONNX Runtime"] == str(
        walk.q_y_runtime
    )
    assert shown["float model"] == f"{walk.y_fp32:.4f}"
    assert any(f"= {walk.q_y}" in str(latex.value) for latex in at.latex)

    at = open_page(PAGE, query={"view": SIZE}, timeout=300)
    sizes = qz.size_breakdown(int8)
    shown = metrics(at)
    assert shown["fp32 ONNX file"] == f"{sizes['fp32_file'] / 1e6:.2f} MB"
    assert shown["int8 ONNX file"] == f"{sizes['int8_file'] / 1e6:.2f} MB"
    weights = next(p for p in sizes["parts"] if p.what == "int8 weights")
    page = texts(at)
    assert f"each of the {weights.count:,} quantized weights shrinks from 4 bytes" in page
    assert f"{sizes['fp32_memory'] / sizes['int8_memory']:.2f}× smaller in memory, not 4×" in page

    at = open_page(PAGE, query={"view": CHANNELS}, timeout=300)
    page = texts(at)
    dw, pw = (
        qz.channel_ranges(loaded.model, layer) for layer in qz.block_layers(3)
    )  # the default block
    assert (
        f"per tensor **{dw.sqnr_per_tensor_db:.1f} dB**, per channel **{dw.sqnr_per_channel_db:.1f} dB**"
        in page
    )
    assert f"per tensor **{pw.sqnr_per_tensor_db:.1f} dB**" in page
    assert "arXiv:1806.08342v1, section 3.1" in page
    at = open_page(PAGE, query={"view": SPEED}, timeout=300)
    assert "Press **Time fp32 and int8**" in texts(at)  # timing only on request


def test_a_shared_link_picks_layer_pixel_and_block_and_bad_values_fall_back(offline):
    at = open_page(
        PAGE,
        query={
            "layer": "features.5.conv.2",
            "channel": "7",
            "y": "3",
            "x": "4",
            "block": "9",
            "photo": "coffee.jpg",
        },
        timeout=300,
    )
    assert by_key(at.selectbox, "q8_layer").value == "features.5.conv.2"
    assert by_key(at.slider, "q8_channel").value == 7
    page = texts(at)
    assert (
        "`features.5.conv.2`" in page
        and "the 192 inputs at (3, 4) times the 192 weights of channel 7" in page
    )
    assert at.query_params["layer"] == "features.5.conv.2"
    at = open_page(PAGE, query={"block": "9", "view": CHANNELS}, timeout=300)
    assert by_key(at.slider, "q8_block").value == 9
    page = texts(at)
    assert "`features.9.conv.1.0`" in page and "`features.9.conv.2`" in page
    assert at.query_params["view"] == CHANNELS

    at = open_page(
        PAGE, query={"layer": "features.1.conv.1", "channel": "-1", "block": "banana"}, timeout=300
    )
    warning = " ".join(str(x.value) for x in at.warning)
    assert "'layer'" in warning and "'channel'" in warning and "'block'" in warning
    assert (
        by_key(at.selectbox, "q8_layer").value == "features.2.conv.0.0"
    )  # features.1 is kept float
    # a channel that exists in a wider layer is kept inside this one
    at = open_page(PAGE, query={"channel": "1000"}, timeout=300)
    assert by_key(at.slider, "q8_channel").value == 95  # features.2.conv.0.0 has 96 output channels
    assert_no_exception(at)


def test_moving_the_pixel_changes_the_integer_walkthrough(offline):
    at = open_page(PAGE, timeout=300)

    def accumulator() -> str:
        return next(str(x.value) for x in at.latex if "mathrm{acc}" in str(x.value))

    seen = {accumulator()}
    for x in (0, 55, 100):
        by_key(at.slider, "q8_x").set_value(x)
        at.run(timeout=120)
        assert_no_exception(at)
        shown = metrics(at)
        assert shown["q_y from ONNX Runtime"] in {
            str(int(shown["q_y computed here"]) + d) for d in (-1, 0, 1)
        }
        assert f"at (20, {x})" in texts(at)
        seen.add(accumulator())
    assert len(seen) == 4  # every pixel has its own inputs, so its own int32 sum


def test_speed_button_times_three_engines(offline):
    at = open_page(PAGE, query={"runs": "4", "view": SPEED}, timeout=300)
    at.button(key="q8_time").click()
    at.run(timeout=300)
    assert_no_exception(at)
    table = at.dataframe[-1].value
    assert list(table["engine"]) == [
        "eager PyTorch",
        "ONNX Runtime",
        "int8 ONNX Runtime (static quantization)",
    ]
    assert (table["batch 1 median (ms)"] > 0).all() and (table["images/s"] > 0).all()
    assert table["× fp32 ONNX Runtime"].iloc[1] == 1.0
    ratio = table["× fp32 ONNX Runtime"].iloc[2]
    page = texts(at)
    assert f"int8 takes **{ratio:.2f}×** the time of fp32 ONNX Runtime" in page
    assert "MobileNetV2 (arXiv:1801.04381v4) Table 4" in page and "8 GFLOP/s" in page


@pytest.mark.parametrize("present", ["0", "1"])
def test_presenter_mode_folds_the_pixel_controls(offline, present):
    at = open_page(PAGE, query={"present": present}, timeout=300)
    folded = [e for e in at.expander if e.label.startswith("More settings")]
    assert bool(folded) is (present == "1")
    assert by_key(at.slider, "q8_channel").value == 0  # the controls exist either way


@pytest.mark.weights
def test_real_weights_per_tensor_breaks_predictions_on_the_page(monkeypatch, test_weights_path):
    monkeypatch.setenv(w.ENV_WEIGHTS, str(test_weights_path))
    monkeypatch.setenv(w.ENV_OFFLINE, "1")
    clear_model_cache()
    try:
        at = open_page(PAGE, query={"view": CHANNELS}, timeout=300)
        assert not any(w.UNTRAINED_LABEL in str(e.value) for e in at.error)
        loaded = w.load_file(test_weights_path)
        names = [s.name for s in list_samples()]
        images = torch.stack(
            [loaded.transforms(decode_image(get_sample(n).read_bytes()).image) for n in names]
        )
        trial = qz.depthwise_weight_trial(loaded.model, names, images)
        page = texts(at)
        assert (
            f"the top-1 class stays the same on **{trial.agreement('per_tensor')} of {len(names)}** sample photos "
            f"(mean KL divergence from fp32 {np.mean(trial.per_tensor_kl):.3f} nats)"
        ) in page
        assert trial.agreement("per_tensor") < trial.agreement("per_channel")
    finally:
        clear_model_cache()
