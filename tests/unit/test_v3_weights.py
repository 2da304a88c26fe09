"""MobileNetV3-Large weights through the same chain as V2 (offline here), and real SE scales."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.models import mobilenet_v3_large

from mobilenet_viz.analytic.v3_block import v3_presets
from mobilenet_viz.inputs.samples import list_samples
from mobilenet_viz.runtime import weights as w
from mobilenet_viz.runtime.se_attention import compare, se_blocks, se_scales


@pytest.fixture(scope="module")
def v3_state() -> dict[str, torch.Tensor]:
    """A seeded untrained MobileNetV3-Large whose BatchNorm statistics were set from a random batch
    (torchvision's initial statistics let the activations collapse, every SE scale 0.5)."""
    return {k: v.clone() for k, v in w.untrained(arch=w.V3_LARGE).model.state_dict().items()}


@pytest.fixture(scope="module")
def v3_file(tmp_path_factory, v3_state):
    path = tmp_path_factory.mktemp("w3") / "my_v3.pth"
    torch.save(v3_state, path)
    return path


@pytest.fixture
def offline_v3(offline, monkeypatch):
    monkeypatch.delenv(w.ENV_V3_WEIGHTS, raising=False)
    return offline


def test_env_file_loads_v3_with_its_weights(offline_v3, monkeypatch, v3_file, v3_state):
    monkeypatch.setenv(w.ENV_V3_WEIGHTS, str(v3_file))
    loaded = w.load_mobilenet_v3()
    assert (loaded.source, loaded.name, loaded.pretrained, loaded.arch) == (
        "env",
        "my_v3.pth",
        True,
        "v3-large",
    )
    assert all(torch.equal(v, v3_state[k]) for k, v in loaded.model.state_dict().items())
    assert not loaded.model.training and loaded.categories[285] == "Egyptian cat"
    assert loaded.describe() == f"my_v3.pth (${w.ENV_V3_WEIGHTS})"


def test_hub_cache_is_torchvisions_v3_file(offline_v3, v3_file):
    cached = w.cached_path("IMAGENET1K_V1", w.V3_LARGE)
    assert cached.name.startswith("mobilenet_v3_large-")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(v3_file.read_bytes())
    loaded = w.load_mobilenet_v3()
    assert (loaded.source, loaded.name, loaded.preprocessing) == (
        "cache",
        "IMAGENET1K_V1",
        "IMAGENET1K_V1",
    )
    rows = w.search_locations(w.V3_LARGE)
    assert rows[0]["what"] == f"${w.ENV_V3_WEIGHTS}" and [r["exists"] for r in rows[1:3]] == [
        False,
        True,
    ]


def test_offline_gives_the_labelled_untrained_v3(offline_v3):
    loaded = w.load_mobilenet_v3()
    assert (loaded.source, loaded.pretrained, loaded.arch) == ("untrained", False, "v3-large")
    assert "MobileNetV3-Large" in loaded.message and w.UNTRAINED_LABEL in loaded.message
    assert "--model v3-large" in loaded.message and w.ENV_V3_WEIGHTS in loaded.message
    assert type(loaded.model).__name__ == "MobileNetV3"


def test_v2_file_is_refused_as_v3_with_a_reason(offline_v3, tmp_path):
    from torchvision.models import mobilenet_v2

    path = tmp_path / "v2.pth"
    torch.save(mobilenet_v2().state_dict(), path)
    with pytest.raises(w.WeightsError, match="MobileNetV3-Large"):
        w.load_mobilenet_v3(path)
    # and the shared safety checks apply unchanged: pickled code never runs
    bad = tmp_path / "evil.pth"
    bad.write_bytes(b"\x80\x04\x95")
    with pytest.raises(w.WeightsError):
        w.load_mobilenet_v3(bad)


def test_v3_upload_bytes(v3_file):
    loaded = w.load_bytes(v3_file.read_bytes(), name="up.pth", arch=w.V3_LARGE)
    assert (loaded.source, loaded.arch) == ("upload", "v3-large")


def test_se_scales_of_two_photos(v3_file):
    loaded = w.load_mobilenet_v3(v3_file)
    blocks = se_blocks(loaded.model)
    assert blocks == [p.number for p in v3_presets("v3-large") if p.config.use_se]
    photos = [s for s in list_samples() if s.name in ("cat.jpg", "coins.jpg")]
    scales = []
    for photo in photos:
        batch = loaded.transforms(Image.open(photo.path).convert("RGB")).unsqueeze(0)
        scales.append(se_scales(loaded.model, 13, batch))
    a, b = scales
    assert a.shape == (672,) and a.dtype == np.float32
    assert ((a >= 0) & (a <= 1)).all()  # hard-sigmoid range
    assert not np.allclose(a, b)  # the attention depends on the image
    summary = compare(a, b)
    assert (
        summary["channels"] == 672
        and 0 < summary["mean_abs_difference"] <= summary["max_abs_difference"] <= 1
    )
    with pytest.raises(ValueError, match="no squeeze-and-excite"):
        se_scales(loaded.model, 1, batch)


def test_se_scales_equal_a_forward_hook(v3_file):
    """The hook-free read equals what the SE module really produces inside a full forward pass."""
    model = mobilenet_v3_large()
    model.load_state_dict(torch.load(v3_file, weights_only=True))
    model.eval()
    seen = []
    se = model.features[11].block[2]
    handle = se.scale_activation.register_forward_hook(
        lambda _m, _i, out: seen.append(out[0, :, 0, 0].clone())
    )
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        model(x)
    handle.remove()
    assert np.allclose(se_scales(model, 11, x), seen[0].numpy(), atol=1e-6)
