"""Real-browser tests: `streamlit run app.py` on a free port, driven by Playwright + system Chromium.

Playwright's own browser download is unavailable here, so the Debian `chromium` package
(/usr/bin/chromium, or MOBILENET_VIZ_CHROMIUM) is launched through `executable_path`.
The tests skip when no Chromium exists, unless MOBILENET_VIZ_REQUIRE_BROWSER is set (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mobilenet_viz import settings
from tests.conftest import ROOT
from ui import crash

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    candidates = [
        settings.chromium(),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ]
    return next((c for c in candidates if c and Path(c).exists()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = open(ARTIFACTS / f"server-{port}.log", "wb")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 90 s")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if settings.require_browser():
            pytest.fail("MOBILENET_VIZ_REQUIRE_BROWSER is set but no Chromium was found")
        pytest.skip("no Chromium found (install the Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_url(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    # The test weights (real ImageNet MobileNetV2, test configuration only) make Classify's
    # predictions and screenshots meaningful; without them the page runs its untrained fallback.
    weights = settings.weights_for_tests()
    proc = start_server(port, {settings.ENV_WEIGHTS: str(weights)} if weights else None)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def wait_for_app(page, timeout: float = 90_000) -> None:
    """Wait until Streamlit has finished running the script and every widget has loaded.

    stApp's data-test-script-state is "notRunning" only after a run ends; widgets show as
    skeletons until their frontend code has loaded.
    """
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stMain"] h1')
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=timeout,
        polling=200,
    )
    page.wait_for_timeout(300)


def wait_for_query(page, fragment: str, timeout: float = 30_000) -> str:
    """Wait until the address bar holds ``fragment`` (e.g. "model=v1"); return the query string.

    Streamlit writes st.query_params into the URL in its own message, which can arrive after
    the run's last element has been drawn; reading page.url at once races it. Playwright's
    page.url can also lag the browser's history.replaceState, so read the returned string
    (window.location.search, as the browser holds it), not page.url.
    """
    page.wait_for_function(
        "fragment => window.location.search.includes(fragment)",
        arg=fragment,
        timeout=timeout,
        polling=100,
    )
    return page.evaluate("window.location.search")


def wait_for_charts(page, timeout: float = 120_000) -> None:
    """Wait until every plotly chart on the page has drawn (plotly's code loads lazily)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=timeout,
        polling=250,
    )


def assert_no_exception(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    crashes = page.get_by_text(
        crash.MESSAGE
    )  # app.py's router caught a page's exception (ui.crash)
    assert crashes.count() == 0, crashes.first.inner_text() + " (traceback in the server log)"


def screenshot(page, name: str) -> Path:
    """Save what the viewport shows as test-artifacts/<name>.png (name may hold a sub-folder)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)
    return path
