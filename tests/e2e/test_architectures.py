"""The Architectures page in a real browser: shared link, model picker, graph, tabs, CSV download."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.explain import fmt_count
from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app, wait_for_query

pytestmark = pytest.mark.e2e


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_architectures_page_in_the_browser(page, app_url):
    page.goto(f"{app_url}/architectures?model=v1&alpha=0.5&resolution=160")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    assert_no_exception(page)
    assert metric(page, "MACs") == fmt_count(build("v1", 0.5, 160).macs)

    # pick another network: the numbers and the shareable link follow
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="MobileNetV3-Small").click()
    wait_for_app(page)
    page.wait_for_function(
        "expected => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
        ".some(e => e.innerText === expected)",
        arg=fmt_count(build("v3-small", 0.5, 160).macs),
        timeout=30_000,
    )
    wait_for_query(page, "model=v3-small")

    # the collapsible network graph renders the blocks
    page.get_by_text("Network graph", exact=False).first.click()
    page.wait_for_selector("svg text:has-text('bneck 1')", timeout=30_000)

    # the layer table downloads as CSV
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the layer table (CSV)").click()
    header = open(download_info.value.path(), encoding="utf-8").readline()
    assert header.startswith("#,layer,type,operator")

    # another view: the accuracy-vs-MACs chart
    page.get_by_role("tab", name="Accuracy vs MACs").click()
    wait_for_app(page)
    page.wait_for_selector(".gtitle:has-text('Published ImageNet accuracy')", timeout=30_000)
    # the stage's per-layer chart stays above the views, for the network now chosen
    page.wait_for_selector(".gtitle:has-text('MobileNetV3-Small 0.5-160')", timeout=30_000)
    assert_no_exception(page)
    screenshot(page, "architectures")
