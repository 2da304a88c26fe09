"""Figures for "Standard vs depthwise separable" (MobileNets section 3.1): data in, plotly out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mobilenet_viz.costs import ConvComparison, grouped_conv_cost

STANDARD_COLOR = "#c2410c"
DEPTHWISE_COLOR = "#2563eb"
POINTWISE_COLOR = "#0f766e"
KERNEL_COLORS = {3: "#1d4ed8", 5: "#b45309", 7: "#7c3aed"}


def ratio_vs_out_channels(comparison: ConvComparison, kernels=(3, 5, 7), max_n: int = 1024) -> go.Figure:
    """Cost ratio separable/standard = 1/N + 1/D_K^2 as N grows, one line per D_K.

    The curve flattens at 1/D_K^2: with many output channels the saving approaches D_K^2.
    """
    n = np.unique(np.round(np.geomspace(1, max(max_n, comparison.out_channels), 200)).astype(int))
    fig = go.Figure()
    for k in sorted(set(kernels) | {comparison.config.kernel}):
        fig.add_trace(
            go.Scatter(
                x=n, y=1 / n + 1 / k**2, mode="lines", name=f"D_K = {k}",
                line={"color": KERNEL_COLORS.get(k, "#6b7280"), "width": 2},
                hovertemplate="N = %{x}<br>ratio = %{y:.4f}<extra>D_K = " + str(k) + "</extra>",
            )
        )
        fig.add_hline(y=1 / k**2, line={"dash": "dot", "color": KERNEL_COLORS.get(k, "#6b7280"), "width": 1})
    fig.add_trace(
        go.Scatter(
            x=[comparison.out_channels], y=[comparison.paper_ratio], mode="markers+text",
            marker={"size": 14, "color": "#111827", "symbol": "diamond"},
            text=[f"  your layer: {comparison.paper_ratio:.3f} ({comparison.saving:.1f}x fewer)"],
            textposition="middle right", name="current layer",
        )
    )
    fig.update_layout(
        title="Separable / standard MACs = 1/N + 1/D_K² (dotted: the 1/D_K² floor)",
        xaxis={"title": "output channels N (log scale)", "type": "log"},
        yaxis={"title": "cost ratio (lower is cheaper)", "type": "log"},
        legend={"orientation": "h", "y": -0.25},
        height=420,
    )
    return fig


def saving_heatmap(comparison: ConvComparison, kernels=(1, 3, 5, 7, 9, 11)) -> go.Figure:
    """How many times fewer MACs, 1 / (1/N + 1/D_K^2), over N (columns) and D_K (rows)."""
    n_values = [8, 16, 32, 64, 128, 256, 512, 1024]
    if comparison.out_channels not in n_values:
        n_values = sorted([*n_values, comparison.out_channels])
    k_values = sorted(set(kernels) | {comparison.config.kernel})
    z = [[1 / (1 / n + 1 / k**2) for n in n_values] for k in k_values]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=[str(n) for n in n_values], y=[str(k) for k in k_values],
            colorscale="Blues", colorbar={"title": "x fewer<br>MACs"},
            text=[[f"{v:.1f}x" for v in row] for row in z], texttemplate="%{text}",
            hovertemplate="N = %{x}, D_K = %{y}<br>%{z:.2f}x fewer MACs<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[str(comparison.out_channels)], y=[str(comparison.config.kernel)], mode="markers",
            marker={"size": 26, "symbol": "square-open", "color": STANDARD_COLOR, "line": {"width": 3}},
            name="current layer", hoverinfo="skip",
        )
    )
    fig.update_layout(
        title="Saving of depthwise separable over standard conv",
        xaxis={"title": "output channels N", "type": "category"},
        yaxis={"title": "kernel size D_K", "type": "category"},
        showlegend=False,
        height=420,
    )
    return fig


def cost_split(comparison: ConvComparison) -> go.Figure:
    """Stacked bars, one panel for MACs and one for parameters (their magnitudes differ):
    the standard conv next to depthwise + pointwise, showing that the 1x1 conv dominates."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("MACs (multiply-accumulates)", "parameters (weights)"))
    for col, attr in ((1, "macs"), (2, "params")):
        for name, x, cost, color in (
            ("standard conv", "standard", comparison.standard, STANDARD_COLOR),
            ("depthwise", "separable", comparison.depthwise, DEPTHWISE_COLOR),
            ("pointwise (1×1)", "separable", comparison.pointwise, POINTWISE_COLOR),
        ):
            y = getattr(cost, attr)
            fig.add_trace(
                go.Bar(
                    x=[x], y=[y], name=name, marker_color=color, showlegend=col == 1,
                    legendgroup=name, text=[f"{y:,}"], textposition="inside",
                    hovertemplate=f"{name}: %{{y:,}}<extra></extra>",
                ),
                row=1, col=col,
            )
    fig.update_layout(barmode="stack", height=420, title="Where the cost goes",
                      legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(title_text="MACs", row=1, col=1)
    fig.update_yaxes(title_text="parameters", row=1, col=2)
    return fig


def groups_sweep(comparison: ConvComparison, groups: list[int], current: int) -> go.Figure:
    """MACs of a grouped D_K x D_K conv M -> N as the group count g goes from 1 to gcd(M, N).

    Grouped cost = D_K^2 * (M/g) * N * D_O^2: every doubling of g halves it. g = M (with N = M) is
    the depthwise conv; the separable layer adds a pointwise conv to mix the groups again.
    """
    m, n, k, d_o = comparison.in_channels, comparison.out_channels, comparison.config.kernel, comparison.output_size
    macs = [grouped_conv_cost(m, n, k, d_o, g).macs for g in groups]
    fig = go.Figure(
        go.Scatter(
            x=groups, y=macs, mode="lines+markers", name="grouped conv alone",
            line={"color": STANDARD_COLOR}, hovertemplate="g = %{x}<br>%{y:,} MACs<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[current], y=[grouped_conv_cost(m, n, k, d_o, current).macs], mode="markers",
            marker={"size": 16, "color": "#111827", "symbol": "diamond"}, name=f"g = {current}",
        )
    )
    fig.add_hline(
        y=comparison.separable.macs, line={"dash": "dash", "color": POINTWISE_COLOR},
        annotation_text="depthwise + pointwise", annotation_position="top right",
    )
    fig.update_layout(
        title="Grouped convolution: cost falls as 1/g",
        xaxis={"title": "groups g (log scale)", "type": "log"},
        yaxis={"title": "MACs (log scale)", "type": "log"},
        legend={"orientation": "h", "y": -0.25},
        height=380,
    )
    return fig
