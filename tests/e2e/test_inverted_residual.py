"""The "Inverted residual block" page in a real browser: renders, reacts to the controls."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app, wait_for_query

pytestmark = pytest.mark.e2e

DIAGRAM = ".st-key-ir_fig_diagram figure.mnl-chart"
# The diagram's drawn parts as the browser lays them out: every pair of text boxes, and every text
# box against a slab, an arrow or a shortcut segment, that overlap; the smallest text in px; how
# far the page scrolls sideways.
LAYOUT = """(selector) => {
    const svg = document.querySelector(selector);
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const parts = [
        ...[...svg.querySelectorAll("text")].map(e => ["text " + e.textContent, box(e)]),
        ...[...svg.querySelectorAll("g.slab")].map(e => ["slab " + e.dataset.tensor, box(e)]),
        ...[...svg.querySelectorAll("g.arrow, g.shortcut > *")].map(e => ["line", box(e)]),
    ];
    const hit = (a, b) => a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5;
    const overlaps = [];
    parts.forEach(([a, ba], i) => parts.slice(i + 1).forEach(([b, bb]) => {
        if ((a.startsWith("text") || b.startsWith("text")) && hit(ba, bb)) overlaps.push(a + " / " + b);
    }));
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll("text, tspan")].map(e => parseFloat(getComputedStyle(e).fontSize));
    const doc = document.scrollingElement;
    return {overlaps, text_px: Math.min(...sizes) * scale, overflow: doc.scrollWidth - doc.clientWidth};
}"""


def test_inverted_residual_page(page, app_url):
    page.goto(
        f"{app_url}/inverted_residual?input_size=56&in_channels=24&expansion=6&out_channels=24"
    )
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text("Residual applies").wait_for(timeout=60_000)
    diagram = page.locator(f"{DIAGRAM} svg")
    diagram.wait_for(timeout=60_000)  # inline SVG (a light chart): no plotly on this screen
    diagram.scroll_into_view_if_needed()
    assert "56×56×144" in diagram.text_content()
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    slab = diagram.locator("g.slab[data-tensor='expand'] > title")
    assert slab.text_content() == "expand: 56×56×144 (ReLU6)"  # the hover text
    assert diagram.locator("g.shortcut").count() == 1
    # the hatch patterns resolve (st.html's sanitiser would have dropped every SVG element)
    assert diagram.locator("pattern").count() == 3
    for width, height, smallest in ((1280, 800, 12), (390, 844, 9)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        layout = page.evaluate(LAYOUT, f"{DIAGRAM} svg")
        assert layout["overlaps"] == [], (width, layout["overlaps"])
        assert layout["text_px"] >= smallest, (width, layout["text_px"])
        assert layout["overflow"] <= 1, (width, layout["overflow"])
    page.set_viewport_size({"width": 1280, "height": 800})
    diagram.scroll_into_view_if_needed()
    screenshot(page, "inverted_residual-default")

    out = page.get_by_label("Output channels k′")
    out.fill("32")
    out.press("Enter")
    page.get_by_text("No residual: the channels change (24").wait_for(timeout=90_000)
    wait_for_app(page)
    wait_for_query(page, "out_channels=32")
    assert "56×56×32" in page.locator(f"{DIAGRAM} svg").text_content()
    assert page.locator(f"{DIAGRAM} g.shortcut").count() == 0

    page.get_by_role("tab", name="Linear bottleneck").click()
    page.get_by_text("n = 2", exact=True).click()
    wait_for_app(page)
    page.get_by_text("n = 2: spiral").first.wait_for(timeout=60_000)
    assert_no_exception(page)
    screenshot(page, "inverted_residual-spiral")
