"""The last line of defence: an unexpected exception becomes a short id, not a traceback.

``.streamlit/config.toml`` sets ``client.showErrorDetails = "none"`` so Streamlit itself never
shows a student a traceback or an exception message. The router (``app.py``) catches what a
page raised, logs the full traceback on the server (logger ``mobilenet_lab``, Streamlit's
console log) under a short random id, and shows one line with that id: the student can tell the
teacher "error 3f9c2a1b" and the teacher finds it with ``grep 3f9c2a1b`` in the server output.
"""

from __future__ import annotations

import secrets

import streamlit as st
from streamlit.logger import get_logger

LOG = get_logger("mobilenet_lab")  # Streamlit's console handler and format
MESSAGE = "Something went wrong on the server"  # tests look for it: a caught bug still fails them


def report(exc: BaseException, where: str) -> str:
    """Log ``exc`` with its traceback under a new id and show the id in one ``st.error``."""
    error_id = secrets.token_hex(4)
    LOG.error("error %s on page %s: %s: %s", error_id, where, type(exc).__name__, exc, exc_info=exc)
    st.error(
        f"{MESSAGE} (error id **{error_id}**). Nothing you entered is "
        "lost: change a setting or reload the page to continue, and tell the teacher the id "
        "(the details are in the server's log).",
        icon=":material/error:",
    )
    return error_id
