"""In a real browser: upload a photo on the Classify page, see its top-5 and the timing panel."""

from __future__ import annotations

import re

import pytest

from mobilenet_viz.inputs.samples import get_sample
from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def test_upload_a_photo_and_see_top5_and_timing(page, app_url):
    page.goto(f"{app_url}/classify?runs=2&cam=0")
    wait_for_app(page, timeout=180_000)
    page.wait_for_selector("h1:has-text('Classify')", timeout=120_000)
    # The default sample is classified first (this also loads the model and builds the engine).
    page.wait_for_selector("h3:has-text('cat.jpg: ')", timeout=240_000)
    wait_for_app(page, timeout=120_000)
    # Deselect it so the upload is the only image.
    page.get_by_role("button", name="Cat", exact=True).click()
    page.wait_for_selector("h3:has-text('cat.jpg: ')", state="detached", timeout=120_000)
    wait_for_app(page, timeout=120_000)
    page.locator('.st-key-cls_uploads input[type="file"]').set_input_files(
        {
            "name": "my_coffee.jpg",
            "mimeType": "image/jpeg",
            "buffer": get_sample("coffee.jpg").read_bytes(),
        }
    )
    page.wait_for_selector("h3:has-text('my_coffee.jpg: ')", timeout=180_000)
    wait_for_app(page, timeout=180_000)
    assert_no_exception(page)
    chart = page.locator('.st-key-mnl-visual figure[data-chart="topk"]').first
    chart.wait_for(timeout=60_000)
    assert chart.locator(".mnl-bar-seg").count() == 5  # the top-5 bars
    # the result needs no plotly: a student's upload loads none of its 4.6 MB of JavaScript
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    page.get_by_text("Inference (median)").first.wait_for(timeout=60_000)
    assert "ms" in page.locator('[data-testid="stMetricValue"]').nth(2).inner_text()
    screenshot(page, "classify-upload")


def test_a_photo_over_the_upload_cap_is_refused_with_the_limit_and_the_next_upload_works(
    page, app_url
):
    page.goto(f"{app_url}/classify?runs=1&cam=0")
    wait_for_app(page, timeout=180_000)
    page.wait_for_selector("h3:has-text('cat.jpg: ')", timeout=240_000)
    uploader = page.locator('.st-key-cls_uploads input[type="file"]')
    too_big = b"\xff\xd8\xff\xe0" + bytes(11 * 1024 * 1024)  # 11 MB; the photo uploader takes 10 MB
    uploader.set_input_files({"name": "too_big.jpg", "mimeType": "image/jpeg", "buffer": too_big})
    page.get_by_text(re.compile(r"File must be 10(\.0)? ?MB or smaller")).wait_for(timeout=60_000)
    wait_for_app(page, timeout=120_000)
    assert_no_exception(page)
    assert page.locator("h3:has-text('too_big.jpg')").count() == 0  # never reached the server
    uploader.set_input_files(
        {
            "name": "after.jpg",
            "mimeType": "image/jpeg",
            "buffer": get_sample("coffee.jpg").read_bytes(),
        }
    )
    page.wait_for_selector("h3:has-text('after.jpg: ')", timeout=180_000)
    wait_for_app(page, timeout=180_000)
    assert_no_exception(page)
    assert (
        page.locator("h3:has-text('cat.jpg: ')").count() == 1
    )  # the rest of the session is intact


@pytest.mark.parametrize("width, height", [(390, 844), (360, 740)])
def test_on_a_phone_the_picker_comes_first_and_its_top5_within_two_screens(
    browser, app_url, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/classify?runs=1")
        wait_for_app(page, timeout=180_000)
        page.wait_for_selector("h3:has-text('cat.jpg: ')", timeout=240_000)
        wait_for_app(page, timeout=120_000)
        picker = page.get_by_role("button", name="Coffee", exact=True)
        bars = page.locator('.st-key-mnl-visual figure[data-chart="topk"]').first
        bars.locator(".mnl-bar-seg").first.wait_for(timeout=60_000)
        picker_top, bars_box = picker.bounding_box()["y"], bars.bounding_box()
        # the page is not scrolled: positions are from the top of the page
        assert picker_top < bars_box["y"], "the result card comes before the picker"
        assert bars_box["y"] + bars_box["height"] <= 2 * height, (
            "the top-5 is over two screens down"
        )
        overflow = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
            " - document.querySelector('[data-testid=\"stMain\"]').clientWidth"
        )
        assert overflow <= 1, f"Classify scrolls sideways by {overflow} px at {width}x{height}"
        # picking another sample from the compact picker adds its card, the cat's stays first
        picker.click()
        page.wait_for_selector("h3:has-text('coffee.jpg: ')", timeout=180_000)
        wait_for_app(page, timeout=120_000)
        assert_no_exception(page)
        assert "cat.jpg: " in page.locator(".st-key-mnl-visual h3").first.inner_text()
        screenshot(page, f"classify-phone-{width}x{height}")
    finally:
        context.close()
