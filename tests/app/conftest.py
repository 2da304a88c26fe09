"""AppTest fixtures shared by the page tests."""

from __future__ import annotations

import pytest

from tests.app.helpers import clear_model_cache


@pytest.fixture
def offline(offline):
    """tests/conftest.py's offline setup (the labelled untrained model), with the app's cached model
    forgotten before and after, so the page really loads under these settings."""
    clear_model_cache()
    yield offline
    clear_model_cache()
