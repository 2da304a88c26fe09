"""Classroom checks in a real browser: every page at laptop and projector sizes, presenter mode.

Screenshots land in test-artifacts/screens/<page>-<width>x<height>[-present].png; the README's
screenshots are refreshed from them (see README, "Screenshots").
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    assert_no_exception,
    screenshot,
    wait_for_app,
    wait_for_charts,
    wait_for_query,
)

pytestmark = pytest.mark.e2e

# page path -> query string that makes it show something worth projecting, and a text it shows
PAGES = {
    "home": ("", "MobileNet Lab"),
    "separable": ("separable", "Standard vs depthwise separable"),
    "filters": ("filters?size=64", "How the filters work"),
    "inverted_residual": ("inverted_residual", "Inverted residual block"),
    "architectures": ("architectures?model=v2", "MobileNet architectures"),
    "mobilenet_v3": ("mobilenet_v3", "MobileNetV3: what changed after V2"),
    "classify": ("classify?runs=3&cam=1", "Classify"),
    "on_a_phone": ("on_a_phone", "On a phone"),
    "class_questions": ("class_questions", "Class questions"),
}
SCREENS = [(1280, 800, False), (1920, 1080, False), (1920, 1080, True), (1280, 720, True)]


def root_font_px(page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


SIDEBAR_OPEN = """() => {
    const r = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect();
    return r.width > 0 && r.right > 0;
}"""


def sidebar_expanded(page) -> bool:
    return bool(page.evaluate(SIDEBAR_OPEN))


def horizontal_overflow(page) -> int:
    """Pixels the page is wider than the window (a sideways scrollbar on the projector)."""
    return page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            const doc = document.scrollingElement;
            return Math.max(doc.scrollWidth - doc.clientWidth, main ? main.scrollWidth - main.clientWidth : 0);
        }"""
    )


def show_the_first_chart(page) -> None:
    """Scroll the page's first chart to the middle of the window (what a screenshot should show)."""
    page.evaluate(
        """() => {
            const chart = document.querySelector('[data-testid="stPlotlyChart"], figure.mnl-chart');
            if (chart) chart.scrollIntoView({block: "center"});
        }"""
    )
    page.wait_for_timeout(400)


def open_and_settle(page, url: str, heading: str) -> None:
    page.goto(url)
    wait_for_app(page, timeout=240_000)
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=120_000)
    if "classify" in url:  # the default sample photo is classified first
        page.wait_for_selector("h3:has-text('cat.jpg: ')", timeout=240_000)
        wait_for_app(page, timeout=120_000)
    wait_for_charts(page)
    page.wait_for_timeout(500)  # let plotly finish its resize after the last chart appears


@pytest.mark.parametrize("name", PAGES)
def test_every_page_at_classroom_sizes(browser, app_url, name):
    path, heading = PAGES[name]
    for width, height, present in SCREENS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            sep = "&" if "?" in path else "?"
            url = f"{app_url}/{path}" + (f"{sep}present=1" if present else "")
            open_and_settle(page, url, heading)
            assert_no_exception(page)
            assert horizontal_overflow(page) <= 2, f"{name} scrolls sideways at {width}x{height}"
            if present:
                assert root_font_px(page) >= 19  # presenter text is larger than the 16 px default
                assert sidebar_expanded(page) is False  # folded away: the content gets the width
            else:
                assert root_font_px(page) == 16
                assert sidebar_expanded(page)
            show_the_first_chart(page)
            screenshot(page, f"screens/{name}-{width}x{height}{'-present' if present else ''}")
        finally:
            context.close()


def open_separable(browser, url: str, width: int, height: int):
    """A fresh browser context at width x height showing the separable page at ``url``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    page.wait_for_selector("h1:has-text('Standard vs depthwise separable')", timeout=60_000)
    return context, page


def test_presenter_toggle_and_the_projector_link_keep_the_configuration(browser, app_url):
    context, page = open_separable(
        browser, f"{app_url}/separable?kernel=5&out_channels=64", 1280, 800
    )
    assert root_font_px(page) == 16

    # the teacher switches presenter mode on in the sidebar: bigger text, link says so
    page.get_by_test_id("stSidebarContent").get_by_text("Presenter mode", exact=True).first.click()
    wait_for_app(page)
    query = wait_for_query(page, "present=1")
    page.wait_for_function("parseFloat(getComputedStyle(document.documentElement).fontSize) >= 19")
    assert "kernel=5" in query and "out_channels=64" in query
    assert page.get_by_label("Output channels N").input_value() == "64"

    # presenter mode folds the sidebar away; the » button brings it back, with the share box:
    # its projector link opens the same configuration in presenter mode elsewhere
    page.wait_for_function(f"() => !({SIDEBAR_OPEN})()")
    page.get_by_test_id("stExpandSidebarButton").click()
    page.wait_for_function(SIDEBAR_OPEN)
    page.get_by_test_id("stSidebarContent").get_by_text("Share this view").click()
    links = page.get_by_test_id("stSidebarContent").locator('[data-testid="stCode"] code')
    links.nth(1).wait_for(timeout=30_000)
    student_link, projector_link = (
        links.nth(0).inner_text().strip(),
        links.nth(1).inner_text().strip(),
    )
    assert "present=1" in projector_link and "present" not in student_link
    context.close()

    projector, page = open_separable(browser, projector_link, 1920, 1080)
    assert root_font_px(page) == 21
    assert page.get_by_label("Output channels N").input_value() == "64"
    slider = page.get_by_test_id("stSlider").filter(has_text="Kernel size D_K")
    assert slider.get_by_test_id("stSliderThumbValue").inner_text() == "5"
    assert_no_exception(page)
    projector.close()

    # and the student link opens it without presenter mode
    student, page = open_separable(browser, student_link, 1280, 800)
    assert root_font_px(page) == 16
    assert page.get_by_label("Output channels N").input_value() == "64"
    student.close()
