"""Real browser, issue 12: a tab survives a page that stops early; labels and tables fit 1280 px."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app, wait_for_query

pytestmark = pytest.mark.e2e


def test_choosing_upload_on_the_sliding_window_tab_keeps_that_tab(page, app_url):
    page.goto(f"{app_url}/filters?size=32&view=Sliding+window")
    wait_for_app(page)
    page.wait_for_selector("text=Press Play", timeout=60_000)
    page.get_by_text(
        "Upload", exact=True
    ).first.click()  # no file yet: the page stops before its tabs
    wait_for_app(page)
    page.wait_for_selector("text=Upload a JPEG, PNG, WebP, BMP or GIF", timeout=60_000)
    page.get_by_text("Sample photo", exact=True).first.click()
    wait_for_app(page)
    query = wait_for_query(page, "source=sample")
    page.wait_for_selector("text=Press Play", timeout=60_000)  # still the Sliding window tab
    assert "view=Sliding+window" in query or "view=Sliding%20window" in query
    assert_no_exception(page)


def test_classify_buttons_and_separable_padding_are_not_truncated_at_1280(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/classify?runs=1&cam=0")
    wait_for_app(page, timeout=180_000)
    for name in ("Compare engines", "Profile layers", "Time as one batch (1)"):
        button = page.get_by_role("button", name=name)
        button.wait_for(timeout=120_000)
        label = button.locator("p").first
        # the text fits its box: no ellipsis
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), name
    page.goto(f"{app_url}/separable")
    wait_for_app(page)
    padding = page.get_by_role("combobox", name="Padding p")
    assert padding.input_value() == "D_K // 2"
    assert padding.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # the whole label is visible
    assert_no_exception(page)
