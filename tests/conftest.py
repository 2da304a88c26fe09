"""Shared test configuration.

Real pretrained weights and real photos come from outside the project, through environment
variables (CI points them at ../shared):
- MOBILENET_VIZ_TEST_WEIGHTS: a torchvision-format MobileNetV2 ImageNet state_dict;
- MOBILENET_VIZ_TEST_PHOTOS: a folder with cat.jpg, dragonfly.jpg and bird.jpg.
Tests that need them skip with a reason when they are not set.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from mobilenet_viz import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def test_weights_path() -> Path:
    path = settings.weights_for_tests()
    if path is None:
        pytest.skip(f"{settings.ENV_TEST_WEIGHTS} is not set to an existing file")
    return path


@pytest.fixture(scope="session")
def test_photos_dir() -> Path:
    path = settings.photos_for_tests()
    if path is None:
        pytest.skip(f"{settings.ENV_TEST_PHOTOS} is not set to an existing folder")
    return path


def closed_port() -> int:
    """A localhost port nothing listens on: connections to it are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the with-block ends


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty torch hub cache and a weights download URL that really refuses connections."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv(settings.ENV_DOWNLOAD_BASE, f"http://127.0.0.1:{closed_port()}/models")
    monkeypatch.delenv(settings.ENV_WEIGHTS, raising=False)
    monkeypatch.delenv(settings.ENV_OFFLINE, raising=False)
    return tmp_path
