"""The shared frame around every page: the sidebar and small display helpers."""

from __future__ import annotations

import streamlit as st

from ui import presenter


def sidebar() -> None:
    """Draw the sidebar shared by all pages (below the page navigation): the presenter-mode
    toggle, then (outside presenter mode) the app's blurb."""
    if presenter.controls():
        return
    with st.sidebar:
        st.caption(
            "MobileNet Lab: an interactive companion to *MobileNets* (Howard et al., 2017, "
            "arXiv:1704.04861) and *MobileNetV2* (Sandler et al., 2018, arXiv:1801.04381)."
        )


def show_plotly(fig, *, key: str | None = None, height: int | None = None) -> None:
    """Every page draws its plotly figures through here, so the shared look (presenter mode's
    larger text, the download-as-PNG button in the toolbar, hidden on a phone by ``ui.stage``'s
    CSS) is applied in one place. ``height`` (px) overrides the figure's own, after presenter
    styling (``ui.stage.plot`` uses it to fit the projector's screen)."""
    if presenter.is_on():
        fig = presenter.style_figure(fig)  # a copy, with margins for the larger text
    else:
        fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 10})
    if height is not None:
        fig.update_layout(height=height)
    st.plotly_chart(
        fig,
        key=key,
        width="stretch",
        config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}},
    )


def fit_width(image, width: int):
    """A copy of a PIL image at most ``width`` px wide (aspect kept, at least 1 px high), for
    ``st.image(..., width=width)``: Streamlit would encode the full photo and then shrink it (and
    a 1000:1 panorama to 0 px high)."""
    small = image.copy()
    small.thumbnail((width, width * 1000))
    return small
