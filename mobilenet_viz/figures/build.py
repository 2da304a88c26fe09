"""The one way figures are built: plain dicts into ``go.Figure``, and one grid of subplots.

``make_subplots``/``add_trace``/``add_hline`` validate every property on every call and made a
page rerun several times slower; a figure built from dicts is validated once (or not at all with
``validate=False``, for figures the unit tests re-validate through ``go.Figure(fig.to_dict())``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go


def figure(
    data: list[dict], layout: dict, *, frames: list[dict] | None = None, validate: bool = True
) -> go.Figure:
    """``go.Figure`` from trace dicts and a layout dict (and animation frames)."""
    spec: dict = {"data": data, "layout": layout}
    if frames is not None:
        spec["frames"] = frames
    return go.Figure(spec) if validate else go.Figure(spec, _validate=False)


def axis_suffix(index: int) -> str:
    """Plotly's axis suffix of subplot ``index`` (1-based): '' for the first, then '2', '3'..."""
    return "" if index == 1 else str(index)


def axes(index: int) -> dict:
    """The ``xaxis``/``yaxis`` keys that put a trace in subplot ``index`` (1-based)."""
    suffix = axis_suffix(index)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def grid(
    rows: int,
    cols: int,
    titles: Sequence[str],
    *,
    hspace: float = 0.04,
    vspace: float = 0.08,
    col_widths: Sequence[float] | None = None,
    image_axes: bool = True,
    ticks: bool = False,
    title_size: int = 12,
) -> dict:
    """Layout of a rows x cols grid of subplots (axes 1..rows*cols in row-major order), each
    titled by ``titles`` above it.

    ``image_axes``: y grows downwards, pixels are square, no grid lines, tick labels only with
    ``ticks`` (row 0 at the top, like an image). Otherwise the axes are plotly's chart defaults.
    """
    widths = np.asarray(col_widths if col_widths is not None else [1.0] * cols, dtype=float)
    widths = widths / widths.sum() * (1 - hspace * (cols - 1))
    height = (1 - vspace * (rows - 1)) / rows
    layout: dict = {"annotations": []}
    for r in range(rows):
        y1 = 1 - r * (height + vspace)
        y0 = max(0.0, y1 - height)
        x0 = 0.0
        for c in range(cols):
            idx = r * cols + c + 1
            suffix = axis_suffix(idx)
            x1 = x0 + widths[c]
            xaxis: dict = {"domain": [x0, min(1.0, x1)], "anchor": f"y{suffix}"}
            yaxis: dict = {"anchor": f"x{suffix}"}
            if rows > 1:
                yaxis["domain"] = [y0, y1]
            if image_axes:
                bare = {} if ticks else {"ticks": "", "showline": False}
                plain = {"showgrid": False, "zeroline": False, "showticklabels": ticks, **bare}
                xaxis.update(plain, constrain="domain")
                yaxis.update(
                    plain,
                    domain=[y0, y1],
                    autorange="reversed",
                    scaleanchor=f"x{suffix}",
                    scaleratio=1,
                    constrain="domain",
                )
            layout[f"xaxis{suffix}"] = xaxis
            layout[f"yaxis{suffix}"] = yaxis
            if idx - 1 < len(titles) and titles[idx - 1]:
                layout["annotations"].append(
                    {
                        "text": titles[idx - 1],
                        "x": (x0 + x1) / 2,
                        "y": y1,
                        "xref": "paper",
                        "yref": "paper",
                        "xanchor": "center",
                        "yanchor": "bottom",
                        "showarrow": False,
                        "font": {"size": title_size},
                    }
                )
            x0 = x1 + hspace
    return layout
