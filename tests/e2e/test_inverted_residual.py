"""The "Inverted residual block" page in a real browser: renders, reacts to the controls."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app, wait_for_query

pytestmark = pytest.mark.e2e


def test_inverted_residual_page(page, app_url):
    page.goto(
        f"{app_url}/inverted_residual?input_size=56&in_channels=24&expansion=6&out_channels=24"
    )
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text("Residual applies").wait_for(timeout=60_000)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.wait_for(timeout=120_000)  # plotly's frontend code loads lazily
    chart.scroll_into_view_if_needed()
    page.locator(".js-plotly-plot .scatterlayer").first.wait_for(
        timeout=120_000
    )  # the diagram was drawn
    assert "56×56×144" in page.locator(".js-plotly-plot").first.inner_text()
    screenshot(page, "inverted_residual-default")

    out = page.get_by_label("Output channels k′")
    out.fill("32")
    out.press("Enter")
    page.get_by_text("No residual: the channels change (24").wait_for(timeout=90_000)
    wait_for_app(page)
    wait_for_query(page, "out_channels=32")

    page.get_by_role("tab", name="Linear bottleneck").click()
    page.get_by_text("n = 2", exact=True).click()
    wait_for_app(page)
    page.get_by_text("n = 2: spiral").first.wait_for(timeout=60_000)
    assert_no_exception(page)
    screenshot(page, "inverted_residual-spiral")
