"""The weights chain: real files through the real loader, offline, with every kind of bad file."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import pytest
import torch
from torchvision.models import mobilenet_v2

from mobilenet_viz import settings
from mobilenet_viz.runtime import weights as w


@pytest.fixture(scope="module")
def seeded_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(1234)
    return mobilenet_v2(num_classes=1000).state_dict()


@pytest.fixture(scope="module")
def good_file(tmp_path_factory, seeded_state):
    path = tmp_path_factory.mktemp("w") / "my_mobilenet.pth"
    torch.save(seeded_state, path)
    return path


def same_weights(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


def test_explicit_file_loads_in_eval_mode_read_only(good_file, seeded_state):
    loaded = w.load_mobilenet_v2(good_file)
    assert (loaded.source, loaded.name, loaded.pretrained) == ("file", "my_mobilenet.pth", True)
    assert same_weights(loaded.model, seeded_state)
    assert not loaded.model.training
    assert not any(p.requires_grad for p in loaded.model.parameters())
    assert len(loaded.categories) == 1000 and loaded.categories[285] == "Egyptian cat"
    assert loaded.transforms.resize_size == [256] and loaded.message is None  # V1's preprocessing


def test_preprocessing_is_selectable(good_file):
    loaded = w.load_mobilenet_v2(good_file, preprocessing="IMAGENET1K_V2")
    assert loaded.transforms.resize_size == [232] and loaded.preprocessing == "IMAGENET1K_V2"
    with pytest.raises(ValueError, match="IMAGENET1K_V1"):
        w.load_mobilenet_v2(good_file, preprocessing="V3")


def test_env_file_then_hub_cache(offline, monkeypatch, good_file, seeded_state):
    monkeypatch.setenv(w.ENV_WEIGHTS, str(good_file))
    assert w.load_mobilenet_v2().source == "env"
    # A broken env file is reported, and the chain goes on to torchvision's cached file.
    monkeypatch.setenv(w.ENV_WEIGHTS, str(offline / "missing.pth"))
    cached = w.cached_path("IMAGENET1K_V2")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(good_file.read_bytes())
    loaded = w.load_mobilenet_v2()
    assert (loaded.source, loaded.name, loaded.pretrained) == ("cache", "IMAGENET1K_V2", True)
    assert loaded.transforms.resize_size == [232]  # the V2 file gets V2's preprocessing
    assert same_weights(loaded.model, seeded_state)
    assert "missing.pth" in loaded.message and "does not exist" in loaded.message


def test_offline_download_failure_gives_labelled_untrained_fallback(offline):
    loaded = w.load_mobilenet_v2()
    assert loaded.source == "untrained" and not loaded.pretrained
    assert w.UNTRAINED_LABEL in loaded.message
    assert "could not download http://127.0.0.1:" in loaded.message  # what failed
    assert (
        "weights download" in loaded.message and str(w.hub_checkpoint_dir()) in loaded.message
    )  # the fix
    assert not w.cached_path().exists()
    # Seeded: the same untrained model every time, without disturbing the global RNG.
    torch.manual_seed(7)
    expected = torch.rand(1)
    torch.manual_seed(7)
    again = w.load_mobilenet_v2(allow_download=False)
    assert torch.equal(torch.rand(1), expected)
    assert same_weights(again.model, loaded.model.state_dict())
    # Untrained but not degenerate: different images give different outputs.
    with torch.inference_mode():
        out = loaded.model(torch.randn(2, 3, 224, 224))
    assert not torch.allclose(out[0], out[1])


def test_offline_env_var_skips_the_download(offline, monkeypatch):
    monkeypatch.setenv(w.ENV_OFFLINE, "1")
    loaded = w.load_mobilenet_v2()
    assert loaded.source == "untrained" and "MOBILENET_VIZ_OFFLINE" in loaded.message


def test_corrupt_hub_cache_is_reported_not_used(offline):
    cached = w.cached_path("IMAGENET1K_V2")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"\x00" * 100)
    loaded = w.load_mobilenet_v2(allow_download=False)
    assert loaded.source == "untrained" and "not a PyTorch weights file" in loaded.message


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _torchscript_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), buffer)
    return buffer.getvalue()


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"features.0.0.weight": Exploit(marker)}, path)
    with pytest.raises(w.WeightsError, match="refused: it contains pickled Python objects"):
        w.load_mobilenet_v2(path)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(Exploit(marker)))
    with pytest.raises(w.WeightsError, match="refused"):
        w.load_file(raw)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda good: _torchscript_bytes(), "TorchScript archive"),
        (lambda good: good[: len(good) // 2], "truncated or corrupt"),
        (lambda good: b"this is not a checkpoint at all" * 20, "not a PyTorch weights file"),
        (lambda good: b"", "is empty"),
    ],
    ids=["torchscript", "truncated", "garbage", "empty"],
)
def test_unreadable_files_are_rejected_with_their_reason(tmp_path, good_file, make, message):
    path = tmp_path / "bad.pth"
    path.write_bytes(make(good_file.read_bytes()))
    with pytest.raises(w.WeightsError, match=message):
        w.load_mobilenet_v2(path)


def _saved(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_wrong_architecture_messages_say_what_was_expected(seeded_state):
    ten_classes = dict(seeded_state)
    ten_classes["classifier.1.weight"] = torch.zeros(10, 1280)
    with pytest.raises(
        w.WeightsError,
        match=r"'classifier.1.weight' has shape \[10, 1280\], expected \[1000, 1280\].*1000-class",
    ):
        w.read_state_dict(_saved(ten_classes))
    resnet_like = {"conv1.weight": torch.zeros(64, 3, 7, 7), "fc.weight": torch.zeros(1000, 512)}
    with pytest.raises(
        w.WeightsError,
        match=r"314 tensors expected; 314 missing .*2 unexpected \(e.g. 'conv1.weight'\)",
    ):
        w.read_state_dict(_saved(resnet_like))
    with pytest.raises(w.WeightsError, match="holds a list, not a state_dict"):
        w.read_state_dict(_saved([torch.zeros(1)]))
    with pytest.raises(w.WeightsError, match="not a mapping of tensors"):
        w.read_state_dict(_saved({"features.0.0.weight": 3}))


def test_common_wrappers_are_accepted(seeded_state):
    wrapped = {"state_dict": {f"module.{k}": v for k, v in seeded_state.items()}, "epoch": 3}
    state = w.read_state_dict(_saved(wrapped))
    assert set(state) == set(seeded_state)


def test_search_locations_follow_the_documented_order(offline, monkeypatch, good_file):
    monkeypatch.setenv(w.ENV_WEIGHTS, str(good_file))
    rows = w.search_locations()
    assert [r["step"] for r in rows] == ["env", "cache", "cache", "download"]
    assert rows[0]["exists"] is True and rows[1]["exists"] is False
    assert rows[3]["path"].startswith("http://127.0.0.1:")
    assert os.path.basename(rows[1]["path"]) == "mobilenet_v2-7ebf99e0.pth"


def test_download_failure_raises_oserror_fast(offline):
    with pytest.raises(OSError):
        w.download()
    assert not w.cached_path().exists()


def test_torchscript_detection_does_not_misfire_on_zip_state_dicts(good_file):
    assert zipfile.is_zipfile(good_file)  # torch.save writes a zip too
    assert not w._is_torchscript(good_file.read_bytes())
    assert w._is_torchscript(_torchscript_bytes())


def test_preprocessing_default_follows_the_environment(monkeypatch):
    """The library owns this default (the UI and the classify command both read it from here)."""
    monkeypatch.delenv(settings.ENV_PREPROCESSING, raising=False)
    assert w.preprocessing_default() == "IMAGENET1K_V1"
    monkeypatch.setenv(settings.ENV_PREPROCESSING, "IMAGENET1K_V2")
    assert w.preprocessing_default() == "IMAGENET1K_V2"
    monkeypatch.setenv(settings.ENV_PREPROCESSING, "imagenet")  # not a torchvision preset
    assert w.preprocessing_default() == "IMAGENET1K_V1"
