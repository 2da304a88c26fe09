"""AppTest: the "How the filters work" page, driven through its widgets like a student would."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import filtering as flt
from tests.app.helpers import assert_no_exception, by_key, open_page, texts

PAGE = "pages/filters.py"


def metric(at, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise KeyError(f"no metric starting {label_start!r}: {[m.label for m in at.metric]}")


def tile_captions(at) -> list[str]:
    """Captions of the page's image tiles (the key visual's maps, then any view's), in order."""
    return [img.caption for element in at.main.get("image") for img in element.proto.imgs]


def show(at, view: str):
    """Open one of the page's tabs (the tabs widget is keyed flt_view), as a click would."""
    at.session_state["flt_view"] = view
    at.run()
    assert_no_exception(at)
    return at


def png_bytes(im: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


@pytest.fixture(scope="module")
def at():
    """One page session shared by the tests that only read what a setting shows."""
    return open_page(PAGE)


def test_defaults_are_shareable_and_show_the_standard_conv(at):
    q = dict(at.query_params)
    assert q["kernel"] == "sobel_x" and q["size"] == "64" and q["source"] == "sample"
    shown = texts(at)
    assert "resized to 64×64, 3 channel(s) (R, G, B)" in shown
    # The key visual: the input and the N = 4 output maps as image tiles; one plotly chart (the
    # N×M filter slices) in the open view.
    assert tile_captions(at) == [
        "input X",
        "output 1",
        "output 2",
        "output 3",
        "output 4",
    ]
    assert len(at.get("plotly_chart")) == 1
    assert "4 standard filters of 3×3×3** (108 weights)" in shown
    assert "The 64×64×3 input X and the 4 output maps of a standard 3×3×3 conv" in shown
    assert "The depthwise + pointwise pair computes the same maps" in shown


def test_output_channels_and_the_separable_view_draw_one_tile_per_map():
    at = open_page(PAGE, query={"n": "6", "gray": "true", "view": "Depthwise + pointwise"})
    captions = tile_captions(at)
    # stage: input + 6 standard outputs; the view: the gray channel beside its depthwise map,
    # then the 6 separable outputs
    outputs = [f"output {i}" for i in range(1, 7)]
    assert captions == ["input X", *outputs, "input channel gray", "map from gray only", *outputs]
    assert "Depthwise separable output: 6 maps of 64×64" in texts(at)
    assert "The 64×64×1 input X and the 6 output maps of a standard 3×3×1 conv" in texts(at)
    by_key(at.slider, "flt_n").set_value(2).run()
    assert len(tile_captions(at)) == 1 + 2 + 2 + 2
    at.toggle(key="flt_gray").set_value(False).run()
    pairs = tile_captions(at)[3:9]  # RGB: each channel beside the map made from it alone
    assert pairs == [t for c in "RGB" for t in (f"input channel {c}", f"map from {c} only")]


def test_every_kernel_preset_drives_the_depthwise_kernel_and_stays_equivalent():
    at = open_page(PAGE, query={"view": "Depthwise + pointwise"})
    for preset in flt.PRESETS:
        by_key(at.selectbox, "flt_kernel").set_value(preset)
        at.run()
        assert_no_exception(at)
        latex = " ".join(str(e.value) for e in at.latex)
        expected = flt.preset_kernel(preset)
        numbers = [
            float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", latex.split("D =")[1])
        ]
        np.testing.assert_allclose(numbers, expected.ravel(), rtol=1e-3, err_msg=preset)
        show(at, "Equivalence")
        assert float(metric(at, "max |separable − standard conv")) < 1e-5, preset
        assert metric(at, "Weights: standard") == "108 → 39"
        show(at, "Depthwise + pointwise")


def test_random_and_sizes_change_the_counts():
    at = open_page(PAGE, query={"kernel": "random", "dk": "5", "n": "8", "view": "Equivalence"})
    assert float(metric(at, "max |separable − standard conv")) < 1e-5
    assert float(metric(at, "max |this page's standard − separable|")) > 1e-3  # not separable
    assert metric(at, "Weights: standard") == f"{5 * 5 * 3 * 8} → {5 * 5 * 3 + 3 * 8}"
    assert "best separable approximation" in texts(at)
    by_key(at.selectbox, "flt_dk").set_value("7")
    at.run()
    assert metric(at, "Weights: standard") == f"{7 * 7 * 3 * 8} → {7 * 7 * 3 + 3 * 8}"
    at.toggle(key="flt_gray").set_value(True)
    at.run()
    assert_no_exception(at)
    assert metric(at, "Weights: standard") == f"{7 * 7 * 1 * 8} → {7 * 7 * 1 + 1 * 8}"
    assert "1 channel(s) (gray)" in texts(at)


@pytest.mark.parametrize("pattern", flt.PATTERNS)
def test_inspector_numbers_equal_a_direct_computation(pattern):
    size, row, col, out = 32, 9, 30, 3
    at = open_page(
        PAGE,
        query={
            "source": "pattern",
            "pattern": pattern,
            "size": str(size),
            "kernel": "random",
            "seed": "7",
            "view": "One output pixel",
        },
    )
    by_key(at.slider, "flt_row").set_value(row)
    by_key(at.slider, "flt_col").set_value(col)
    by_key(at.slider, "flt_out").set_value(out)
    at.run()
    assert_no_exception(at)
    assert "synthetic pattern" in texts(at)

    # Direct computation, independent of the inspector: torch conv2d on the same input and filters.
    x = torch.from_numpy(flt.prepare_input(flt.synthetic_pattern(pattern, size), size))[None]
    bank = flt.make_filter_bank("random", in_channels=3, out_channels=4, seed=7)
    standard = F.conv2d(x, torch.from_numpy(bank.standard), padding=1)[0, out - 1, row, col].item()
    depthwise = F.conv2d(x, torch.from_numpy(bank.depthwise[:, None]), padding=1, groups=3)[
        0, :, row, col
    ]
    separable = float((torch.from_numpy(bank.pointwise[out - 1]) * depthwise).sum())
    assert float(metric(at, "Standard: Σ products")) == pytest.approx(standard, abs=2e-6)
    assert float(metric(at, "Separable: Σ P·Z")) == pytest.approx(separable, abs=2e-6)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["depthwise sum Z[m]"].to_numpy(), depthwise.numpy(), atol=1e-5)
    assert metric(at, "Mults, standard") == "27"
    assert metric(at, "Mults, separable") == "27 + 3"
    assert "standard **108** (D_K²·M·N) vs separable **39**" in texts(at)


def test_inspector_follows_a_smaller_map_and_border_pixels():
    at = open_page(PAGE, query={"row": "100", "col": "0", "view": "One output pixel", "size": "32"})
    assert by_key(at.slider, "flt_row").value == 31  # clamped into the 32×32 map
    assert at.query_params["row"] == "31"
    by_key(at.select_slider, "flt_size").set_value("128")
    at.run()
    assert_no_exception(at)
    assert by_key(at.slider, "flt_row").max == 127


def test_sample_photos_and_patterns_are_all_usable():
    at = open_page(PAGE, query={"size": "32", "view": "3D view"})
    for sample in [s.name for s in list_samples()][:3]:
        at.selectbox(key="flt_sample").set_value(sample)
        at.run()
        assert_no_exception(at)
    at.radio(key="flt_source").set_value("pattern")
    at.run()
    for pattern in flt.PATTERNS:
        at.selectbox(key="flt_pattern").set_value(pattern)
        at.run()
        assert_no_exception(at)
        assert f"synthetic pattern “{pattern.capitalize()}”" in texts(at)
        assert len(at.get("plotly_chart")) == 1


def test_upload_good_bad_and_animated():
    at = open_page(PAGE, query={"source": "upload", "size": "32"})
    assert "Upload a JPEG, PNG, WebP, BMP or GIF" in texts(at)
    assert not at.get("plotly_chart") and not tile_captions(at)  # nothing to filter yet, no error

    red = Image.new("RGB", (40, 30), (250, 10, 10))
    at.file_uploader(key="flt_upload").set_value(("red.png", png_bytes(red), "image/png"))
    at.run()
    assert_no_exception(at)
    assert "your upload “red.png” (PNG, 40×30)" in texts(at)
    assert len(at.get("plotly_chart")) == 1 and len(tile_captions(at)) == 5

    photo = png_bytes(
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)),
        "JPEG",
    )
    at.file_uploader(key="flt_upload").set_value(
        ("broken.jpg", photo[: len(photo) // 2], "image/jpeg")
    )
    at.run()
    assert_no_exception(at)
    errors = [e.value for e in at.error]
    assert errors == [
        "Cannot use “broken.jpg”: truncated JPEG: the file ends before the image data is complete."
    ]
    assert at.title[0].value == "How the filters work"

    frames = [Image.new("RGB", (16, 16), c) for c in ((0, 0, 255), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    at.file_uploader(key="flt_upload").set_value(("anim.gif", buf.getvalue(), "image/gif"))
    at.run()
    assert_no_exception(at)
    assert not at.error
    assert "animated GIF: using its first frame" in texts(at)


def test_pretrained_source_hidden_without_weights(monkeypatch, tmp_path):
    monkeypatch.delenv("MOBILENET_VIZ_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no torch hub cache either
    at = open_page(PAGE, query={"kernel": "mobilenet_v2"})
    assert "mobilenet_v2" not in at.selectbox(key="flt_kernel").options
    assert any("not available here" in w.value for w in at.warning)
    assert at.query_params["kernel"] == "sobel_x"
    assert "set MOBILENET_VIZ_WEIGHTS" in texts(at)


def test_broken_weights_file_is_explained(monkeypatch, tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"this is not a checkpoint")
    monkeypatch.setenv("MOBILENET_VIZ_WEIGHTS", str(junk))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    at = open_page(PAGE)
    assert "mobilenet_v2" not in at.selectbox(key="flt_kernel").options
    assert "MobileNetV2 filters unavailable" in texts(at) and "junk.pth" in texts(at)


@pytest.mark.weights
def test_real_mobilenet_v2_first_layer(monkeypatch, test_weights_path):
    monkeypatch.setenv("MOBILENET_VIZ_WEIGHTS", str(test_weights_path))
    at = open_page(PAGE, query={"kernel": "mobilenet_v2", "n": "8", "view": "Equivalence"})
    assert not at.warning
    assert float(metric(at, "max |separable − standard conv")) < 1e-5
    assert float(metric(at, "max |this page's standard − separable|")) > 1e-3
    assert "these mobilenetv2 first layer filters are a general standard bank" in texts(at).lower()
    assert f"Pretrained weights: {test_weights_path.name}" in texts(at)


@pytest.mark.weights
def test_weights_in_the_torch_hub_cache_are_picked_up(monkeypatch, tmp_path, test_weights_path):
    """Weights fetched for the Classify page (torch hub cache) also give the real filters here."""
    from mobilenet_viz.runtime import weights

    monkeypatch.delenv("MOBILENET_VIZ_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = weights.cached_path("IMAGENET1K_V2")
    cached.parent.mkdir(parents=True)
    cached.symlink_to(test_weights_path)
    at = open_page(PAGE, query={"kernel": "mobilenet_v2", "n": "2"})
    assert at.selectbox(key="flt_kernel").value == "mobilenet_v2"
    expected = torch.load(test_weights_path, weights_only=True)["features.0.0.weight"][:2].numpy()
    spec = json.loads(by_key(at.get("plotly_chart"), "flt_fig_std_kernels").proto.spec)
    shown = [
        np.frombuffer(base64.b64decode(t["z"]["bdata"]), dtype=np.float32) for t in spec["data"]
    ]
    np.testing.assert_allclose(np.stack(shown).reshape(2, 3, 3, 3), expected, atol=1e-7)


def test_choosing_upload_on_the_sliding_window_tab_keeps_the_tab():
    at = open_page(PAGE)
    show(at, "Sliding window")
    at.radio(key="flt_source").set_value("upload")
    at.run()  # no upload yet: the page stops before drawing the tabs
    assert at.session_state["flt_view"] == "Sliding window"
    assert at.query_params["view"] == "Sliding window"
    at.radio(key="flt_source").set_value("sample")
    at.run()
    assert at.session_state["flt_view"] == "Sliding window"
    assert at.query_params["view"] == "Sliding window"


def test_preset_standard_filters_say_they_are_p_times_d_and_can_be_unconstrained():
    at = open_page(PAGE)
    show(at, "Standard conv")
    assert "built as W[n, m] = P[n, m]·D[m]" in texts(at)
    by_key(at.toggle, "flt_free").set_value(True)
    at.run()
    assert "no W = P·D constraint" in texts(at)
    assert at.query_params["free"] == "1"
    show(at, "Equivalence")
    assert (
        float(metric(at, "max |this page's standard − separable|")) > 1e-3
    )  # the constraint now costs


def test_unconstrained_preset_bank_gives_slices_their_own_patterns():
    bank = flt.make_filter_bank(
        "sobel_x", in_channels=3, out_channels=6, seed=0, unconstrained=True
    )
    assert not bank.exact
    shapes = {
        tuple(np.sign(np.round(bank.standard[n, m], 6)).ravel()) for n in range(6) for m in range(3)
    }
    assert len(shapes) > 2  # more than +/- one pattern
    exact = flt.make_filter_bank("sobel_x", in_channels=3, out_channels=6, seed=0)
    np.testing.assert_allclose(
        exact.standard, flt.compose_standard(exact.depthwise, exact.pointwise)
    )


def test_presenter_mode_draws_the_same_tiles_in_rows_that_stretch():
    at = open_page(PAGE, query={"present": "1", "n": "8"})
    assert tile_captions(at) == ["input X", *[f"output {i}" for i in range(1, 9)]]
    # nine tiles: rows of five columns (two rows fit a 1280x720 projector beside the Settings box)
    assert len(at.columns) >= 10
    assert "More settings" in " ".join(e.label for e in at.expander)
