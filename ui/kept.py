"""Results that stay in a session: a page's button results until the settings change, and the
earlier results a page reuses instead of measuring them again.

A button is True only in the run right after its click; a measurement it started (engines timed
side by side, a layer profile) would vanish at the next click of another button. :func:`kept`
keeps the result in ``st.session_state`` with the ``settings`` it was computed for and shows it
again on every later run with the same settings; changed settings drop it. This keeps one
session's result, per session: nothing is cached across users (a timing is measured anew for each).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def _stored(key: str, settings: Hashable):
    """The result kept under ``key`` for these ``settings``, or None."""
    stored = st.session_state.get(key)
    return stored[1] if stored is not None and stored[0] == settings else None


def shown(key: str, settings: Hashable, clicked: bool) -> bool:
    """Whether the button's section is shown: it was just clicked, or its result is kept for these
    ``settings``."""
    return clicked or _stored(key, settings) is not None


def kept(key: str, settings: Hashable, clicked: bool, compute: Callable[[], T]) -> T | None:
    """``compute()`` when ``clicked`` (stored under ``key`` with ``settings``), else the result
    stored for the same ``settings`` (None when there is none)."""
    if clicked:
        st.session_state[key] = (settings, compute())
    return _stored(key, settings)


def session_results(key: str, token: Hashable) -> dict:
    """This session's store of earlier results for ``token`` (e.g. a model), a dict the caller
    fills; another token starts an empty one. Classify passes it as ``classify(reuse=...)``: a
    rerun (another photo added, the CAM switched on) times only what is new."""
    store = st.session_state.get(key)
    if store is None or store["token"] != token:
        store = st.session_state[key] = {"token": token, "results": {}}
    return store["results"]


def forget(key: str) -> None:
    """Drop what is stored under ``key`` (a button's ``on_click``: "time them all again")."""
    st.session_state.pop(key, None)


def section(
    key: str, settings: Hashable, clicked: bool, title: str, spinner: str, compute: Callable[[], T]
) -> T | None:
    """A button's section below the button row: nothing (None) while the button was not clicked
    and no result is kept for these ``settings``; else its subheader, then the result (computed
    under ``spinner`` when just clicked, else the kept one)."""
    if not shown(key, settings, clicked):
        return None
    st.subheader(title)
    with st.spinner(spinner):
        return kept(key, settings, clicked, compute)
