"""In a real browser: Markdown from a link or a file name is shown as text, never rendered (issue 16).

`?kernel=![t](http://host/x.png)` used to make every viewer's browser fetch an outside image, and
an upload named `[Log in again](http://x).jpg` became a live link inside the app's own error box.
"""

from __future__ import annotations

import pytest

from mobilenet_viz.inputs.samples import get_sample
from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def _outside_requests(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.url.startswith(("http://host", "http://x")) else None,
    )
    return seen


def test_markdown_in_a_link_is_shown_as_text(page, app_url):
    fetched = _outside_requests(page)
    page.goto(f"{app_url}/separable?kernel=![t](http://host/x.png)")
    wait_for_app(page, timeout=180_000)
    assert_no_exception(page)
    warning = page.locator('[data-testid="stAlertContentWarning"]').first
    warning.wait_for(timeout=60_000)
    assert "![t](http://host/x.png)" in warning.inner_text()  # every character shown as typed
    assert (
        page.locator('img[src*="host"]').count() == 0
        and page.locator('a[href*="host"]').count() == 0
    )
    assert not fetched, fetched
    screenshot(page, "hostile/link-markdown")


def test_markdown_in_an_upload_name_is_shown_as_text(page, app_url):
    page.goto(f"{app_url}/classify?runs=1&cam=0")
    wait_for_app(page, timeout=180_000)
    page.wait_for_selector("h3:has-text('cat.jpg: ')", timeout=240_000)
    name = "[Log in again](http://x).jpg"
    page.locator('.st-key-cls_uploads input[type="file"]').set_input_files(
        [
            {
                "name": name,
                "mimeType": "image/jpeg",
                "buffer": get_sample("coffee.jpg").read_bytes(),
            },
            {"name": "**bold** `code` $x$.png", "mimeType": "image/png", "buffer": b"not a png"},
        ]
    )
    page.wait_for_selector("h3:has-text('[Log in again](http://x).jpg: ')", timeout=180_000)
    wait_for_app(page, timeout=180_000)
    assert_no_exception(page)
    assert page.locator('a[href^="http://x"]').count() == 0  # no live link anywhere in the app
    error = page.locator('[data-testid="stAlertContentError"]', has_text="looks like text").first
    assert "**bold** `code` $x$.png" in error.inner_text()  # no bold, code span or LaTeX
    assert error.locator("strong strong, code, .katex").count() == 0
    screenshot(page, "hostile/upload-name-markdown")
