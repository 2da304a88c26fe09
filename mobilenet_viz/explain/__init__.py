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


def fmt_count(value: float) -> str:
    """A count in engineering units: 462.4M, 2.36M, 52.3K."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return (
                f"{value / scale:.3g}{unit}"
                if value / scale < 100
                else f"{value / scale:.1f}{unit}"
            )
    return f"{value:g}"
