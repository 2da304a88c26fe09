"""Standard vs depthwise/pointwise filtering: maps, equivalence, inspector, counts."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from mobilenet_viz.analytic import costs
from mobilenet_viz.runtime import filtering as flt


def naive_conv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Direct nested-loop cross-correlation with zero 'same' padding: (M,H,W) x (N,M,K,K)."""
    n, m, k, _ = w.shape
    r = k // 2
    padded = np.pad(x.astype(np.float64), ((0, 0), (r, r), (r, r)))
    out = np.zeros((n, x.shape[1], x.shape[2]))
    for o in range(n):
        for i in range(x.shape[1]):
            for j in range(x.shape[2]):
                out[o, i, j] = (padded[:, i : i + k, j : j + k] * w[o]).sum()
    return out


def test_presets_are_the_textbook_kernels():
    assert flt.preset_kernel("sobel_x").tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert flt.preset_kernel("sobel_y").tolist() == [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    assert flt.preset_kernel("blur").sum() == pytest.approx(1.0)
    assert flt.preset_kernel("sharpen").sum() == pytest.approx(1.0)
    assert flt.preset_kernel("identity").sum() == 1.0
    with pytest.raises(ValueError, match="unknown kernel preset"):
        flt.preset_kernel("laplace")


def test_sobel_x_sees_vertical_stripes_only():
    """Stripes: R has vertical stripes, G horizontal. Sobel x fires on R, not on G."""
    x = flt.prepare_input(flt.synthetic_pattern("stripes", 32), 32)
    res = flt.run_filters(x, flt.make_filter_bank("sobel_x", in_channels=3, out_channels=1))
    inner = (slice(None), slice(2, -2), slice(2, -2))
    assert np.abs(res.depthwise[inner][0]).max() > 2.0
    assert np.abs(res.depthwise[inner][1]).max() < 1e-6


def test_identity_preset_reproduces_each_channel():
    x = flt.prepare_input(flt.synthetic_pattern("gradient", 16), 16)
    res = flt.run_filters(x, flt.make_filter_bank("identity", in_channels=3, out_channels=2))
    np.testing.assert_allclose(res.depthwise, x, atol=1e-7)


@pytest.mark.parametrize("source", ["sobel_x", "random"])
def test_standard_conv_equals_a_direct_loop(source):
    rng = np.random.default_rng(3)
    x = rng.random((3, 9, 7)).astype(np.float32)
    bank = flt.make_filter_bank(source, in_channels=3, out_channels=4, kernel=5, seed=2)
    res = flt.run_filters(x, bank)
    np.testing.assert_allclose(res.standard, naive_conv(x, bank.standard), atol=1e-5)
    np.testing.assert_allclose(
        res.separable,
        naive_conv(x, flt.compose_standard(bank.depthwise, bank.pointwise)),
        atol=1e-5,
    )


def test_each_depthwise_map_comes_from_one_channel_only():
    rng = np.random.default_rng(0)
    x = rng.random((3, 12, 12)).astype(np.float32)
    bank = flt.make_filter_bank("random", in_channels=3, out_channels=3, seed=5)
    before = flt.run_filters(x, bank)
    x2 = x.copy()
    x2[1] = rng.random((12, 12))  # change only the G channel
    after = flt.run_filters(x2, bank)
    np.testing.assert_array_equal(before.depthwise[[0, 2]], after.depthwise[[0, 2]])
    assert np.abs(before.depthwise[1] - after.depthwise[1]).max() > 0.01
    # the depthwise maps are torch's grouped conv, channel by channel
    r = bank.kernel // 2
    torch_dw = F.conv2d(
        torch.from_numpy(x2)[None], torch.from_numpy(bank.depthwise)[:, None], padding=r, groups=3
    )[0]
    np.testing.assert_allclose(after.depthwise, torch_dw.numpy(), atol=1e-5)
    # every standard output changes, by exactly the G change filtered by its G slice (linearity):
    # Y'[n] - Y[n] = (X'[1] - X[1]) * W[n, 1], computed by torch's conv2d
    delta = torch.from_numpy(x2[1] - x[1])[None, None]
    expected = F.conv2d(delta, torch.from_numpy(bank.standard[:, 1:2]), padding=r)[0].numpy()
    np.testing.assert_allclose(after.standard - before.standard, expected, atol=1e-5)
    assert (np.abs(expected).max(axis=(1, 2)) > 1e-3).all()  # all N change


@settings(max_examples=40, deadline=None)
@given(
    m=st.sampled_from([1, 3]),
    n=st.integers(1, flt.MAX_OUT_CHANNELS),
    k=st.sampled_from(flt.RANDOM_KERNELS),
    size=st.integers(4, 20),
    seed=st.integers(0, 2**16),
    source=st.sampled_from(flt.KERNEL_SOURCES[:-1]),
)
def test_separable_equals_its_composed_standard_conv(m, n, k, size, seed, source):
    x = np.random.default_rng(seed).random((m, size, size)).astype(np.float32)
    bank = flt.make_filter_bank(source, in_channels=m, out_channels=n, kernel=k, seed=seed)
    res = flt.run_filters(x, bank)
    assert res.equivalence_error < 1e-5
    if bank.exact:
        assert res.approximation_error < 1e-5
    # the torch grouped conv really is per-channel
    for c in range(m):
        single = torch.nn.functional.conv2d(
            torch.from_numpy(x[c][None, None]),
            torch.from_numpy(bank.depthwise[c][None, None]),
            padding=bank.kernel // 2,
        )[0, 0].numpy()
        np.testing.assert_allclose(res.depthwise[c], single, atol=1e-5)


def test_factorisation_recovers_separable_banks_exactly():
    rng = np.random.default_rng(1)
    d = rng.normal(size=(3, 3, 3)).astype(np.float32)
    p = rng.normal(size=(5, 3)).astype(np.float32)
    w = flt.compose_standard(d, p)
    d2, p2 = flt.separable_factorisation(w)
    np.testing.assert_allclose(flt.compose_standard(d2, p2), w, atol=1e-5)
    assert np.abs(d2).max(axis=(1, 2)) == pytest.approx([1, 1, 1])


def test_factorisation_is_the_best_rank_one_fit():
    """Eckart-Young: the residual per channel is the norm of the discarded singular values."""
    w = np.random.default_rng(2).normal(size=(6, 3, 5, 5)).astype(np.float32)
    d, p = flt.separable_factorisation(w)
    approx = flt.compose_standard(d, p)
    for c in range(3):
        s = np.linalg.svd(w[:, c].reshape(6, 25), compute_uv=False)
        residual = np.linalg.norm(w[:, c] - approx[:, c])
        assert residual == pytest.approx(np.sqrt((s[1:] ** 2).sum()), rel=1e-4)
    # a general random bank is NOT separable: the constraint costs accuracy
    x = np.random.default_rng(0).random((3, 16, 16)).astype(np.float32)
    bank = flt.make_filter_bank("random", in_channels=3, out_channels=6, kernel=5, seed=2)
    assert flt.run_filters(x, bank).approximation_error > 0.05


@pytest.mark.parametrize("pos", [(0, 0), (0, 15), (7, 9), (15, 15), (15, 0)])
def test_inspector_numbers_match_the_maps(pos):
    x = np.random.default_rng(4).random((3, 16, 16)).astype(np.float32)
    bank = flt.make_filter_bank("random", in_channels=3, out_channels=4, kernel=5, seed=9)
    res = flt.run_filters(x, bank)
    for n in range(4):
        ins = flt.inspect_pixel(x, bank, pos[0], pos[1], n)
        assert ins.standard_sum == pytest.approx(float(res.standard[n, pos[0], pos[1]]), abs=1e-5)
        assert ins.separable_sum == pytest.approx(float(res.separable[n, pos[0], pos[1]]), abs=1e-5)
        np.testing.assert_allclose(ins.depthwise_sums, res.depthwise[:, pos[0], pos[1]], atol=1e-5)
        assert ins.standard_products.shape == (3, 5, 5)
        assert (ins.top, ins.left) == (pos[0] - 2, pos[1] - 2)
    with pytest.raises(ValueError, match="outside"):
        flt.inspect_pixel(x, bank, 16, 0, 0)
    with pytest.raises(ValueError, match="output channel"):
        flt.inspect_pixel(x, bank, 0, 0, 4)


@pytest.mark.parametrize(("k", "m", "n", "size"), [(3, 3, 8, 64), (5, 1, 4, 32), (7, 3, 1, 48)])
def test_multiplication_counts_match_the_cost_engine(k, m, n, size):
    c = flt.MultiplicationCounts(k, m, n)
    assert c.standard_per_channel == k * k * m
    pixels = size * size
    assert c.standard_all * pixels == costs.standard_conv_cost(m, n, k, size).macs
    assert c.separable_all * pixels == (
        costs.depthwise_conv_cost(m, k, size).macs + costs.pointwise_conv_cost(m, n, size).macs
    )


def test_patterns_and_input_preparation():
    for name in flt.PATTERNS:
        im = flt.synthetic_pattern(name, 40)
        assert im.size == (40, 40) and im.mode == "RGB"
        arr = np.asarray(im)
        assert not np.array_equal(arr[..., 0], arr[..., 1])  # channels differ
    photo = Image.new("RGB", (300, 100), (0, 0, 255))
    photo.paste((255, 0, 0), (100, 0, 200, 100))  # the centred square is red
    x = flt.prepare_input(photo, 32)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    assert x[0].min() == pytest.approx(1.0) and x[2].max() == pytest.approx(0.0)
    g = flt.prepare_input(photo, 48, grayscale=True)
    assert g.shape == (1, 48, 48) and 0 <= g.min() <= g.max() <= 1
    with pytest.raises(ValueError, match="unknown pattern"):
        flt.synthetic_pattern("plaid", 8)


def test_bank_validation():
    with pytest.raises(ValueError, match="out_channels"):
        flt.make_filter_bank("blur", in_channels=3, out_channels=9)
    with pytest.raises(ValueError, match="in_channels"):
        flt.make_filter_bank("blur", in_channels=2, out_channels=2)
    with pytest.raises(ValueError, match="pretrained weights"):
        flt.make_filter_bank("mobilenet_v2", in_channels=3, out_channels=2)
    with pytest.raises(ValueError, match="unknown kernel source"):
        flt.make_filter_bank("gabor", in_channels=3, out_channels=2)


@pytest.mark.weights
def test_real_mobilenet_v2_filters(test_weights_path):
    w = torch.load(test_weights_path, weights_only=True)["features.0.0.weight"].numpy()
    bank = flt.make_filter_bank("mobilenet_v2", in_channels=3, out_channels=8, first_layer=w)
    np.testing.assert_array_equal(bank.standard, w[:8])
    x = flt.prepare_input(flt.synthetic_pattern("checkerboard", 32), 32)
    res = flt.run_filters(x, bank)
    assert res.equivalence_error < 1e-5
    assert res.approximation_error > 1e-3  # trained filters are not depthwise separable
    gray = flt.make_filter_bank("mobilenet_v2", in_channels=1, out_channels=2, first_layer=w)
    np.testing.assert_allclose(gray.standard[:, 0], w[:2].sum(axis=1), atol=1e-6)


def test_figures_show_the_true_sizes_and_animate_every_position():
    from mobilenet_viz.figures import filters as figs

    fig = figs.tensors_3d_figure(input_size=96, in_channels=3, out_channels=8, kernel=5)
    text = " ".join(t for trace in fig.data if trace.type == "scatter3d" for t in trace.text)
    for label in (
        "input 96×96×3",
        "8 filters<br>5×5×3",
        "3 depthwise<br>5×5×1",
        "8 pointwise<br>1×1×3",
        "output 96×96×8",
        f"= {5 * 5 * 3 * 8} weights",
        f"= {5 * 5 * 3 + 3 * 8} weights",
    ):
        assert label in text
    out = np.arange(100, dtype=np.float32).reshape(10, 10)
    slide = figs.sliding_figure(np.zeros((1, 10, 10), np.float32), out, kernel=3, frames=48)
    assert len(slide.frames) == 48
    assert [f.name for f in slide.frames] == [str(n) for n in flt.sliding_positions(10, 10, 48)]
    assert flt.sliding_positions(2, 3, 48) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]  # fewer pixels than frames: each one
    assert flt.sliding_positions(10, 10, 4) == [25, 50, 75, 100]
    last = slide.frames[-1].layout.shapes[0]  # the window ends centred on the last pixel (9, 9)
    assert (last.x0, last.x1, last.y0, last.y1) == (7.5, 10.5, 7.5, 10.5)
    maps = np.zeros((2, 8, 8), np.float32)
    maps[:, 0, :] = 50.0  # a hot zero-padded border does not set the colour scale
    maps[:, 4, 4] = -2.0
    assert figs.interior_limit(maps, 3) == 2.0


def test_3d_filter_labels_sit_clear_below_every_box():
    """Issue 12: '3 depthwise 3×3×1' was drawn over the next box; filter labels go below all boxes."""
    from mobilenet_viz.figures import filters as figs

    fig = figs.tensors_3d_figure(input_size=64, in_channels=3, out_channels=4, kernel=3)
    labels = next(t for t in fig.data if t.type == "scatter3d")
    boxes = [t for t in fig.data if t.type == "mesh3d"]
    for text, z in zip(labels.text, labels.z, strict=True):
        if "<br>" not in text:
            continue  # feature-map labels sit above their box
        # no box corner within 3 units above the label (the old labels sat 2.4 below the row's boxes)
        gap = min(zz - z for b in boxes for zz in b.z if zz >= z)
        assert gap > 3.0, (text, gap)


def test_tensors_npz_round_trips_every_tensor():
    x = flt.prepare_input(flt.synthetic_pattern("stripes", 32), 32)
    bank = flt.make_filter_bank("random", in_channels=3, out_channels=3, kernel=5, seed=1)
    res = flt.run_filters(x, bank)
    saved = np.load(io.BytesIO(flt.tensors_npz(x, bank, res)))
    np.testing.assert_array_equal(saved["input"], x)
    np.testing.assert_array_equal(saved["standard_filters"], bank.standard)
    np.testing.assert_array_equal(saved["depthwise"], bank.depthwise)
    np.testing.assert_array_equal(saved["pointwise"], bank.pointwise)
    np.testing.assert_array_equal(saved["standard_out"], res.standard)
    np.testing.assert_array_equal(saved["separable_out"], res.separable)


def test_first_layer_sources_follow_the_weights_files(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv(flt.weights.ENV_WEIGHTS, raising=False)
    assert flt.first_layer_sources() is None
    assert flt.weights.ENV_WEIGHTS in flt.NO_FIRST_LAYER
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a state dict")
    monkeypatch.setenv(flt.weights.ENV_WEIGHTS, str(broken))
    key = flt.first_layer_sources()
    assert key is not None and (str(broken), True) in {(str(p), e) for p, e, _ in key}
    filters, why = flt.load_first_layer()  # a file that is not weights: a sentence, not a crash
    assert filters is None and why.startswith("MobileNetV2 filters unavailable")


@pytest.mark.weights
def test_load_first_layer_reads_the_pretrained_stem(monkeypatch, test_weights_path):
    monkeypatch.setenv(flt.weights.ENV_WEIGHTS, str(test_weights_path))
    filters, where = flt.load_first_layer()
    expected = torch.load(test_weights_path, weights_only=True)["features.0.0.weight"].numpy()
    np.testing.assert_array_equal(filters, expected)
    assert filters.shape == (32, 3, 3, 3) and not filters.flags.writeable and where
