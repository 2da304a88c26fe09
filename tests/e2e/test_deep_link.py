"""A shared link opened as the very first request to a fresh server still goes through the router.

Streamlit treats a `pages/` folder next to the main script as a v1 multipage app until the router
has called st.navigation once in the process; a deep link arriving first would then run the page
script alone (no shared sidebar, no presenter mode, auto-generated page names). The page folder is
therefore called `app_pages/`; this test guards against that trap coming back.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, free_port, start_server, wait_for_app

pytestmark = pytest.mark.e2e


def test_first_request_deep_link_uses_the_router(browser):
    port = free_port()
    server = start_server(port)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/separable?kernel=5&in_channels=64")
        wait_for_app(page)
        assert_no_exception(page)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Standard vs depthwise separable" in nav  # the router's titles, not file names
        assert "app" not in nav.split("\n")
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("Presenter mode", exact=True).count() >= 1  # the shared sidebar ran
        assert page.locator('[data-testid="stSlider"]').first.inner_text().strip().startswith("Kernel size D_K")
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
