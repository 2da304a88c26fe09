"""Figure for the width and resolution multipliers (MobileNets sections 3.3-3.4): data in, plotly out.

Built from dicts on ``build.grid``'s two panels (no make_subplots), as the other figure modules.
"""

from __future__ import annotations

import plotly.graph_objects as go

from mobilenet_viz.analytic.multipliers import SweepPoint
from mobilenet_viz.figures import palette
from mobilenet_viz.figures.build import figure, grid


def multiplier_sweep(alpha_points: list[SweepPoint], rho_points: list[SweepPoint]) -> go.Figure:
    """Left: MACs and weights against alpha; right: against rho; both as a fraction of the 1.0 network.

    Dashed: alpha^2 and rho^2. Each computed MAC point is labelled with the published top-1 there.
    """
    base = next(p for p in alpha_points if p.alpha == 1.0)
    top = base.resolution
    data = []

    def series(points, x, axis, show_legend):
        xa, ya = ("x", "y") if axis == 1 else ("x2", "y2")
        labels = [f"{p.top1:g}%" if p.top1 is not None else "" for p in points]
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": [p.macs / base.macs for p in points],
                "xaxis": xa,
                "yaxis": ya,
                # The leftmost label goes right of its point: "top left" cut it at the axis edge on a phone.
                "mode": "lines+markers+text",
                "text": labels,
                "textposition": ["top right"] + ["top left"] * (len(points) - 1),
                "name": "MACs (label: published top-1)",
                "legendgroup": "macs",
                "showlegend": show_legend,
                "line": {"color": palette.MACS, "width": 2},
                "marker": {"size": 8},
                "customdata": [
                    [p.alpha, p.resolution, p.macs / 1e6, p.top1 if p.top1 is not None else "n/a"]
                    for p in points
                ],
                "hovertemplate": "α = %{customdata[0]}, %{customdata[1]} px<br>%{customdata[2]:.1f}M MACs"
                "<br>published top-1: %{customdata[3]}%<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": [p.weights / base.weights for p in points],
                "xaxis": xa,
                "yaxis": ya,
                "mode": "lines+markers",
                "name": "weights",
                "legendgroup": "weights",
                "showlegend": show_legend,
                "line": {"color": palette.PARAMS, "width": 2},
                "marker": {"size": 7, "symbol": "square"},
                "customdata": [p.weights / 1e6 for p in points],
                "hovertemplate": "%{customdata:.2f}M weights<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": [v * v for v in x],
                "xaxis": xa,
                "yaxis": ya,
                "mode": "lines",
                "name": "α² / ρ²",
                "legendgroup": "law",
                "showlegend": show_legend,
                "line": {"color": palette.LAW, "width": 1.5, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )

    series(alpha_points, [p.alpha for p in alpha_points], 1, True)
    series(rho_points, [p.resolution / top for p in rho_points], 2, False)
    layout = grid(1, 2, [], hspace=0.08, image_axes=False)  # α left, ρ right, one y scale
    # Two-line axis titles: on one line each, they ran into each other on a 390 px phone.
    small = {"size": 12}
    layout["xaxis"].update(
        range=[0, 1.08], title={"text": f"width multiplier α<br>({top} px)", "font": small}
    )
    layout["xaxis2"].update(
        range=[0.45, 1.05], title={"text": f"resolution ρ<br>= px / {top} (α = 1)", "font": small}
    )
    layout["yaxis"].update(
        range=[0, 1.15], title={"text": f"fraction of {base.model.upper()} 1.0-{top}"}
    )
    layout["yaxis2"].update(range=[0, 1.15])
    layout.update(
        title={"text": "Cost falls as α² and ρ²; weights with α only"},
        legend={"orientation": "h", "y": -0.3},
        height=440,
    )
    return figure(data, layout)
