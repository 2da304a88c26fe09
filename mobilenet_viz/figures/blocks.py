"""Figures for "Inverted residual block" (MobileNetV2 sections 3-5): data in, figure out (the
block diagram as SVG, a light chart for ``ui.stage.chart``; the other figures plotly).

The block diagram follows the paper's Figures 2-3: every tensor is a slab whose thickness grows
with its channel count and whose face grows with its spatial size; tensors produced by a linear
layer (the bottlenecks) are diagonally hatched, as the paper hatches layers without
non-linearities; the residual arrow is drawn only when the block has one.
"""

from __future__ import annotations

import hashlib
import math
import re
from html import escape

import numpy as np
import plotly.graph_objects as go

from mobilenet_viz.analytic.blocks import BlockCost, SweepPoint
from mobilenet_viz.analytic.spiral import SpiralDemo
from mobilenet_viz.explain import hwc
from mobilenet_viz.figures import html_charts, palette
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


# The diagram's geometry, in SVG user units (the SVG scales to its box, so these set proportions).
# Text is FONT units high in a diagram at most 4 * PITCH + 2 * PAD wide: 9 px or more when the
# diagram fills a 360 px phone column.
UNIT = 26.0  # one unit of _slab_size
PITCH = 124.0  # width of one tensor's slot: its slab, its shape label and half of each arrow
PAD = 6.0
FONT = 13.0
LINE = 15.0  # line height
HEAD = 7.0  # arrowhead length
TEXT_EM = 1.0  # on a wide screen the text is drawn this many of the page's em high, no larger
SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "Source Sans, Source Sans Pro, sans-serif"  # the app's font; sans-serif in a file
LINEAR_LABEL = "linear (no activation, hatched)"


def text_width(text: str, *, bold: bool = False) -> float:
    """A generous estimate of ``text``'s width at :data:`FONT` (the layout keeps labels apart
    with it; the browser test measures the real boxes)."""
    return len(text) * FONT * (0.6 if bold else 0.55)


def _points(pts) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _op_lines(operator: str, activation: str) -> list[str]:
    """The operator as short lines, as MobileNetV2's Table 1 writes it ("3×3" over "dwise"):
    one long line ran over the slabs beside the arrow on a phone. The activation, drawn in
    italics under these lines, is not repeated ("1x1 conv, + x, ReLU" -> "1×1", "+ x")."""
    op = re.sub(r"(\d)x(\d)", r"\1×\2", operator).replace(" conv", "")
    op = op.replace(" depthwise", ", dwise")
    parts = [p.strip() for p in op.split(",")]
    if len(parts) > 1 and parts[-1] == activation:
        parts.pop()
    return parts


def _arrowhead(x: float, y: float, dx: float, dy: float, color: str) -> str:
    """A filled triangle whose tip is at (x, y), pointing along (dx, dy) (a unit vector)."""
    back_x, back_y = x - dx * HEAD, y - dy * HEAD
    side_x, side_y = -dy * HEAD * 0.55, dx * HEAD * 0.55
    pts = [(x, y), (back_x + side_x, back_y + side_y), (back_x - side_x, back_y - side_y)]
    return f'<polygon points="{_points(pts)}" fill="{html_charts.color(color)}"/>'


def _hatch(pattern_id: str, background: str) -> str:
    """A diagonal hatch over ``background``: how the paper marks a linear (no activation) layer."""
    return (
        f'<pattern id="{pattern_id}" width="7" height="7" patternUnits="userSpaceOnUse">'
        f'<rect width="7" height="7" fill="{html_charts.color(background)}"/>'
        f'<path d="M0,7 L7,0 M-1,1 L1,-1 M6,8 L8,6" stroke="{palette.OUTLINE}"'
        ' stroke-width="1.2" stroke-opacity="0.6"/></pattern>'
    )


def _lines(x: float, y: float, lines: list[tuple[str, str]], *, css: str) -> str:
    """A centred multi-line label: ``lines`` of (text, style) with style "", "bold" or "italic";
    the first line's baseline at ``y``."""
    spans = []
    for i, (line, style) in enumerate(lines):
        attr = {"bold": ' font-weight="bold"', "italic": ' font-style="italic"'}.get(style, "")
        dy = "0" if i == 0 else f"{LINE:g}"
        spans.append(f'<tspan x="{x:.1f}" dy="{dy}"{attr}>{escape(line)}</tspan>')
    return (
        f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{"".join(spans)}</text>'
    )


def block_svg(
    cost: BlockCost,
    *,
    max_channels: int | None = None,
    max_size: int | None = None,
    slots: int | None = None,
) -> str:
    """The slab diagram of one block as a standalone SVG document (MobileNetV2 Figures 2-3):
    input -> stage outputs, each operator and its activation on its arrow, the shape and name
    under each slab, the shortcut above when the block has one, a legend at the bottom.

    The ``<svg>`` has ``xmlns`` and the block's title as ``<title>``, so the string is a valid
    .svg file as well as inline markup (:func:`block_diagram`). Pass the same ``max_channels``,
    ``max_size`` and ``slots`` (the most tensors of any of them; :func:`diagram_scale`) to several
    diagrams to draw them on one scale. Each slab is a ``<g class="slab">`` with a hover ``<title>``
    ("expand: 56×56×144 (ReLU6)"); a linear tensor's faces are filled with a hatch pattern.
    """
    tensors = cost.tensors()
    max_channels = max_channels or max(t[1][0] for t in tensors)
    max_size = max_size or max(t[1][1] for t in tensors)
    slots = max(slots or 0, len(tensors))
    width = 2 * PAD + slots * PITCH
    offset = PAD + (slots - len(tensors)) * PITCH / 2  # fewer tensors than slots: centred
    # Pattern ids must be unique on the page (several diagrams can share it) and stable across
    # reruns (the same markup is not redrawn): a digest of what the diagram draws.
    digest = hashlib.sha1(
        repr((cost.title, tensors, max_channels, max_size, slots)).encode()
    ).hexdigest()[:10]
    activation_color = RELU6_COLOR if cost.kind == "inverted_residual" else RELU_COLOR
    faces = (1.0, 1.45, 0.7)  # front, top (lighter), side (darker)

    slabs = []  # (left, right, thickness, face height, depth) of each slab
    for i, (_, shape, _) in enumerate(tensors):
        thickness, face = _slab_size(shape, max_channels, max_size)
        depth = 0.35 * face  # the W axis drawn in perspective
        footprint = (thickness + depth) * UNIT
        left = offset + (i + 0.5) * PITCH - footprint / 2
        slabs.append((left, left + footprint, thickness * UNIT, face * UNIT, depth * UNIT))
    ops = []
    for stage in cost.main_path:
        act = "linear" if stage.linear else stage.activation
        ops.append([(line, "") for line in _op_lines(stage.operator, act)] + [(act, "italic")])

    # Vertical layout, top down: the shortcut's label and line, the slabs' top faces and the
    # operator labels, the slabs (centred on the arrows' line), shapes and names, the legend.
    above = max(
        [face / 2 + depth for _, _, _, face, depth in slabs]
        + [len(lines) * LINE + 7 for lines in ops]
    )
    top = PAD
    if cost.residual:
        label_y = top + FONT
        lift = label_y + 8
        centre = lift + 8 + above
    else:
        centre = top + above + 2
    below = max(face / 2 for _, _, _, face, _ in slabs) + 4 + 2 * LINE
    legend_y = centre + below + 10 + FONT

    defs = {}  # one hatch pattern per face (front, top, side), drawn over that face's colour
    body = []
    for (left, right, thick, face, depth), (name, shape, activation) in zip(
        slabs, tensors, strict=True
    ):
        linear = activation == "linear"
        color = LINEAR_COLOR if linear else activation_color
        label = LINEAR_LABEL if linear else activation
        hover = f"{name}: {hwc(shape)} ({label})"
        front = left + thick
        y0, y1 = centre - face / 2, centre + face / 2
        polygons = (
            [(left, y0), (front, y0), (front, y1), (left, y1)],
            [(left, y0), (front, y0), (front + depth, y0 - depth), (left + depth, y0 - depth)],
            [(front, y0), (front + depth, y0 - depth), (front + depth, y1 - depth), (front, y1)],
        )
        parts = []
        for k, (pts, factor) in enumerate(zip(polygons, faces, strict=True)):
            fill = color if factor == 1.0 else _shade(color, factor)
            if linear:
                pattern_id = f"mnl-hatch-{digest}-{k}"
                defs.setdefault(pattern_id, _hatch(pattern_id, fill))
                fill = f"url(#{pattern_id})"
            else:
                fill = html_charts.color(fill)
            parts.append(
                f'<polygon points="{_points(pts)}" fill="{fill}" stroke="{palette.OUTLINE}"'
                ' stroke-width="1" stroke-linejoin="round"/>'
            )
        body.append(
            f'<g class="slab" data-tensor="{escape(name)}" data-linear="{int(linear)}">'
            f"<title>{escape(hover)}</title>{''.join(parts)}</g>"
        )
        body.append(
            _lines(
                (left + right) / 2,
                y1 + 4 + FONT,
                [(hwc(shape), "bold"), (name, "")],
                css="tensor-label",
            )
        )
    for (_, right, *_), (left, *_), lines in zip(slabs[:-1], slabs[1:], ops, strict=True):
        x0, x1 = right + 3, left - 3
        body.append(
            f'<g class="arrow"><line x1="{x0:.1f}" y1="{centre:.1f}" x2="{x1 - HEAD:.1f}"'
            f' y2="{centre:.1f}" stroke="{palette.OUTLINE}" stroke-width="1.6"/>'
            f"{_arrowhead(x1, centre, 1, 0, palette.OUTLINE)}</g>"
        )
        first = centre - 8 - (len(lines) - 1) * LINE
        body.append(_lines((x0 + x1) / 2, first, lines, css="op-label"))
    if cost.residual:
        if cost.kind == "inverted_residual":
            label = "+ x (residual)"
        elif "Identity" in cost.residual_reason:
            label = "+ x (identity shortcut)"
        else:
            label = "+ 1×1 conv(x) (projection shortcut)"
        (l0, _, t0, f0, d0), (l1, _, t1, f1, d1) = slabs[0], slabs[-1]
        x0, x1 = l0 + d0 + t0 / 2, l1 + d1 + t1 / 2  # the middle of each slab's top edge
        start, end = centre - f0 / 2 - d0 - 3, centre - f1 / 2 - d1 - 3
        stroke = f'stroke="{palette.RESIDUAL}" stroke-width="2.5" stroke-linecap="round"'
        body.append(
            '<g class="shortcut">'
            f'<line x1="{x0:.1f}" y1="{start:.1f}" x2="{x0:.1f}" y2="{lift:.1f}" {stroke}/>'
            f'<line x1="{x0:.1f}" y1="{lift:.1f}" x2="{x1:.1f}" y2="{lift:.1f}" {stroke}/>'
            f'<line x1="{x1:.1f}" y1="{lift:.1f}" x2="{x1:.1f}" y2="{end - HEAD + 1:.1f}"'
            f" {stroke}/>{_arrowhead(x1, end, 0, 1, palette.RESIDUAL)}</g>"
        )
        body.append(
            f'<text class="shortcut-label" x="{(x0 + x1) / 2:.1f}" y="{label_y:.1f}"'
            f' text-anchor="middle" fill="{palette.RESIDUAL}">{escape(label)}</text>'
        )

    # The legend: the activations drawn (the linear one's swatch hatched) and the shortcut. Each
    # line is one text element whose swatches are glyphs, so the browser spaces the entries in
    # whatever font it has; a line that may not fit the width goes onto the next line.
    items = []
    for activation in dict.fromkeys(act for _, _, act in tensors):
        linear = activation == "linear"
        fill = f"url(#mnl-hatch-{digest}-0)" if linear else activation_color
        items.append((LINEAR_LABEL if linear else activation, fill, "■"))
    if cost.residual:
        items.append(("shortcut", palette.RESIDUAL, "—"))
    rows: list[list[tuple[str, str, str]]] = [[]]
    used = 0.0
    for item in items:
        size = text_width(f"{item[2]} {item[0]}") + 2 * FONT
        if rows[-1] and used + size > width - offset - PAD:
            rows.append([])
            used = 0.0
        rows[-1].append(item)
        used += size
    entries = []
    y = legend_y
    for i, row in enumerate(rows):
        y = legend_y + i * (LINE + 3)
        spans = []
        for j, (name, fill, mark) in enumerate(row):
            gap = "" if j == 0 else f' dx="{1.5 * FONT:g}"'
            look = (
                ' font-weight="bold"'
                if mark == "—"
                else f' stroke="{palette.OUTLINE}" stroke-width="0.6" font-size="{1.3 * FONT:g}"'
            )
            spans.append(
                f'<tspan{gap} fill="{fill}"{look}>{mark}</tspan><tspan> {escape(name)}</tspan>'
            )
        entries.append(f'<text class="legend" x="{offset:g}" y="{y:.1f}">{"".join(spans)}</text>')
    height = y + PAD + 4
    return (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width:g} {height:.0f}" width="{width:g}"'
        f' height="{height:.0f}" role="img" style="max-width:{width / FONT * TEXT_EM:.1f}em">'
        f"<title>{escape(cost.title)}</title><defs>{''.join(defs.values())}</defs>"
        # Text sizes on this group, not on the svg: the svg's max-width is in the page's em.
        # Text in the page's colour (dark on a light theme, light on a dark one; black in a file).
        f'<g font-family="{FONT_FAMILY}" font-size="{FONT:g}" fill="currentColor">'
        f"{''.join(body)}{''.join(entries)}</g></svg>"
    )


def block_diagram(
    cost: BlockCost,
    *,
    max_channels: int | None = None,
    max_size: int | None = None,
    slots: int | None = None,
) -> str:
    """The block's slab diagram (:func:`block_svg`) as a light chart: ``<figure
    class="mnl-chart" data-chart="block-diagram">`` with the title as its caption; draw it with
    ``ui.stage.chart``. No plotly: a few kB of SVG that scales to its box, its text 9 px or more
    on a 360 px phone and no larger than the page's text on a laptop."""
    return html_charts.figure_markup(
        "block-diagram",
        cost.title,
        block_svg(cost, max_channels=max_channels, max_size=max_size, slots=slots),
    )


def diagram_scale(costs: list[BlockCost]) -> dict[str, int]:
    """``block_diagram``'s keyword arguments that draw several diagrams on one scale: the most
    channels, the largest spatial size and the most tensors (one width) of any of them."""
    tensors = [cost.tensors() for cost in costs]
    shapes = [shape for ts in tensors for _, shape, _ in ts]
    return {
        "max_channels": max(s[0] for s in shapes),
        "max_size": max(s[1] for s in shapes),
        "slots": max(len(ts) for ts in tensors),
    }


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
