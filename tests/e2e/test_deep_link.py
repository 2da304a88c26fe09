"""A shared link opened as the very first request to a fresh server still goes through the router.

Streamlit treats a `pages/` folder next to the main script as a v1 multipage app until the router
has called st.navigation once in the process; a deep link arriving first would then run the page
script alone (no shared sidebar, no presenter mode, auto-generated page names).
`ui.routing.through_router()` at the top of every page hands such a run to the router; this test
proves it for the first request of a fresh server, on a page and on the home page.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.e2e.conftest import assert_no_exception, free_port, start_server, wait_for_app

pytestmark = pytest.mark.e2e


@contextmanager
def first_request(browser, path: str):
    """The page at `path` as the very first request to a fresh server (1280x800)."""
    port = free_port()
    server = start_server(port)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}{path}")
        wait_for_app(page)
        assert_no_exception(page)
        yield page
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=10)


def test_first_request_deep_link_uses_the_router(browser):
    with first_request(browser, "/separable?kernel=5&in_channels=64") as page:
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Standard vs depthwise separable" in nav  # the router's titles, not file names
        assert "app" not in nav.split("\n")
        sidebar = page.locator('[data-testid="stSidebar"]')
        # the shared sidebar ran
        assert sidebar.get_by_text("Presenter mode", exact=True).count() >= 1
        slider = page.locator('[data-testid="stSlider"]').first
        assert slider.inner_text().strip().startswith("Kernel size D_K")
        assert "kernel=5" in page.evaluate(
            "window.location.search"
        )  # the query string survived the hand-over
        thumb = slider.locator('[data-testid="stSliderThumbValue"]')
        assert thumb.inner_text().strip() == "5"  # ... and the page read it


def test_first_request_to_home_uses_the_router(browser):
    with first_request(browser, "/") as page:
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Class questions" in nav and "app" not in nav.split("\n")
        assert page.get_by_role("heading", name="MobileNet Lab").count() == 1
