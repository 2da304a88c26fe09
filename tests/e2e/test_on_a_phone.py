"""In a real browser: the "On a phone" page quantizes the model, walks one pixel in integers,
shows per-tensor vs per-channel, times fp32 vs int8 on request, and fits a phone's width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    assert_no_exception,
    screenshot,
    wait_for_app,
    wait_for_charts,
    wait_for_query,
)

pytestmark = pytest.mark.e2e


def open_phone_page(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page, timeout=240_000)  # the first visit quantizes the model (seconds)
    page.wait_for_selector("h1:has-text('On a phone')", timeout=120_000)
    wait_for_charts(page)
    page.wait_for_timeout(500)


def horizontal_overflow(page) -> int:
    return page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            const doc = document.scrollingElement;
            return Math.max(doc.scrollWidth - doc.clientWidth, main ? main.scrollWidth - main.clientWidth : 0);
        }"""
    )


def show_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_for_app(page, timeout=120_000)
    wait_for_charts(page)
    page.wait_for_timeout(500)


def test_size_layer_channels_and_speed_in_the_browser(page, app_url):
    open_phone_page(page, f"{app_url}/on_a_phone?block=3")
    assert_no_exception(page)
    # the first view: one output value in integers, equal to ONNX Runtime's int8 kernels
    computed = page.locator(
        '[data-testid="stMetric"]:has-text("q_y computed here") [data-testid="stMetricValue"]'
    )
    runtime = page.locator(
        '[data-testid="stMetric"]:has-text("q_y from ONNX Runtime") [data-testid="stMetricValue"]'
    )
    assert abs(int(computed.inner_text()) - int(runtime.inner_text())) <= 1
    assert page.get_by_text("Where the 4× comes from").count() == 0  # only the chosen view runs
    screenshot(page, "on_a_phone-layer")

    show_tab(page, "Size")
    wait_for_query(page, "view=Size")  # the view is in the link a teacher shares
    page.get_by_text("Where the 4× comes from").first.wait_for(timeout=60_000)
    assert page.get_by_text(re.compile(r"\d\.\d\d× smaller in memory, not 4×")).count() == 1
    screenshot(page, "on_a_phone-size")

    show_tab(page, "Per-tensor vs per-channel")
    # the view runs only when chosen (the 8-photo trial takes seconds): wait for its last sentence
    panel = page.locator('[role="tabpanel"]:visible')
    verdict = panel.get_by_text(
        re.compile(r"with one scale per tensor the top-1 class stays the same on")
    )
    verdict.first.wait_for(timeout=180_000)
    wait_for_app(page, timeout=120_000)
    assert verdict.count() == 1
    # dw ranges, pw ranges, predictions
    expect(panel.locator('[data-testid="stPlotlyChart"]')).to_have_count(3, timeout=60_000)
    panel.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    screenshot(page, "on_a_phone-channels")

    show_tab(page, "Speed")
    page.get_by_role("button", name="Time fp32 and int8").click()
    page.get_by_text(re.compile(r"int8 takes \d+\.\d\d× the time of fp32 ONNX Runtime")).wait_for(
        timeout=180_000
    )
    wait_for_app(page, timeout=120_000)
    wait_for_charts(page)
    assert_no_exception(page)
    page.locator(
        '[role="tabpanel"]:visible [data-testid="stPlotlyChart"]'
    ).first.scroll_into_view_if_needed()
    screenshot(page, "on_a_phone-speed")


def test_a_link_opens_the_same_layer_and_the_phone_width_fits(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        open_phone_page(page, f"{app_url}/on_a_phone?layer=features.5.conv.2&channel=7&block=9")
        wait_for_query(page, "layer=features.5.conv.2")
        assert_no_exception(page)
        assert horizontal_overflow(page) <= 2, "the page scrolls sideways on a phone"
        page.get_by_text("the 192 inputs at").first.wait_for(timeout=60_000)
        screenshot(page, "on_a_phone-phone-layer")
        show_tab(page, "Per-tensor vs per-channel")
        page.get_by_text("features.9.conv.1.0").first.wait_for(timeout=60_000)
        assert horizontal_overflow(page) <= 2
        screenshot(page, "on_a_phone-phone-channels")
    finally:
        context.close()
