"""Real browser: the filters page renders, reacts to a control and to a tab, without exceptions."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app, wait_for_query

pytestmark = pytest.mark.e2e


def test_filters_page_switches_to_a_pattern_and_inspects_a_pixel(page, app_url):
    page.goto(f"{app_url}/filters?size=32")
    wait_for_app(page)
    page.wait_for_selector("h1:has-text('How the filters work')", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    assert_no_exception(page)
    # the key visual: the input and the 4 output maps as image tiles, each drawn at 160 px
    page.wait_for_function(
        "() => [...document.querySelectorAll('.st-key-flt_tiles img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length === 5",
        timeout=30_000,
    )
    widths = page.locator(".st-key-flt_tiles img").evaluate_all(
        "imgs => imgs.map(i => i.complete && i.naturalWidth > 0 ? i.getBoundingClientRect().width : 0)"
    )
    assert len(widths) == 5 and all(w >= 150 for w in widths), widths

    page.get_by_text("Synthetic pattern", exact=True).click()
    wait_for_app(page)
    page.wait_for_selector("text=synthetic pattern “Stripes”", timeout=60_000)
    wait_for_query(page, "source=pattern")

    page.get_by_role("tab", name="One output pixel").click()
    wait_for_app(page)
    page.wait_for_selector("text=Standard: Σ products", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() >= 3
    assert_no_exception(page)
    screenshot(page, "filters-pixel")
