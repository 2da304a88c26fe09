"""int8 MobileNetV2 (mobilenet_viz.runtime.quantization): it builds, it is a quarter of the size, one
layer's integer arithmetic reproduces ONNX Runtime's, per-channel beats per-tensor on a real
depthwise layer, and with real weights its top-1 equals fp32's on every photo.

Quantizing takes seconds on 2 cores: the library caches the result per weights hash, so each model
(untrained, real) is quantized once per test session, whichever test asks first.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mobilenet_viz.inputs.images import decode_image
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import quantization as qz
from mobilenet_viz.runtime.engines import EngineSet
from mobilenet_viz.runtime.weights import load_file, untrained


@pytest.fixture(scope="session")
def untrained_int8():
    loaded = untrained()
    return loaded, qz.quantized(loaded)


@pytest.fixture(scope="session")
def real_int8(test_weights_path):
    loaded = load_file(test_weights_path, preprocessing="IMAGENET1K_V1")
    return loaded, qz.quantized(loaded)


def _onnx():
    import onnx

    return onnx


def photos(loaded, folder=None) -> tuple[list[str], torch.Tensor]:
    paths = [s.path for s in list_samples()] + (sorted(folder.glob("*.jpg")) if folder else [])
    names = [f"{p.parent.name}/{p.name}" for p in paths]
    return names, torch.stack(
        [loaded.transforms(decode_image(p.read_bytes()).image) for p in paths]
    )


def run_int8(int8: qz.Int8Model, batch: torch.Tensor) -> torch.Tensor:
    session = int8.session(1)
    return torch.cat(
        [
            torch.from_numpy(session.run(["logits"], {"image": batch[i : i + 1].numpy()})[0])
            for i in range(len(batch))
        ]
    )


def test_quantized_model_builds_with_int8_weights_and_is_cached(untrained_int8):
    loaded, int8 = untrained_int8
    onnx = _onnx()
    graph = onnx.load_from_string(int8.int8_onnx).graph
    ops = {n.op_type for n in graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv", "Gemm"} <= ops
    int8_weights = [
        t
        for t in graph.initializer
        if t.data_type == onnx.TensorProto.INT8 and t.name.endswith("_quantized")
    ]
    assert (
        len(int8_weights) == 52 - 2 + 1
    )  # 52 convs minus features.1's two (kept float) + the classifier
    assert int8.calibration_images == 4 * len(list_samples())
    assert qz.quantized(loaded) is int8  # once per weights hash
    assert (
        qz.weights_hash(untrained().model) == int8.weights_hash
    )  # the seeded model is the same model
    logits = run_int8(int8, torch.zeros(1, 3, 224, 224))
    assert logits.shape == (1, 1000) and torch.isfinite(logits).all()


def test_int8_is_about_a_quarter_of_the_bytes(untrained_int8):
    loaded, int8 = untrained_int8
    sizes = qz.size_breakdown(int8)
    layers = [
        (n, m) for n, m in loaded.model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    weights = next(p for p in sizes["parts"] if p.what == "int8 weights")
    # every conv/FC weight except features.1's two convs (32*9 + 16*32, kept float) is stored in one byte
    assert (
        weights.count
        == weights.bytes
        == sum(m.weight.numel() for n, m in layers if not n.startswith("features.1."))
    )
    # fp32: every weight plus one bias per output channel (BatchNorm folded by the exporter), 4 bytes each
    fp32_values = sum(m.weight.numel() + m.weight.shape[0] for _, m in layers)
    assert sizes["fp32_memory"] == pytest.approx(4 * fp32_values, rel=1e-3)
    assert 3.5 < sizes["fp32_memory"] / sizes["int8_memory"] < 4.0
    assert 3.4 < sizes["fp32_file"] / sizes["int8_file"] < 4.0
    assert sum(p.bytes for p in sizes["parts"]) == sizes["int8_memory"]


def test_one_pixel_in_integers_equals_onnx_runtime(untrained_int8):
    loaded, int8 = untrained_int8
    image = photos(loaded)[1][0]
    shapes = qz.pointwise_shapes()
    for layer, channel in (
        ("features.2.conv.0.0", 3),
        ("features.5.conv.2", 7),
        ("features.18.0", 1000),
    ):
        m, n, h, w = shapes[layer]
        walk = qz.walk_pixel(loaded, int8, image, layer, channel, h // 2, w // 3)
        assert len(walk.q_x) == m and walk.q_w.dtype == np.int8
        assert (
            walk.acc
            == int(((walk.q_x.astype(int) - walk.quant.z_x) * walk.q_w.astype(int)).sum())
            + walk.bias
        )
        assert walk.multiplier == pytest.approx(walk.multiplier_m0 * 2.0**-walk.multiplier_shift)
        assert 0.5 <= walk.multiplier_m0 < 1
        assert abs(walk.q_y - walk.q_y_runtime) <= 1, (
            layer
        )  # MLAS rounds in float the same way, +-1 at worst
        assert abs(walk.y_int8 - walk.y_fp32) < 8 * walk.quant.s_y + 0.05 * abs(walk.y_fp32), layer
    with pytest.raises(ValueError, match="kept in float"):
        qz.walk_pixel(loaded, int8, image, "features.1.conv.1", 0, 0, 0)
    with pytest.raises(ValueError, match="outside"):
        qz.walk_pixel(loaded, int8, image, "features.2.conv.0.0", 96, 0, 0)


def test_fake_quantize_one_scale_per_tensor_erases_a_small_channel():
    weight = torch.tensor([[[[127.0]], [[-64.0]]], [[[0.5]], [[-0.25]]]])  # [N=2, M=2, 1, 1]
    per_channel = qz.fake_quantize(weight, per_channel=True)
    assert torch.equal(per_channel[0], weight[0])  # on the grid: exact
    assert torch.allclose(per_channel[1], weight[1], atol=0.5 / 127)  # its own scale 0.5/127
    per_tensor = qz.fake_quantize(weight, per_channel=False)  # one scale, 127/127 = 1
    assert per_tensor[1].abs().sum() == 0  # the small channel rounds to all zeros
    assert qz.quantization_sqnr_db(weight, True) > qz.quantization_sqnr_db(weight, False)


def test_block_layers_name_a_depthwise_and_a_pointwise_conv():
    from torchvision.models import mobilenet_v2

    modules = dict(mobilenet_v2(weights=None).named_modules())
    for block in range(1, 18):
        dw, pw = qz.block_layers(block)
        assert modules[dw].groups == modules[dw].in_channels > 1 and modules[dw].kernel_size == (
            3,
            3,
        )
        assert modules[pw].groups == 1 and modules[pw].kernel_size == (1, 1)
    with pytest.raises(ValueError):
        qz.block_layers(18)


def test_torch_name_maps_onnx_scopes_to_module_paths():
    assert qz.torch_name("/features/features.1/conv/conv.0/conv.0.0/Conv") == "features.1.conv.0.0"
    assert qz.torch_name("/features.1/conv/conv.1/Conv") == "features.1.conv.1"
    assert qz.torch_name("/features/features.18/features.18.0/Conv") == "features.18.0"
    assert qz.torch_name("/classifier/classifier.1/Gemm") == "classifier.1"


def test_int8_engine_and_comparison_row(untrained_int8):
    loaded, int8 = untrained_int8
    engines = EngineSet(loaded, device="cpu")
    engine = engines.get("int8")
    assert engine.device == "cpu (onnxruntime, int8)" and "int8" in engines.available()
    batch = photos(loaded)[1][:2]
    assert torch.equal(engine.run(batch), run_int8(int8, batch))  # the engine runs the cached model
    rows = qz.speed_comparison(engines, batch[0], macs=300_000_000, runs=4, batch_size=2, rounds=2)
    assert [r.engine for r in rows] == ["eager", "onnx", "int8"]
    for r in rows:
        assert 0 < r.batch1_ms <= r.batch1_p90_ms and r.batch_size == 2
        assert r.gops == pytest.approx(2 * 300e6 / (r.batch1_ms / 1e3) / 1e9)
        assert r.images_per_s == pytest.approx(2 / (r.batch_ms / 1e3))


def test_cli_classify_engine_int8(offline, capsys, untrained_int8):
    import json

    from mobilenet_viz.cli import main

    status = main(
        ["classify", str(list_samples()[0].path), "--engine", "int8", "--runs", "2", "--json"]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    result = json.loads(out)
    assert result["engine"] == "int8" and result["weights"]["pretrained"] is False
    assert set(result["timing_ms"]) == {
        "decode",
        "preprocess",
        "inference_median",
        "inference_p90",
        "postprocess",
    }
    assert len(result["results"][0]["top"]) == 5 and result["results"][0]["error"] is None
    assert (
        "int8 model is quantized from the untrained weights: its predictions are meaningless too"
        in err
    )


# --- with the real weights ----------------------------------------------------------------------


@pytest.mark.weights
def test_int8_top1_equals_fp32_on_every_sample_and_test_photo(real_int8, test_photos_dir):
    loaded, int8 = real_int8
    names, batch = photos(loaded, test_photos_dir)
    assert len(names) == len(list_samples()) + 3
    with torch.inference_mode():
        fp32 = loaded.model(batch)
    result = qz.agreement(fp32, run_int8(int8, batch))
    wrong = [n for n, ok in zip(names, result.top1_equal, strict=True) if not ok]
    assert not wrong, f"int8 top-1 differs from fp32 on {wrong}"
    assert result.mean_abs_prob_diff < 5e-4  # measured 1.3e-4 (mean over 1000 classes x 11 photos)
    assert result.mean_kl < 0.1 and max(result.kl) < 0.5  # measured 0.034 and 0.134 nats


@pytest.mark.weights
def test_per_channel_beats_per_tensor_on_real_depthwise_layers(real_int8):
    loaded, _ = real_int8
    for block in (1, 2, 9, 16):
        dw, pw = (qz.channel_ranges(loaded.model, layer) for layer in qz.block_layers(block))
        assert dw.kind == "depthwise" and pw.kind == "pointwise"
        assert dw.sqnr_per_channel_db > dw.sqnr_per_tensor_db + 6, block  # > 1 bit better
        assert pw.sqnr_per_channel_db >= pw.sqnr_per_tensor_db
        # depthwise channel ranges vary more than the pointwise layer's of the same block
        assert dw.max_abs.max() / np.median(dw.max_abs) > pw.max_abs.max() / np.median(
            pw.max_abs
        ), block
    # the first depthwise layer has a channel that one per-tensor scale rounds to all zeros
    assert qz.channel_ranges(loaded.model, "features.1.conv.0.0").zero_channels_per_tensor >= 1


@pytest.mark.weights
def test_per_tensor_depthwise_weights_break_predictions_per_channel_keeps_them(real_int8):
    loaded, _ = real_int8
    names, batch = photos(loaded)
    trial = qz.depthwise_weight_trial(loaded.model, names, batch)
    assert trial.agreement("per_tensor") <= len(names) // 2  # measured 1 of 8
    assert trial.agreement("per_channel") >= len(names) - 1  # measured 7 of 8
    assert np.mean(trial.per_tensor_kl) > 20 * np.mean(
        trial.per_channel_kl
    )  # measured 3.9 vs 0.014 nats


def test_kept_float_macs_are_features_1s_two_convs():
    # depthwise 3x3 on 32 channels at 112x112 + 1x1 projection 32 -> 16 at 112x112 (MobileNetV2 Table 2)
    assert qz.kept_float_macs() == 112 * 112 * 32 * 9 + 112 * 112 * 32 * 16
    assert qz.kept_float_macs(("classifier.",)) == 1280 * 1000
    assert qz.kept_float_macs(()) == 0
