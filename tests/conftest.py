"""Shared test configuration.

Real pretrained weights and real photos come from outside the project, through environment
variables (CI points them at ../shared):
- MOBILENET_VIZ_TEST_WEIGHTS: a torchvision-format MobileNetV2 ImageNet state_dict;
- MOBILENET_VIZ_TEST_PHOTOS: a folder with cat.jpg, dragonfly.jpg and bird.jpg.
Tests that need them skip with a reason when they are not set.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def test_weights_path() -> Path:
    value = os.environ.get("MOBILENET_VIZ_TEST_WEIGHTS")
    if not value or not Path(value).is_file():
        pytest.skip("MOBILENET_VIZ_TEST_WEIGHTS is not set to an existing file")
    return Path(value)


@pytest.fixture(scope="session")
def test_photos_dir() -> Path:
    value = os.environ.get("MOBILENET_VIZ_TEST_PHOTOS")
    if not value or not Path(value).is_dir():
        pytest.skip("MOBILENET_VIZ_TEST_PHOTOS is not set to an existing folder")
    return Path(value)


def closed_port() -> int:
    """A localhost port nothing listens on: connections to it are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the with-block ends


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty torch hub cache and a weights download URL that really refuses connections."""
    from mobilenet_viz.runtime import weights as w

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv(w.ENV_DOWNLOAD_BASE, f"http://127.0.0.1:{closed_port()}/models")
    monkeypatch.delenv(w.ENV_WEIGHTS, raising=False)
    monkeypatch.delenv(w.ENV_OFFLINE, raising=False)
    return tmp_path
