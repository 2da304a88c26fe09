"""Figures for "Standard vs depthwise separable" (MobileNets section 3.1): data in, plotly out
(the stage's cost split: light HTML bars, ``figures/html_charts.py``).

Figures are assembled as plain dicts and wrapped once in ``go.Figure``: plotly's per-call helpers
(``add_hline``, ``make_subplots``) validate on every call and slow every page rerun
(``benchmarks/separable_rerun.py`` measures the rerun).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from mobilenet_viz.analytic.costs import ConvComparison, grouped_conv_cost
from mobilenet_viz.explain import fmt_count
from mobilenet_viz.figures import html_charts, palette
from mobilenet_viz.figures.html_charts import Row, Segment

HORIZONTAL_LEGEND = {"orientation": "h", "y": -0.25}


def _hline(y: float, color: str, dash: str = "dot") -> dict:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": color, "dash": dash, "width": 1},
    }


def ratio_vs_out_channels(
    comparison: ConvComparison, kernels=(3, 5, 7), max_n: int = 1024
) -> go.Figure:
    """Cost ratio separable/standard = 1/N + 1/D_K^2 as N grows, one line per D_K.

    The curve flattens at 1/D_K^2: with many output channels the saving approaches D_K^2.
    """
    n = np.unique(np.round(np.geomspace(1, max(max_n, comparison.out_channels), 120)).astype(int))
    data, shapes = [], []
    for k in sorted(set(kernels) | {comparison.config.kernel}):
        color = palette.KERNELS.get(k, palette.KERNEL_OTHER)
        data.append(
            {
                "type": "scatter",
                "x": n,
                "y": 1 / n + 1 / k**2,
                "mode": "lines",
                "name": f"D_K = {k}",
                "line": {"color": color, "width": 2},
                "hovertemplate": f"N = %{{x}}<br>ratio = %{{y:.4f}}<extra>D_K = {k}</extra>",
            }
        )
        shapes.append(_hline(1 / k**2, color))
    data.append(
        {
            "type": "scatter",
            "x": [comparison.out_channels],
            "y": [comparison.paper_ratio],
            "mode": "markers+text",
            "name": "current layer",
            "marker": {"size": 14, "color": palette.REFERENCE, "symbol": "diamond"},
            "text": [f"your layer: {comparison.paper_ratio:.3f} ({comparison.saving:.1f}x fewer)"],
            "textposition": "top left" if comparison.out_channels > 30 else "top right",
        }
    )
    return go.Figure(
        {
            "data": data,
            "layout": {
                "title": {"text": "Cost ratio = 1/N + 1/D_K²"},
                "xaxis": {
                    "title": {"text": "output channels N (log scale)"},
                    "type": "log",
                    "tickvals": [1, 4, 16, 64, 256, 1024, 4096],
                },
                "yaxis": {
                    "title": {"text": "separable / standard MACs (log)"},
                    "type": "log",
                    "tickvals": [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
                },
                "legend": HORIZONTAL_LEGEND,
                "shapes": shapes,
                "height": 420,
            },
        }
    )


def saving_heatmap(comparison: ConvComparison, kernels=(1, 3, 5, 7, 9, 11)) -> go.Figure:
    """How many times fewer MACs, 1 / (1/N + 1/D_K^2), over N (columns) and D_K (rows)."""
    n_values = sorted({8, 16, 32, 64, 128, 256, 512, 1024, comparison.out_channels})
    k_values = sorted(set(kernels) | {comparison.config.kernel})
    z = [[1 / (1 / n + 1 / k**2) for n in n_values] for k in k_values]
    return go.Figure(
        {
            "data": [
                {
                    "type": "heatmap",
                    "z": z,
                    "x": [str(n) for n in n_values],
                    "y": [str(k) for k in k_values],
                    "colorscale": "Blues",
                    "colorbar": {"title": {"text": "x fewer<br>MACs"}},
                    # Short labels at a readable size: 8 columns share half a 1280 px page (plotly's automatic
                    # size shrank "108.2x" to ~6 px).
                    "text": [[f"{v:.0f}x" if v >= 10 else f"{v:.1f}x" for v in row] for row in z],
                    "texttemplate": "%{text}",
                    "textfont": {"size": 11},
                    "hovertemplate": "N = %{x}, D_K = %{y}<br>%{z:.2f}x fewer MACs<extra></extra>",
                },
                {
                    "type": "scatter",
                    "x": [str(comparison.out_channels)],
                    "y": [str(comparison.config.kernel)],
                    "mode": "markers",
                    "name": "current layer",
                    "hoverinfo": "skip",
                    "marker": {
                        "size": 26,
                        "symbol": "square-open",
                        "color": palette.STANDARD,
                        "line": {"width": 3},
                    },
                },
            ],
            "layout": {
                "title": {"text": "× fewer MACs by N and D_K (box: your layer)"},
                "xaxis": {"title": {"text": "output channels N"}, "type": "category"},
                "yaxis": {"title": {"text": "kernel size D_K"}, "type": "category"},
                "showlegend": False,
                "height": 420,
            },
        }
    )


def cost_split(comparison: ConvComparison) -> str:
    """Where the cost goes, as light HTML bars (``html_charts``): one panel for MACs and one
    for weights (their magnitudes differ), the standard conv's bar above depthwise + pointwise
    stacked, each panel on its own scale, so the 1x1 conv's dominance (MobileNets section 3.1:
    95% of the MACs in the 1x1 convs) is seen at a glance on a phone or a projector."""
    panels = []
    for title, attr, unit in (("MACs", "macs", "MACs"), ("Weights (params)", "params", "weights")):
        standard = getattr(comparison.standard, attr)
        depthwise = getattr(comparison.depthwise, attr)
        pointwise = getattr(comparison.pointwise, attr)
        rows = [
            Row(
                "standard conv",
                (Segment("standard conv", standard, palette.STANDARD, f"{standard:,} {unit}"),),
                fmt_count(standard),
            ),
            Row(
                "depthwise + pointwise",
                (
                    Segment("depthwise", depthwise, palette.DEPTHWISE, f"{depthwise:,} {unit}"),
                    Segment(
                        "pointwise (1×1)", pointwise, palette.POINTWISE, f"{pointwise:,} {unit}"
                    ),
                ),
                fmt_count(depthwise + pointwise),
                detail=f"depthwise {fmt_count(depthwise)} + pointwise {fmt_count(pointwise)}",
            ),
        ]
        panels.append(html_charts.panel(title, rows))
    items = [
        ("standard conv", palette.STANDARD),
        ("depthwise", palette.DEPTHWISE),
        ("pointwise (1×1)", palette.POINTWISE),
    ]
    return html_charts.figure_markup(
        "cost-split", "Where the cost goes", "".join(panels) + html_charts.legend(items)
    )


def groups_sweep(comparison: ConvComparison, groups: list[int], current: int) -> go.Figure:
    """MACs of a grouped D_K x D_K conv M -> N as the group count g goes from 1 to gcd(M, N).

    Grouped cost = D_K^2 * (M/g) * N * D_O^2: every doubling of g halves it. g = M (with N = M) is
    the depthwise conv; the separable layer adds a pointwise conv to mix the groups again.
    """
    m, n, k, d_o = (
        comparison.in_channels,
        comparison.out_channels,
        comparison.config.kernel,
        comparison.output_size,
    )
    macs = [grouped_conv_cost(m, n, k, d_o, g).macs for g in groups]
    return go.Figure(
        {
            "data": [
                {
                    "type": "scatter",
                    "x": groups,
                    "y": macs,
                    "mode": "lines+markers",
                    "name": "grouped conv alone",
                    "line": {"color": palette.STANDARD},
                    "hovertemplate": "g = %{x}<br>%{y:,} MACs<extra></extra>",
                },
                {
                    "type": "scatter",
                    "x": [current],
                    "y": [macs[groups.index(current)]],
                    "mode": "markers",
                    "marker": {"size": 16, "color": palette.REFERENCE, "symbol": "diamond"},
                    "name": f"g = {current}",
                },
                {
                    "type": "scatter",
                    "x": [groups[0], groups[-1]],
                    "y": [comparison.separable.macs] * 2,
                    "mode": "lines",
                    "line": {"dash": "dash", "color": palette.POINTWISE},
                    "name": "depthwise + pointwise",
                },
            ],
            "layout": {
                "title": {"text": "Grouped convolution: cost falls as 1/g"},
                "xaxis": {
                    "title": {"text": "groups g (log scale)"},
                    "type": "log",
                    "tickvals": groups,
                },
                "yaxis": {"title": {"text": "MACs (log scale)"}, "type": "log", "dtick": "D2"},
                "legend": HORIZONTAL_LEGEND,
                "height": 380,
            },
        }
    )
