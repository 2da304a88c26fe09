"""The "On a phone" page's words and formulas follow the integer arithmetic they describe
(Jacob et al., arXiv:1712.05877v1, section 2): the clamp shown only when it decides, the bias's
sign, the ReLU6 sentence only for a [0, 6] output, why the int8 model is not 4× smaller."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mobilenet_viz.explain import int8 as text


def _walk(*, acc: int, multiplier: float, z_y: int, s_y: float, bias: int, q_y: int, runtime: int):
    quant = SimpleNamespace(s_x=0.02, z_x=3, s_w=np.array([0.5, 0.01]), s_y=s_y, z_y=z_y)
    q_x = np.array([10, 3, 250], dtype=np.uint8)
    q_w = np.array([-2, 7, 1], dtype=np.int8)
    products = (q_x.astype(int) - 3) * q_w
    return SimpleNamespace(
        quant=quant,
        channel=1,
        y=4,
        x=5,
        q_x=q_x,
        q_w=q_w,
        products=products,
        bias=bias,
        acc=acc,
        multiplier=multiplier,
        multiplier_m0=multiplier * 2**10,
        multiplier_shift=10,
        q_y=q_y,
        q_y_runtime=runtime,
        y_int8=s_y * (q_y - z_y),
        y_fp32=s_y * (q_y - z_y) + 0.5 * s_y,
    )


def test_requantize_shows_the_clamp_only_when_it_decides():
    inside = _walk(acc=1000, multiplier=0.1, z_y=0, s_y=6 / 255, bias=5, q_y=100, runtime=100)
    *_, q_y = text.requantize_latex(inside)
    assert r"\mathrm{round}(100.00) + 0 = 100" in q_y
    saturated = _walk(acc=10_000, multiplier=0.1, z_y=0, s_y=6 / 255, bias=5, q_y=255, runtime=255)
    *_, q_y = text.requantize_latex(saturated)
    assert r"\mathrm{clamp}(1000,\ 0,\ 255) = 255" in q_y


def test_accumulator_latex_sums_the_products_and_signs_the_bias():
    w = _walk(acc=-1, multiplier=0.1, z_y=0, s_y=0.1, bias=-20, q_y=0, runtime=0)
    latex = text.accumulate_latex(w, 3)
    assert r"\sum_{m=0}^{2} (q_x[m] - 3)\, q_w[m]" in latex
    assert f"{int(w.products.sum())} - 20" in latex.replace("{,}", ",")
    table = text.products_table(w)
    assert table["q_x − z_x"] == [7, 0, 247]
    assert table["product (int32)"] == [-14, 0, 247]


def test_relu6_sentence_only_for_a_zero_to_six_output_and_steps_between_int8_and_fp32():
    relu6 = _walk(acc=1000, multiplier=0.1, z_y=0, s_y=6 / 255, bias=5, q_y=100, runtime=100)
    assert "*is* the ReLU6" in text.walk_caption(relu6)
    assert "differ by 0.5 steps" in text.walk_caption(relu6)
    linear = _walk(acc=1000, multiplier=0.1, z_y=128, s_y=0.05, bias=5, q_y=100, runtime=101)
    assert "ReLU6" not in text.walk_caption(linear)
    metrics = {m.label: m for m in text.walk_metrics(linear)}
    assert metrics["q_y from ONNX Runtime"].delta == "+1"
    assert text.walk_metrics(relu6)[1].delta == "same"


def test_size_text_counts_what_stays_wider_than_a_byte():
    part = SimpleNamespace
    sizes = {
        "fp32_file": 14_000_000,
        "int8_file": 4_000_000,
        "fp32_memory": 14_000_000,
        "int8_memory": 3_800_000,
        "parts": [
            part(what="int8 weights", count=3_400_000, bytes=3_400_000),
            part(what="int32 biases", count=50_000, bytes=200_000),
            part(what="float32 scales", count=50_000, bytes=200_000),
        ],
    }
    sentence = text.size_text(sizes)
    assert "13.60 MB → 3.40 MB" in sentence  # 4 bytes -> 1 byte per weight
    assert "3.68× smaller in memory, not 4×, because 0.40 MB stay wider" in sentence
    assert "int32 biases 50,000 values (0.20 MB)" in sentence
    metrics = text.size_metrics(sizes, 14_200_000)
    assert metrics[1].delta == "3.50× smaller"
    assert metrics[0].help == "The .pth state_dict is 14.20 MB."
    assert text.size_text({**sizes, "parts": sizes["parts"][1:]}) == "No quantized weights found."


def test_median_channel_levels_under_one_scale():
    assert text.median_levels(np.array([0.01, 0.02, 1.0])) == 3  # 127 · 0.02 / 1.0
    assert text.median_levels(np.zeros(4)) == 0
    ranges = SimpleNamespace(
        kind="depthwise",
        layer="features.3.conv.1.0",
        max_abs=np.array([0.001, 0.02, 1.0]),
        zero_channels_per_tensor=1,
        sqnr_per_tensor_db=12.34,
        sqnr_per_channel_db=40.0,
    )
    sentence = text.ranges_text(ranges)
    assert "uses ±3 of ±127 levels, and **1 channel(s) round to all zeros**" in sentence
    assert "per tensor **12.3 dB**, per channel **40.0 dB**" in sentence


def test_trial_text_and_rows_count_agreeing_top1_classes():
    trial = SimpleNamespace(
        names=["a", "b"],
        fp32_top1=[1, 2],
        fp32_prob=[0.9, 0.5],
        per_tensor_top1=[0, 2],
        per_tensor_prob=[0.4, 0.3],
        per_channel_top1=[1, 2],
        per_channel_prob=[0.88, 0.51],
        per_tensor_kl=[1.0, 0.5],
        per_channel_kl=[0.01, 0.03],
        agreement=lambda which: {"per_tensor": 1, "per_channel": 2}[which],
    )
    sentence = text.trial_text(trial)
    assert "**1 of 2** sample photos (mean KL divergence from fp32 0.750 nats)" in sentence
    assert "per channel on **2 of 2** (0.020 nats)" in sentence
    rows = text.trial_rows(trial, ["Cat", "Coins"], ["zero", "one", "two"])
    assert rows[0] == {
        "photo": "Cat",
        "fp32": "one 90.0%",
        "depthwise per-tensor": "zero 40.0%",
        "depthwise per-channel": "one 88.0%",
    }


@pytest.fixture
def speed():
    row = SimpleNamespace
    return [
        row(engine="eager", title="eager", batch1_ms=8.0, batch1_p90_ms=9.0, batch_size=8,
            batch_ms=50.0, images_per_s=160.0, gops=75.0, threads=1),
        row(engine="onnx", title="ORT fp32", batch1_ms=4.0, batch1_p90_ms=4.4, batch_size=8,
            batch_ms=30.0, images_per_s=266.7, gops=150.0, threads=1),
        row(engine="int8", title="ORT int8", batch1_ms=2.4, batch1_p90_ms=2.6, batch_size=8,
            batch_ms=16.0, images_per_s=500.0, gops=250.0, threads=1),
    ]  # fmt: skip


def test_speed_rows_and_text_compare_with_fp32_onnx_runtime(speed):
    rows = text.speed_rows(speed)
    assert [r["× fp32 ONNX Runtime"] for r in rows] == [2.0, 1.0, 0.6]
    phone = {"ms": 75.0, "macs": 300_000_000, "source": "Table 4"}
    sentence = text.speed_text(
        speed, macs=300_774_272, float_share=0.033, keep_float=("features.1.",), cpus=2,
        phone=phone, fmt=lambda v: f"{v / 1e6:.1f}M",
    )  # fmt: skip
    assert "int8 takes **0.60×** the time of fp32 ONNX Runtime" in sentence
    assert "all but 3.3% of them — features.1, kept in float" in sentence
    assert "i.e. 8 GFLOP/s" in sentence  # 2 · 300M / 75 ms
    assert "one image costs 19× this server core's fp32 time" in sentence  # 75 / 4
