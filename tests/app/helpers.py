"""Helpers to drive the real app (app.py router) with Streamlit's AppTest."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import crash

APP = str(ROOT / "app.py")


def _as_after_the_first_run(init):
    """A server decides once per process whether `pages/` makes it a version-1 multipage app, and
    the router's first st.navigation call turns that off for good (ui.routing). AppTest decides
    again on every run, which would run every page alone; start each run as a server does after
    its first request. The first request itself is tested in a real browser (tests/e2e/test_deep_link.py)."""

    def wrapped(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    return wrapped


PagesManager.__init__ = _as_after_the_first_run(PagesManager.__init__)


def open_page(
    page: str, query: dict[str, str | list[str]] | None = None, timeout: float = 60
) -> AppTest:
    """Run app.py, navigate to `page` (e.g. "pages/separable.py") and return the AppTest.

    `query` pre-sets st.query_params, as if the page had been opened from a shared link.
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    if query:
        for key, value in query.items():
            at.query_params[key] = value
    at.run()
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
    assert_no_exception(at)
    return at


def assert_no_exception(at: AppTest) -> None:
    errors = [e.value for e in at.exception]
    assert not errors, f"page raised: {errors}"
    # app.py turns a page's unexpected exception into ui.crash's one-line error (traceback in the log)
    crashes = [e.value for e in at.error if crash.MESSAGE in str(e.value)]
    assert not crashes, f"page raised (caught by the router, traceback in the log above): {crashes}"


def by_key(elements, key: str):
    """The widget with this key from an AppTest element list (at.slider, at.number_input, ...)."""
    for element in elements:
        if element.key == key:
            return element
    raise KeyError(f"no widget with key {key!r}: {[e.key for e in elements]}")


def texts(at: AppTest) -> str:
    """Everything the page shows as text (markdown, captions, metrics, latex), one string."""
    parts = []
    for kind in (
        "markdown",
        "caption",
        "latex",
        "title",
        "header",
        "subheader",
        "text",
        "info",
        "warning",
        "error",
        "success",
    ):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label}: {m.value}" for m in at.metric)
    return "\n".join(parts)


def light_charts(at: AppTest) -> dict[str, str]:
    """The page's light charts (``mobilenet_viz.figures.html_charts``): their ``data-chart``
    name -> markup, in page order (a name drawn twice keeps the first)."""
    import re

    found: dict[str, str] = {}
    for h in at.html:
        m = re.match(r'<figure class="mnl-chart" data-chart="([^"]+)"', h.proto.body)
        if m:
            found.setdefault(m.group(1), h.proto.body)
    return found


def clear_model_cache() -> None:
    """Forget the app's cached MobileNetV2 and engines (the next page run loads them afresh)."""
    from ui import model as ui_model

    ui_model.get_model.clear()
    ui_model.get_engines.clear()
