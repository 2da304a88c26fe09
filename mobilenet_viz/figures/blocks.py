"""Figures for "Inverted residual block" (MobileNetV2 sections 3-5): data in, plotly out.

The block diagram follows the paper's Figures 2-3: every tensor is a slab whose thickness grows
with its channel count and whose face grows with its spatial size; tensors produced by a linear
layer (the bottlenecks) are diagonally hatched, as the paper hatches layers without
non-linearities; the residual arrow is drawn only when the block has one.
"""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

from mobilenet_viz.analytic.blocks import BlockCost, SweepPoint
from mobilenet_viz.analytic.spiral import SpiralDemo
from mobilenet_viz.figures import palette
from mobilenet_viz.figures.build import axis_suffix, figure, grid

RELU6_COLOR = palette.ACTIVATIONS["ReLU6"]
RELU_COLOR = palette.ACTIVATIONS["ReLU"]
LINEAR_COLOR = palette.ACTIVATIONS["linear"]


def _shade(hex_color: str, factor: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    if factor >= 1:  # lighten towards white
        r, g, b = (round(c + (255 - c) * (factor - 1)) for c in (r, g, b))
    else:
        r, g, b = (round(c * factor) for c in (r, g, b))
    return f"rgb({r},{g},{b})"


def _slab_size(
    shape: tuple[int, int, int], max_channels: int, max_size: int
) -> tuple[float, float]:
    """(thickness, face height) in plot units: sqrt-scaled so 16 and 960 channels both fit."""
    channels, size, _ = shape
    thickness = 0.12 + 1.6 * math.sqrt(channels / max_channels)
    height = 0.6 + 2.4 * math.sqrt(size / max_size)
    return thickness, height


def _polygon(xs, ys, color, *, pattern: bool, name: str, hover: str, legend: bool) -> dict:
    trace = {
        "type": "scatter",
        "x": [*xs, xs[0]],
        "y": [*ys, ys[0]],
        "mode": "lines",
        "fill": "toself",
        "fillcolor": color,
        "line": {"color": palette.OUTLINE, "width": 1},
        "name": name,
        "legendgroup": name,
        "showlegend": legend,
        "hoverinfo": "text",
        "text": hover,
        "hoveron": "fills",
    }
    if pattern:
        trace["fillpattern"] = {
            "shape": "/",
            "fgcolor": palette.OUTLINE,
            "bgcolor": color,
            "size": 7,
            "solidity": 0.25,
        }
    return trace


def _arrow(x, y, ax, ay, color, width) -> dict:
    return {
        "x": x,
        "y": y,
        "ax": ax,
        "ay": ay,
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": width,
        "arrowcolor": color,
        "text": "",
    }


def _text(x, y, text, *, anchor="middle", size=12, color=palette.TEXT) -> dict:
    return {
        "x": x,
        "y": y,
        "text": text,
        "showarrow": False,
        "font": {"size": size, "color": color},
        "yanchor": anchor,
        "xref": "x",
        "yref": "y",
    }


def block_diagram(
    cost: BlockCost,
    *,
    max_channels: int | None = None,
    max_size: int | None = None,
    height: int = 360,
) -> go.Figure:
    """Slab diagram of one block: input -> stage outputs, ops on the arrows, shapes underneath.

    Pass the same ``max_channels``/``max_size`` to several diagrams to draw them on one scale.
    """
    tensors = cost.tensors()
    max_channels = max_channels or max(t[1][0] for t in tensors)
    max_size = max_size or max(t[1][1] for t in tensors)
    data: list[dict] = []
    notes: list[dict] = []
    x = 0.0
    gap = 1.9
    boxes = []  # (left, right, top) of each slab
    legend_seen: set[str] = set()
    activation_color = RELU6_COLOR if cost.kind == "inverted_residual" else RELU_COLOR
    for name, shape, activation in tensors:
        thickness, face = _slab_size(shape, max_channels, max_size)
        depth = 0.35 * face  # the W axis drawn in perspective
        linear = activation == "linear"
        color = LINEAR_COLOR if linear else activation_color
        label = "linear (no activation, hatched)" if linear else activation
        hover = f"{name}: {shape[1]}×{shape[2]}×{shape[0]} ({label})"
        y0, y1 = -face / 2, face / 2
        legend = label not in legend_seen
        legend_seen.add(label)
        right = x + thickness
        data.append(
            _polygon(
                [x, right, right, x],
                [y0, y0, y1, y1],
                color,
                pattern=linear,
                name=label,
                hover=hover,
                legend=legend,
            )
        )
        data.append(
            _polygon(
                [x, right, right + depth, x + depth],
                [y1, y1, y1 + depth, y1 + depth],
                _shade(color, 1.45),
                pattern=linear,
                name=label,
                hover=hover,
                legend=False,
            )
        )
        data.append(
            _polygon(
                [right, right + depth, right + depth, right],
                [y0, y0 + depth, y1 + depth, y1],
                _shade(color, 0.7),
                pattern=linear,
                name=label,
                hover=hover,
                legend=False,
            )
        )
        notes.append(
            _text(
                x + (thickness + depth) / 2,
                y0 - 0.2,
                f"<b>{shape[1]}×{shape[2]}×{shape[0]}</b><br>{name}",
                anchor="top",
            )
        )
        boxes.append((x, right + depth, y1 + depth))
        x = right + depth + gap
    for (_, right, _), (left, _, _), stage in zip(
        boxes[:-1], boxes[1:], cost.main_path, strict=True
    ):
        notes.append(_arrow(left - 0.08, 0, right + 0.08, 0, palette.OUTLINE, 1.6))
        act = "linear" if stage.linear else stage.activation
        op = re.sub(
            r"(\d)x(\d)",
            r"\1×\2",
            # "dwise" on its own line, as MobileNetV2's Table 1 writes it: "3x3 depthwise" ran over
            # the slabs beside the arrow at presenter sizes and on a phone
            stage.operator.replace(" conv", "")
            .replace(" depthwise", "<br>dwise")
            .replace(", stride", "<br>stride"),
        )
        notes.append(
            _text((left + right) / 2, 0.12, f"{op}<br><i>{act}</i>", anchor="bottom", size=11)
        )
    top = max(b[2] for b in boxes)
    if cost.residual:
        x0 = (boxes[0][0] + boxes[0][1]) / 2
        x1 = (boxes[-1][0] + boxes[-1][1]) / 2
        lift = top + 0.6
        if cost.kind == "inverted_residual":
            label = "+ x (residual)"
        elif "Identity" in cost.residual_reason:
            label = "+ x (identity shortcut)"
        else:
            label = "+ 1×1 conv(x) (projection shortcut)"
        data.append(
            {
                "type": "scatter",
                "x": [x0, x0, x1],
                "y": [boxes[0][2] + 0.1, lift, lift],
                "mode": "lines",
                "line": {"color": palette.RESIDUAL, "width": 2.5},
                "name": "shortcut",
                "hoverinfo": "skip",
                "showlegend": True,
            }
        )
        notes.append(_arrow(x1, boxes[-1][2] + 0.1, x1, lift, palette.RESIDUAL, 2.5))
        notes.append(_text((x0 + x1) / 2, lift, label, anchor="bottom", color=palette.RESIDUAL))
        top = lift + 0.5
    layout = {
        "title": {"text": cost.title},
        "height": height,
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "xaxis": {"visible": False, "range": [-0.4, x - gap + 0.4]},
        "yaxis": {"visible": False, "range": [-2.6, top + 0.4]},
        "legend": {"orientation": "h", "y": -0.02, "x": 0},
        "annotations": notes,
    }
    return figure(data, layout, validate=False)


def diagram_scale(costs: list[BlockCost]) -> tuple[int, int]:
    """Shared (max channels, max spatial size) so several diagrams use one scale."""
    shapes = [shape for cost in costs for _, shape, _ in cost.tensors()]
    return max(s[0] for s in shapes), max(s[1] for s in shapes)


def _columns(titles: list[str], spacing: float = 0.07) -> tuple[dict, list[tuple[str, str]]]:
    """Layout of len(titles) side-by-side charts: (layout dict, [(xaxis ref, yaxis ref)])."""
    layout = grid(1, len(titles), titles, hspace=spacing, image_axes=False, title_size=14)
    suffixes = [axis_suffix(i) for i in range(1, len(titles) + 1)]
    return layout, [(f"x{s}", f"y{s}") for s in suffixes]


def expansion_sweep_chart(points: list[SweepPoint], current: int) -> go.Figure:
    """MACs, params and peak activation memory (fp32, naive and streaming) against t."""
    t = [p.expansion for p in points]
    layout, refs = _columns(
        ["MACs (millions)", "Params (thousands)", "Peak activations (MB, fp32)"]
    )
    series = [
        (0, [p.macs / 1e6 for p in points], "MACs", palette.MACS, "M MACs"),
        (1, [p.params / 1e3 for p in points], "params", palette.PARAMS, "K params"),
        (2, [p.naive_peak_bytes / 1e6 for p in points], "peak, naive", palette.MEMORY, "MB"),
        (
            2,
            [p.streaming_peak_bytes / 1e6 for p in points],
            "peak, streaming (§5.1)",
            palette.MEMORY_STREAMING,
            "MB",
        ),
    ]
    data = [
        {
            "type": "scatter",
            "x": t,
            "y": values,
            "mode": "lines+markers",
            "name": name,
            "line": {"color": color, "width": 2},
            "xaxis": refs[col][0],
            "yaxis": refs[col][1],
            "hovertemplate": "t = %{x}<br>%{y:.3f} " + unit + "<extra>" + name + "</extra>",
        }
        for col, values, name, color, unit in series
    ]
    shapes = []
    for i, title in enumerate(("MACs (millions)", "params (thousands)", "MB (10⁶ bytes)")):
        suffix = "" if i == 0 else str(i + 1)
        layout[f"xaxis{suffix}"].update({"title": {"text": "expansion factor t"}, "dtick": 1})
        layout[f"yaxis{suffix}"].update({"title": {"text": title}, "rangemode": "tozero"})
        shapes.append(
            {
                "type": "line",
                "x0": current,
                "x1": current,
                "y0": 0,
                "y1": 1,
                "xref": refs[i][0],
                "yref": f"{refs[i][1]} domain",
                "line": {"dash": "dot", "color": palette.LAW},
            }
        )
    layout.update(
        height=360,
        shapes=shapes,
        legend={"orientation": "h", "y": -0.3},
        title={"text": f"Cost of this block as t varies (dotted: current t = {current})"},
    )
    return figure(data, layout, validate=False)


def spiral_figure(demo: SpiralDemo) -> go.Figure:
    """Figure 1: the input spiral, T^+ T x (no ReLU), T^+ ReLU(T x), best linear read-out."""
    panels = [
        ("Input spiral x", demo.points),
        ("No ReLU: T⁺Tx", demo.recovered_linear),
        ("ReLU: T⁺ReLU(Tx)", demo.recovered_relu),
        ("ReLU, best linear read-out", demo.recovered_readout),
    ]
    # Two by two: four panels in a row were ~80 px wide on a phone, their titles ran together
    layout = grid(2, 2, [p[0] for p in panels], hspace=0.1, vspace=0.2, image_axes=False)
    refs = [(f"x{axis_suffix(i)}", f"y{axis_suffix(i)}") for i in range(1, 5)]
    colors = np.linspace(0, 1, len(demo.points)).round(4).tolist()
    data = []
    for i, ((title, pts), (xref, yref)) in enumerate(zip(panels, refs, strict=True)):
        data.append(
            {
                "type": "scatter",
                "x": pts[:, 0].round(5).tolist(),
                "y": pts[:, 1].round(5).tolist(),
                "mode": "markers",
                "name": title,
                "showlegend": False,
                "xaxis": xref,
                "yaxis": yref,
                "marker": {"size": 4, "color": colors, "colorscale": "Viridis"},
                "hoverinfo": "skip",
            }
        )
        suffix = "" if i == 0 else str(i + 1)
        layout[f"xaxis{suffix}"].update(
            {
                "range": [-1.15, 1.15],
                "constrain": "domain",  # a wide panel gets margins, not x from -3 to 3
                "title": {"text": "x₁" if i >= 2 else ""},
            }
        )
        layout[f"yaxis{suffix}"].update(
            {
                "range": [-1.15, 1.15],
                "scaleanchor": xref,
                "scaleratio": 1,
                "title": {"text": "x₂" if i % 2 == 0 else ""},
            }
        )
    layout.update(
        height=600,
        title={"text": f"n = {demo.dimensions}: spiral → T, ReLU, T⁺ (seed {demo.seed})"},
    )
    return figure(data, layout, validate=False)


def figure2_cuts_figure(tensors, layers: list[str]) -> go.Figure:
    """MobileNetV2 Figure 2 (c) over (d): the same stacked layers, each row highlighting one cut.

    Bar height ~ sqrt(channels); hatched = linear; the block's tensors in colour, the next block's
    first tensor lightly coloured, the rest grey.
    """
    top = max(t.channels for t in tensors)
    data, annotations = [], []
    rows = (
        ("role_c", "y", "(c) separable with linear bottleneck"),
        ("role_d", "y2", "(d) bottleneck with expansion layer"),
    )
    for role_attr, axis, title in rows:
        for i, t in enumerate(tensors):
            role = getattr(t, role_attr)
            base = LINEAR_COLOR if t.linear else RELU6_COLOR
            color = {"block": base, "next": base, "outside": palette.MUTED}[role]
            opacity = {"block": 1.0, "next": 0.35, "outside": 0.5}[role]
            height = 0.2 + math.sqrt(t.channels / top)
            data.append(
                {
                    "type": "bar",
                    "x": [i],
                    "y": [height],
                    "base": [-height / 2],
                    "yaxis": axis,
                    "width": 0.32,
                    "marker": {
                        "color": color,
                        "opacity": opacity,
                        "line": {"color": palette.OUTLINE, "width": 1},
                        "pattern": {
                            "shape": "/" if t.linear else "",
                            "fgcolor": palette.OUTLINE,
                            "bgcolor": color,
                            "solidity": 0.3,
                        },
                    },
                    "showlegend": False,
                    "hovertemplate": f"{t.name}: {t.channels} channels, {'linear' if t.linear else 'ReLU6'}"
                    f"<br>{ {'block': 'in this block', 'next': 'next block (lightly coloured)', 'outside': 'outside'}[role] }"
                    "<extra></extra>",
                }
            )
        annotations.append(
            {
                "text": f"<b>{title}</b>",
                "x": -0.45,
                "xanchor": "left",
                "y": 1.0,
                "yref": f"{axis} domain",
                "xref": "x",
                "showarrow": False,
                "yanchor": "bottom",
            }
        )
    for i, name in enumerate(layers):
        # short labels ("expand / ReLU6") fit between the bars even at phone width
        short = {"1×1 expand": "expand", "3×3 dwise": "dwise", "1×1 linear": "project"}
        op, _, act = name.partition(", ")
        label = f"{short.get(op, op)}<br>{act or 'linear'}"
        for axis in ("y", "y2"):
            annotations.append(
                {
                    "text": label,
                    "x": i + 0.5,
                    "y": 0,
                    "xref": "x",
                    "yref": axis,
                    "showarrow": False,
                    "font": {"size": 9},
                }
            )
    axis = {"showticklabels": False, "zeroline": False, "showgrid": False, "range": [-0.75, 0.85]}
    return go.Figure(
        {
            "data": data,
            "layout": {
                "barmode": "overlay",
                "height": 380,
                "margin": {"t": 40},
                "xaxis": {
                    "showticklabels": False,
                    "showgrid": False,
                    "range": [-0.5, len(tensors) - 0.5],
                    "anchor": "y2",
                },
                "yaxis": {**axis, "domain": [0.55, 0.95]},
                "yaxis2": {**axis, "domain": [0.0, 0.4]},
                "annotations": annotations,  # no title: the page's subheader names the figure
            },
        }
    )
