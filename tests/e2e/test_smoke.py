"""Every page renders in a real browser without an exception element."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.e2e

PAGES = [
    "",
    "separable",
    "filters",
    "inverted_residual",
    "architectures",
    "mobilenet_v3",
    "classify",
    "on_a_phone",
    "class_questions",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    page.wait_for_selector("h1", timeout=60_000)
    assert_no_exception(page)
    screenshot(page, f"smoke-{path or 'home'}")
