"""The MobileNetV3 page in a real browser: a shared link, the block picker, measurements, SE scales."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic.v3_block import v3_block, v3_presets
from mobilenet_viz.explain import fmt_count
from tests.e2e.conftest import (
    assert_no_exception,
    screenshot,
    wait_for_app,
    wait_for_charts,
    wait_for_query,
)

pytestmark = pytest.mark.e2e


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_for_app(page, timeout=240_000)
    assert_no_exception(page)


def test_mobilenet_v3_page_in_the_browser(page, app_url):
    page.goto(f"{app_url}/mobilenet_v3?model=v3-small&block=4")
    wait_for_app(page, timeout=240_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    assert_no_exception(page)
    cost = v3_block(v3_presets("v3-small")[3].config)
    assert metric(page, "Block MACs") == fmt_count(cost.macs)
    assert metric(page, "SE params") == f"{cost.se_params / cost.params:.1%}"
    wait_for_charts(page)
    screenshot(page, "screens/mobilenet_v3-small-block4-1280x800")

    # another network: the numbers and the link follow
    page.get_by_text("V3-Large (Table 1)", exact=True).click()
    wait_for_app(page)
    cost = v3_block(v3_presets("v3-large")[3].config)
    page.wait_for_function(
        "expected => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].some(e => e.innerText === expected)",
        arg=fmt_count(cost.macs), timeout=30_000,
    )  # fmt: skip
    wait_for_query(page, "model=v3-large")

    # h-swish: curves, then a measurement on request
    open_tab(page, "h-swish")
    page.get_by_role("button", name="Measure the nonlinearities on this machine").click()
    page.wait_for_selector("text=Measured here", timeout=120_000)
    wait_for_app(page)
    assert_no_exception(page)

    # last stage: library numbers, then both stages timed
    open_tab(page, "Last stage")
    assert metric(page, "MACs saved") == "34.3M"
    page.get_by_role("button", name="Measure both stages on this machine").click()
    page.wait_for_selector(
        '[data-testid="stMetric"]:has-text("Share of the network")', timeout=240_000
    )
    wait_for_app(page)
    assert_no_exception(page)

    # search tables and the published points chart
    open_tab(page, "Search")
    wait_for_charts(page)
    assert page.get_by_text("NetAdapt", exact=False).count() > 0

    # SE scales of two photos (pretrained V3 weights, or the labelled untrained fallback)
    open_tab(page, "SE on a photo")
    page.wait_for_selector(
        '[data-testid="stMetric"]:has-text("Mean |difference|")', timeout=240_000
    )
    wait_for_charts(page)
    assert metric(page, "Channels") == "672"
    assert (
        page.get_by_text("Untrained MobileNetV3-Large", exact=False).count()
        + page.get_by_text("Pretrained weights:", exact=False).count()
        > 0
    )
    screenshot(page, "screens/mobilenet_v3-se-1280x800")


def test_mobilenet_v3_on_a_phone(browser, app_url):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    try:
        page.goto(f"{app_url}/mobilenet_v3")
        wait_for_app(page, timeout=240_000)
        wait_for_charts(page)
        assert_no_exception(page)
        overflow = page.evaluate(
            "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
        assert overflow <= 1
        screenshot(page, "screens/mobilenet_v3-390x844")
    finally:
        context.close()
