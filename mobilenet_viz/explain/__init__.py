"""What the pages say: the sentences, LaTeX and tables each page shows, built from the library's
results (plain functions of numbers, no torch, no Streamlit), so a page only lays them out and every
sentence is unit-tested against the numbers it describes.

A ``Metric`` is one figure of a metric row: the page draws it with ``st.metric``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    label: str
    value: str | int | float
    help: str | None = None
    delta: str | None = None  # shown neutral (no colour, no arrow): a comparison, not a change


def hwc(shape) -> str:
    """A (C, H, W) shape written h×w×c, as the papers' tables write tensors."""
    c, h, w = shape
    return f"{h}×{w}×{c}"
