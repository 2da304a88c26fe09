"""Every page on a phone and on the projector's stage, in a real browser (issue 13 items 1-2).

Phones (390x844, 360x740): no sideways scrolling, and the page's key visual (``ui.stage``'s
``.st-key-mnl-visual`` box) starts within two screen heights of the top. Presenter mode at
1920x1080 and 1280x720: the key control box (``.st-key-mnl-controls``) and the key visual sit side
by side, both entirely inside the window, so the teacher moves a control and the class sees its
effect without scrolling. Run one page with ``-k <page>``. Screenshots land in
test-artifacts/screens/<page>-<width>x<height>[-stage].png.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app, wait_for_charts

pytestmark = pytest.mark.e2e

PAGES = {
    "home": "",
    "separable": "separable",
    "filters": "filters",
    "inverted_residual": "inverted_residual",
    "architectures": "architectures",
    "mobilenet_v3": "mobilenet_v3",
    "classify": "classify",
    "on_a_phone": "on_a_phone",
    "class_questions": "class_questions",
}
PHONES = [(390, 844), (360, 740)]
PROJECTORS = [(1920, 1080), (1280, 720)]
VISUAL = ".st-key-mnl-visual"
CONTROLS = ".st-key-mnl-controls"

BOXES = """([visual, controls]) => {
    const box = s => {
        const e = document.querySelector(s);
        if (!e) return null;
        const r = e.getBoundingClientRect();
        return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, height: r.height};
    };
    const main = document.querySelector('[data-testid="stMain"]');
    const doc = document.scrollingElement;
    return {
        visual: box(visual), controls: box(controls), scrolled: main.scrollTop + doc.scrollTop,
        overflow: Math.max(doc.scrollWidth - doc.clientWidth, main.scrollWidth - main.clientWidth),
    };
}"""


@pytest.fixture(scope="module")
def screens(browser):
    """One browser context per screen size, reused by every page (opening a URL starts a fresh
    Streamlit session, so nothing carries over between pages)."""
    contexts = {}

    def page_at(width: int, height: int):
        if (width, height) not in contexts:
            contexts[width, height] = browser.new_context(
                viewport={"width": width, "height": height}
            )
            contexts[width, height].new_page()
        return contexts[width, height].pages[0]

    yield page_at
    for context in contexts.values():
        context.close()


def open_settled(page, url: str) -> dict:
    """Open ``url``, wait for the run, its widgets and its charts, and measure the stage boxes."""
    page.goto(url)
    wait_for_app(page, timeout=240_000)
    wait_for_charts(page)
    page.wait_for_timeout(500)  # plotly's resize after the last chart appears
    assert_no_exception(page)
    return page.evaluate(BOXES, [VISUAL, CONTROLS])


@pytest.mark.parametrize(("width", "height"), PHONES, ids=lambda v: str(v))
@pytest.mark.parametrize("name", PAGES)
def test_phone_shows_the_result_early_without_sideways_scrolling(
    screens, app_url, name, width, height
):
    page = screens(width, height)
    boxes = open_settled(page, f"{app_url}/{PAGES[name]}")
    screenshot(page, f"screens/{name}-{width}x{height}")
    assert boxes["overflow"] <= 1, f"{name} scrolls sideways by {boxes['overflow']} px"
    visual = boxes["visual"]
    assert visual is not None, f"{name} has no key visual box ({VISUAL}, ui.stage.frame)"
    assert visual["height"] > 0
    top = visual["top"] + boxes["scrolled"]  # from the top of the page
    assert top <= 2 * height, f"{name}'s key visual starts {top:.0f} px down (> 2 screens)"


@pytest.mark.parametrize(("width", "height"), PROJECTORS, ids=lambda v: str(v))
@pytest.mark.parametrize("name", PAGES)
def test_stage_shows_key_control_and_visual_side_by_side(screens, app_url, name, width, height):
    page = screens(width, height)
    sep = "&" if "?" in PAGES[name] else "?"
    boxes = open_settled(page, f"{app_url}/{PAGES[name]}{sep}present=1")
    screenshot(page, f"screens/{name}-{width}x{height}-stage")
    assert boxes["overflow"] <= 1, f"{name} scrolls sideways by {boxes['overflow']} px"
    visual, controls = boxes["visual"], boxes["controls"]
    assert visual is not None, f"{name} has no key visual box ({VISUAL}, ui.stage.frame)"
    assert controls is not None, f"{name} has no key control box ({CONTROLS}, ui.stage.frame)"
    assert boxes["scrolled"] == 0
    for what, box in (("key visual", visual), ("key control box", controls)):
        assert box["height"] > 0, f"{name}'s {what} is empty"
        inside = box["left"] >= 0 and box["top"] >= 0
        inside = inside and box["right"] <= width and box["bottom"] <= height
        assert inside, f"{name}'s {what} {box} is not inside the {width}x{height} window"
    side_by_side = controls["right"] <= visual["left"] or visual["right"] <= controls["left"]
    assert side_by_side, f"{name}: the key control box and the key visual are not side by side"
