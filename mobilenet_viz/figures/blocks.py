"""Figures for "Inverted residual block" (MobileNetV2 sections 3-5): data in, plotly out.

The block diagram follows the paper's Figures 2-3: every tensor is a slab whose thickness grows
with its channel count and whose face grows with its spatial size; tensors produced by a linear
layer (the bottlenecks) are diagonally hatched, as the paper hatches layers without
non-linearities; the residual arrow is drawn only when the block has one.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mobilenet_viz.blocks import BlockCost, SweepPoint
from mobilenet_viz.spiral import SpiralDemo

RELU6_COLOR = "#2563eb"
RELU_COLOR = "#0f766e"
LINEAR_COLOR = "#f59e0b"
RESIDUAL_COLOR = "#dc2626"
TEXT_COLOR = "#111827"


def _shade(hex_color: str, factor: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    if factor >= 1:  # lighten towards white
        r, g, b = (round(c + (255 - c) * (factor - 1)) for c in (r, g, b))
    else:
        r, g, b = (round(c * factor) for c in (r, g, b))
    return f"rgb({r},{g},{b})"


def _slab_size(shape: tuple[int, int, int], max_channels: int, max_size: int) -> tuple[float, float]:
    """(thickness, face height) in plot units: sqrt-scaled so 16 and 960 channels both fit."""
    channels, size, _ = shape
    thickness = 0.12 + 1.6 * math.sqrt(channels / max_channels)
    height = 0.6 + 2.4 * math.sqrt(size / max_size)
    return thickness, height


def _polygon(fig, xs, ys, color, *, pattern: bool, name: str, hover: str, legend: bool):
    fig.add_trace(go.Scatter(
        x=[*xs, xs[0]], y=[*ys, ys[0]], mode="lines", fill="toself", fillcolor=color,
        line={"color": "#374151", "width": 1},
        fillpattern={"shape": "/", "fgcolor": "#1f2937", "bgcolor": color, "size": 7, "solidity": 0.25}
        if pattern else None,
        name=name, legendgroup=name, showlegend=legend, hoverinfo="text", text=hover, hoveron="fills",
    ))


def block_diagram(cost: BlockCost, *, max_channels: int | None = None, max_size: int | None = None,
                  height: int = 360) -> go.Figure:
    """Slab diagram of one block: input -> stage outputs, ops on the arrows, shapes underneath.

    Pass the same ``max_channels``/``max_size`` to several diagrams to draw them on one scale.
    """
    tensors = cost.tensors()
    max_channels = max_channels or max(t[1][0] for t in tensors)
    max_size = max_size or max(t[1][1] for t in tensors)
    fig = go.Figure()
    x = 0.0
    gap = 1.9
    centers = []
    legend_seen: set[str] = set()
    activation_color = RELU6_COLOR if cost.kind == "inverted_residual" else RELU_COLOR
    for name, shape, activation in tensors:
        thickness, face = _slab_size(shape, max_channels, max_size)
        depth = 0.35 * face  # the W axis drawn in perspective
        linear = activation == "linear"
        color = LINEAR_COLOR if linear else activation_color
        label = "linear (no activation)" if linear else activation
        hover = f"{name}: {shape[1]}×{shape[2]}×{shape[0]} ({label})"
        y0, y1 = -face / 2, face / 2
        legend = label not in legend_seen
        legend_seen.add(label)
        _polygon(fig, [x, x + thickness, x + thickness, x], [y0, y0, y1, y1], color, pattern=linear, name=label, hover=hover, legend=legend)
        _polygon(fig, [x, x + thickness, x + thickness + depth, x + depth],
                 [y1, y1, y1 + depth, y1 + depth], _shade(color, 1.45), pattern=linear, name=label,
                 hover=hover, legend=False)
        _polygon(fig, [x + thickness, x + thickness + depth, x + thickness + depth, x + thickness],
                 [y0, y0 + depth, y1 + depth, y1], _shade(color, 0.7), pattern=linear, name=label,
                 hover=hover, legend=False)
        fig.add_annotation(x=x + (thickness + depth) / 2, y=y0 - 0.2, yanchor="top", showarrow=False,
                           text=f"<b>{shape[1]}×{shape[2]}×{shape[0]}</b><br>{name}",
                           font={"size": 12, "color": TEXT_COLOR})
        centers.append((x, x + thickness + depth, y1 + depth))
        x += thickness + depth + gap
    for (_, right, _), (left, _, _), stage in zip(centers, centers[1:], cost.stages, strict=True):
        fig.add_annotation(x=left - 0.08, y=0, ax=right + 0.08, ay=0, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.6,
                           arrowcolor="#374151", text="")
        act = "linear" if stage.linear else stage.activation
        op = stage.operator.replace(" conv", "").replace(", stride", "<br>stride")
        fig.add_annotation(x=(left + right) / 2, y=0.12, yanchor="bottom", showarrow=False,
                           text=f"{op}<br><i>{act}</i>", font={"size": 11, "color": TEXT_COLOR})
    top = max(c[2] for c in centers)
    if cost.residual:
        x0 = (centers[0][0] + centers[0][1]) / 2
        x1 = (centers[-1][0] + centers[-1][1]) / 2
        lift = top + 0.6
        label = "+ x (residual)" if cost.kind == "inverted_residual" else (
            "+ x (identity)" if "Identity" in cost.residual_reason else "+ 1×1 conv(x) (projection)")
        fig.add_trace(go.Scatter(
            x=[x0, x0, x1, x1], y=[centers[0][2] + 0.1, lift, lift, centers[-1][2] + 0.35],
            mode="lines", line={"color": RESIDUAL_COLOR, "width": 2.5, "dash": "solid"},
            name="residual connection", hoverinfo="skip",
        ))
        fig.add_annotation(x=x1, y=centers[-1][2] + 0.1, ax=x1, ay=lift, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowwidth=2.5, arrowcolor=RESIDUAL_COLOR,
                           text="")
        fig.add_annotation(x=(x0 + x1) / 2, y=lift, yanchor="bottom", showarrow=False, text=label,
                           font={"color": RESIDUAL_COLOR, "size": 12})
        top = lift + 0.5
    fig.update_layout(
        title=cost.title, height=height, plot_bgcolor="white", hovermode="closest",
        xaxis={"visible": False, "range": [-0.4, x - gap + 0.4]},
        yaxis={"visible": False, "range": [-2.6, top + 0.4], "scaleanchor": None},
        legend={"orientation": "h", "y": -0.02, "x": 0},
    )
    return fig


def diagram_scale(costs: list[BlockCost]) -> tuple[int, int]:
    """Shared (max channels, max spatial size) so several diagrams use one scale."""
    shapes = [shape for cost in costs for _, shape, _ in cost.tensors()]
    return max(s[0] for s in shapes), max(s[1] for s in shapes)


def expansion_sweep_chart(points: list[SweepPoint], current: int) -> go.Figure:
    """MACs, params and peak activation memory (fp32, naive and streaming) against t."""
    t = [p.expansion for p in points]
    fig = make_subplots(rows=1, cols=3, subplot_titles=("MACs (millions)", "Params (thousands)",
                                                        "Peak activations (MB, fp32)"))
    series = [
        (1, [p.macs / 1e6 for p in points], "MACs", RELU6_COLOR, "MACs (M)"),
        (2, [p.params / 1e3 for p in points], "params", RELU_COLOR, "params (K)"),
        (3, [p.naive_peak_bytes / 1e6 for p in points], "peak, naive", LINEAR_COLOR, "MB"),
        (3, [p.streaming_peak_bytes / 1e6 for p in points], "peak, streaming (§5.1)", "#7c3aed", "MB"),
    ]
    for col, values, name, color, unit in series:
        fig.add_trace(go.Scatter(
            x=t, y=values, mode="lines+markers", name=name, line={"color": color, "width": 2},
            hovertemplate="t = %{x}<br>%{y:.3f} " + unit + "<extra>" + name + "</extra>",
        ), row=1, col=col)
    for col, title in ((1, "MACs (millions)"), (2, "params (thousands)"), (3, "MB (10⁶ bytes)")):
        fig.add_vline(x=current, line={"dash": "dot", "color": "#6b7280"}, row=1, col=col)
        fig.update_xaxes(title_text="expansion factor t", dtick=1, row=1, col=col)
        fig.update_yaxes(title_text=title, rangemode="tozero", row=1, col=col)
    fig.update_layout(height=360, legend={"orientation": "h", "y": -0.3},
                      title=f"Cost of this block as t varies (dotted: current t = {current})")
    return fig


def spiral_figure(demo: SpiralDemo) -> go.Figure:
    """Figure 1: the input spiral, T^+ T x (no ReLU), T^+ ReLU(T x), best linear read-out."""
    panels = [
        ("Input spiral x", demo.points),
        ("No ReLU: T⁺Tx", demo.recovered_linear),
        ("ReLU: T⁺ReLU(Tx)", demo.recovered_relu),
        ("ReLU, best linear read-out", demo.recovered_readout),
    ]
    fig = make_subplots(rows=1, cols=4, subplot_titles=[p[0] for p in panels], horizontal_spacing=0.04)
    colors = np.linspace(0, 1, len(demo.points))
    for col, (title, pts) in enumerate(panels, start=1):
        fig.add_trace(go.Scattergl(
            x=pts[:, 0], y=pts[:, 1], mode="markers", name=title, showlegend=False,
            marker={"size": 4, "color": colors, "colorscale": "Viridis"}, hoverinfo="skip",
        ), row=1, col=col)
        fig.update_xaxes(range=[-1.15, 1.15], title_text="x₁", row=1, col=col, zeroline=True)
        fig.update_yaxes(range=[-1.15, 1.15], title_text="x₂" if col == 1 else None, row=1, col=col,
                         scaleanchor=f"x{col if col > 1 else ''}", scaleratio=1)
    fig.update_layout(height=330, title=f"n = {demo.dimensions}: spiral -> random T (n×2) -> ReLU -> "
                                        f"back to 2D (seed {demo.seed})")
    return fig


def comparison_bars(costs: list[BlockCost]) -> go.Figure:
    """MACs and params of the three blocks side by side."""
    names = [c.title for c in costs]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("MACs (millions)", "Params (thousands)"))
    fig.add_trace(go.Bar(x=names, y=[c.macs / 1e6 for c in costs], marker_color=RELU6_COLOR, name="MACs"), 1, 1)
    fig.add_trace(go.Bar(x=names, y=[c.params / 1e3 for c in costs], marker_color=RELU_COLOR, name="params"), 1, 2)
    fig.update_yaxes(title_text="MACs (millions)", row=1, col=1)
    fig.update_yaxes(title_text="params (thousands)", row=1, col=2)
    fig.update_layout(height=320, showlegend=False)
    return fig
