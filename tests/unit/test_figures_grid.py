"""build.grid: the one grid of subplots, and the two-panel figures built on it (cost split,
multiplier sweep, V1 vs V2, per-layer bars): panels side by side or stacked never overlap, every
trace lands on axes the layout has, and a panel's title sits centred above its own panel."""

from __future__ import annotations

import pytest

from mobilenet_viz.analytic import multipliers
from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.figures import architectures
from mobilenet_viz.figures import multipliers as multiplier_figures
from mobilenet_viz.figures.build import axes, grid


def panels(layout: dict) -> list[tuple[list[float], list[float]]]:
    """(x domain, y domain) of each subplot, in axis order."""
    out, i = [], 1
    while f"xaxis{'' if i == 1 else i}" in layout:
        s = "" if i == 1 else str(i)
        out.append((layout[f"xaxis{s}"]["domain"], layout[f"yaxis{s}"].get("domain", [0.0, 1.0])))
        i += 1
    return out


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.parametrize(("rows", "cols"), [(1, 2), (2, 1), (2, 2), (3, 4)])
def test_grid_panels_tile_the_figure_without_overlap_and_titles_sit_above_them(rows, cols):
    titles = [f"panel {i}" for i in range(rows * cols)]
    layout = grid(rows, cols, titles, hspace=0.1, vspace=0.12, image_axes=False)
    boxes = panels(layout)
    assert len(boxes) == rows * cols
    for i, (x, y) in enumerate(boxes):
        assert 0 <= x[0] < x[1] <= 1 and 0 <= y[0] < y[1] <= 1
        for x2, y2 in boxes[i + 1 :]:
            assert not (overlap(x, x2) and overlap(y, y2))
        title = layout["annotations"][i]
        assert title["text"] == titles[i] and title["xanchor"] == "center"
        assert title["x"] == pytest.approx((x[0] + x[1]) / 2) and title["y"] == pytest.approx(y[1])
    # row-major order: panel 2 is right of panel 1 when there are columns, below it otherwise
    if cols > 1:
        assert boxes[1][0][0] > boxes[0][0][1]
    else:
        assert boxes[1][1][1] < boxes[0][1][0]
    assert axes(rows * cols) == {"xaxis": f"x{rows * cols}", "yaxis": f"y{rows * cols}"}


def two_panel_figures():
    return {
        "multiplier sweep": multiplier_figures.multiplier_sweep(*multipliers.network_sweep("v1")),
        "V1 vs V2": architectures.v1_v2_bars(build("v1"), build("v2")),
        "per-layer bars": architectures.per_layer_bars(build("v2")),
    }


@pytest.mark.parametrize("name", list(two_panel_figures()))
def test_two_panel_figures_put_their_traces_on_two_separate_panels(name):
    fig = two_panel_figures()[name]
    layout = fig.layout.to_plotly_json()
    boxes = panels(layout)
    assert len(boxes) == 2
    (x1, y1), (x2, y2) = boxes
    assert not (overlap(x1, x2) and overlap(y1, y2))
    used = {(t.xaxis or "x", t.yaxis or "y") for t in fig.data}
    assert used == {("x", "y"), ("x2", "y2")}  # both panels drawn, nothing on a missing axis
