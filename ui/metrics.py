"""A row of metrics: the library's ``mobilenet_viz.explain.Metric`` figures drawn with ``st.metric``."""

from __future__ import annotations

import streamlit as st


def metric_row(metrics) -> None:
    """One ``st.metric`` per figure, side by side (stacked on a phone); a delta is a neutral
    comparison (no colour, no arrow)."""
    for column, m in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(
            m.label, m.value, help=m.help, delta=m.delta, delta_color="off", delta_arrow="off"
        )
