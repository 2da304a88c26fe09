"""The preset picker: a box of named settings from a paper's table that fills a page's controls.

The box names a preset only while every control it set still holds the preset's value: moving a
control away clears it (the label would describe a layer the page no longer shows), and choosing
the same preset again applies it again. The presets' numbers live in the library (explain/,
analytic/); the controls are ``PageParams`` widgets, so the URL carries what a preset set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from ui.params import PageParams

Settings = Mapping[str, object]  # PageParams name -> value


def matches(params: PageParams, settings: Settings) -> bool:
    """Whether every control named in ``settings`` holds that value now."""
    return all(params.value(name) == value for name, value in settings.items())


def _apply(
    params: PageParams,
    key: str,
    presets: Mapping[str, Settings],
    also_set: Callable[[str], Settings] | None,
) -> None:
    label = st.session_state.get(key)
    if label in presets:
        params.set(**presets[label], **(also_set(label) if also_set else {}))


def preset_picker(
    params: PageParams,
    label: str,
    presets: Mapping[str, Settings],
    *,
    placeholder: str,
    also_set: Callable[[str], Settings] | None = None,
) -> str | None:
    """Draw the box (key ``<prefix>_preset``) before the controls it fills; return the preset it
    names, or None.

    ``presets``: label -> the settings that define the preset (set when it is chosen, compared on
    every run). ``also_set``: label -> settings it also sets that the user may change afterwards
    without leaving it (a view's own control, e.g. the groups slider).
    """
    key = f"{params.prefix}_preset"
    chosen = st.session_state.get(key)
    if chosen in presets and not matches(params, presets[chosen]):
        st.session_state[key] = None  # before the widget exists in this run, so this is allowed
    return st.selectbox(
        label,
        list(presets),
        index=None,
        key=key,
        on_change=_apply,
        args=(params, key, presets, also_set),
        placeholder=placeholder,
    )
