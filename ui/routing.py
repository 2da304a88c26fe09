"""Every page runs inside the router (`app.py`), even when a shared link is a fresh server's first request.

Streamlit 1.67 decides once per process, when the first session starts, whether the app is a
version-1 multipage app: it is if a folder called `pages/` sits next to the main script. Until
`st.navigation` has been called once, such a process runs a deep link's page file alone
(`streamlit.runtime.scriptrunner.script_runner._mpa_v1`): no shared sidebar, no presenter mode,
file names as titles. `through_router()` at the top of every page notices that mode, switches
it off and reruns, so the router's `st.navigation` takes the request (same URL path, same query
string). `app.py` needs no guard: run as the v1 main page it calls `st.navigation` itself. `tests/e2e/test_deep_link.py` proves it with a real browser.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_router() -> None:
    """Rerun through `app.py` if Streamlit is running this script as a version-1 page."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = (
            False  # what st.navigation itself sets on its first call
        )
        st.rerun()
