"""Shared test configuration.

Real pretrained weights and real photos come from outside the project, through environment
variables (CI points them at ../shared):
- MOBILENET_VIZ_TEST_WEIGHTS: a torchvision-format MobileNetV2 ImageNet state_dict;
- MOBILENET_VIZ_TEST_PHOTOS: a folder with cat.jpg, dragonfly.jpg and bird.jpg.
Tests that need them skip with a reason when they are not set.
"""

from __future__ import annotations

import os
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
