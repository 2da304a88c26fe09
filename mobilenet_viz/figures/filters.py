"""Figures for "How the filters work": kernels, feature maps, the pointwise matrix, the
one-pixel inspector, the sliding-window animation and a 3D view of the tensors.

Data in (numpy arrays from ``mobilenet_viz.runtime.filtering``), plotly figure out; no Streamlit.
Maps are drawn in image coordinates (row 0 at the top, square pixels). Signed values use one
diverging scale centred on 0 per figure, so colours compare across panels.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from mobilenet_viz.figures import palette
from mobilenet_viz.figures.build import axes, grid
from mobilenet_viz.figures.palette import DIVERGING
from mobilenet_viz.runtime.filtering import sliding_positions


def _limit(*arrays: np.ndarray) -> float:
    peak = max((float(np.nanmax(np.abs(a))) for a in arrays if a.size), default=0.0)
    return peak if peak > 0 else 1.0


def _f32(z: np.ndarray) -> np.ndarray:
    """float32 so plotly ships the array as compact base64, not text."""
    return np.ascontiguousarray(z, dtype=np.float32)


def _to_rgb_uint8(x: np.ndarray) -> np.ndarray:
    """(M, H, W) in [0, 1] -> (H, W, 3) uint8 for an image trace (gray replicated)."""
    arr = np.clip(np.asarray(x, dtype=np.float64), 0, 1)
    if arr.shape[0] == 1:
        arr = np.repeat(arr, 3, axis=0)
    return np.round(arr.transpose(1, 2, 0) * 255).astype(np.uint8)


def _image_trace(x: np.ndarray, idx: int, **extra) -> dict:
    """An image trace from (M, H, W) in [0, 1], shipped as a PNG data URI (compact)."""
    buf = io.BytesIO()
    Image.fromarray(_to_rgb_uint8(x), "RGB").save(buf, format="PNG", compress_level=1)
    source = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return {"type": "image", "source": source, **axes(idx), **extra}


def _values_text(z: np.ndarray, fmt: str = "{:.2g}") -> list[list[str]]:
    return [[fmt.format(float(v) + 0.0) for v in row] for row in np.asarray(z)]  # + 0.0: no "-0"


def interior_limit(maps: np.ndarray, kernel: int) -> float:
    """Colour limit from the interior of the maps (a border of D_K // 2 pixels excluded).

    Zero padding makes the border respond strongly (the image "ends" in black); scaling colours
    to the interior keeps the picture readable, and the border simply saturates.
    """
    r = kernel // 2
    inner = maps[..., r : maps.shape[-2] - r, r : maps.shape[-1] - r] if r else maps
    return _limit(inner if inner.size else maps)


def _coloraxis(scale: str, lo: float, hi: float, title: str) -> dict:
    return {"colorscale": scale, "cmin": lo, "cmax": hi, "colorbar": {"title": {"text": title}}}


def kernel_grid_figure(
    kernels: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    colorbar_title: str = "weight",
    show_values: bool = True,
) -> go.Figure:
    """Kernels (rows, cols, K, K) as a grid of heatmaps on one shared, symmetric colour scale."""
    rows, cols, k, _ = kernels.shape
    lim = _limit(kernels)
    titles = [f"{row_labels[r]} · {col_labels[c]}" for r in range(rows) for c in range(cols)]
    annotate = show_values and k <= 5
    data = []
    for r in range(rows):
        for c in range(cols):
            z = kernels[r, c]
            trace = {
                "type": "heatmap",
                "z": _f32(z),
                "coloraxis": "coloraxis",
                "hovertemplate": "row %{y}, col %{x}<br>weight %{z:.4f}<extra></extra>",
                **axes(r * cols + c + 1),
            }
            if annotate:
                trace.update(text=_values_text(z), texttemplate="%{text}")
            data.append(trace)
    layout = grid(rows, cols, titles, hspace=0.03, vspace=0.3 / max(rows, 1))
    layout.update(
        title={"text": title},
        height=max(220, 150 * rows + 60),
        coloraxis=_coloraxis(DIVERGING, -lim, lim, colorbar_title),
    )
    return go.Figure({"data": data, "layout": layout})


def maps_figure(
    maps: np.ndarray,
    labels: Sequence[str],
    *,
    title: str,
    colorbar_title: str = "activation",
    cols: int | None = None,
    limit: float | None = None,
) -> go.Figure:
    """Feature maps (C, H, W) as small multiples sharing one diverging colour scale."""
    count = maps.shape[0]
    cols = cols or min(count, 4)
    rows = math.ceil(count / cols)
    lim = limit if limit is not None else _limit(maps)
    data = [
        {
            "type": "heatmap",
            "z": _f32(maps[i]),
            "coloraxis": "coloraxis",
            "hovertemplate": "x %{x}, y %{y}<br>value %{z:.4f}<extra></extra>",
            **axes(i + 1),
        }
        for i in range(count)
    ]
    layout = grid(rows, cols, labels, hspace=0.03, vspace=0.3 / max(rows, 1))
    layout.update(
        title={"text": title},
        height=max(260, 230 * rows + 60),
        coloraxis=_coloraxis(DIVERGING, -lim, lim, colorbar_title),
    )
    return go.Figure({"data": data, "layout": layout})


def pointwise_matrix_figure(pointwise: np.ndarray, channel_labels: Sequence[str]) -> go.Figure:
    """The pointwise weights P as an N×M matrix (row n = the 1×1×M filter of output n)."""
    n, _ = pointwise.shape
    lim = _limit(pointwise)
    fig = go.Figure(
        go.Heatmap(
            z=_f32(pointwise),
            x=[f"Z[{lab}]" for lab in channel_labels],
            y=[f"output {i + 1}" for i in range(n)],
            colorscale=DIVERGING,
            zmin=-lim,
            zmax=lim,
            text=_values_text(pointwise, "{:.3f}"),
            texttemplate="%{text}",
            colorbar={"title": {"text": "weight P[n, m]"}},
            hovertemplate="%{y} ← %{x}: %{z:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title="output channel n")
    fig.update_xaxes(title="depthwise map m", side="top")
    fig.update_layout(title="Pointwise 1×1 weights: N × M matrix", height=max(220, 45 * n + 140))
    return fig


def _rect(ax: int, x0: float, x1: float, y0: float, y1: float, **style) -> dict:
    suffix = "" if ax == 1 else str(ax)
    return {
        "type": "rect",
        "xref": f"x{suffix}",
        "yref": f"y{suffix}",
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        **style,
    }


def inspector_figure(
    x: np.ndarray,
    output_map: np.ndarray,
    *,
    row: int,
    col: int,
    kernel: int,
    output_label: str,
    limit: float | None = None,
) -> go.Figure:
    """Input with the receptive field highlighted, beside the output map with the chosen pixel."""
    r = kernel // 2
    lim = limit if limit is not None else _limit(output_map)
    data = [
        _image_trace(x, 1, hovertemplate="x %{x}, y %{y}<extra></extra>"),
        {
            "type": "heatmap",
            "z": _f32(output_map),
            "colorscale": DIVERGING,
            "zmin": -lim,
            "zmax": lim,
            "colorbar": {"title": {"text": "output"}},
            **axes(2),
            "hovertemplate": "x %{x}, y %{y}<br>value %{z:.4f}<extra></extra>",
        },
    ]
    layout = grid(
        1,
        2,
        # short panel titles: on a 390 px phone each panel is ~110 px wide (the sliders above
        # give the row and column)
        [f"input: {kernel}×{kernel} field", output_label],
        hspace=0.16,
        ticks=True,
    )
    line = {"color": palette.HIGHLIGHT, "width": 3}
    layout["shapes"] = [
        _rect(
            1,
            col - r - 0.5,
            col + r + 0.5,
            row - r - 0.5,
            row + r + 0.5,
            line=line,
            fillcolor=palette.HIGHLIGHT_FILL,
        ),
        _rect(2, col - 0.5, col + 0.5, row - 0.5, row + 0.5, line=line),
    ]
    layout["xaxis"]["title"] = {"text": "x (pixel)"}
    layout["xaxis2"]["title"] = {"text": "x (pixel)"}
    layout["yaxis"]["title"] = {"text": "y (pixel)"}
    layout["height"] = 360
    return go.Figure({"data": data, "layout": layout})


def products_figure(
    patch: np.ndarray, weights: np.ndarray, channel_labels: Sequence[str], *, title: str
) -> go.Figure:
    """Per input channel: the input patch, the kernel slice, and their elementwise products."""
    m = patch.shape[0]
    products = patch * weights
    titles: list[str] = []
    for c, lab in enumerate(channel_labels):
        titles += [
            f"input patch {lab}",
            f"weights {lab}",
            f"products {lab} (sum {products[c].sum():.4f})",
        ]
    show = patch.shape[-1] <= 7
    wlim, qlim = _limit(weights), _limit(products)
    data = []
    for c in range(m):
        for j, (z, lo, hi, scale) in enumerate(
            (
                (patch[c], 0, 1, palette.GRAY_SCALE),
                (weights[c], -wlim, wlim, DIVERGING),
                (products[c], -qlim, qlim, DIVERGING),
            )
        ):
            trace = {
                "type": "heatmap",
                "z": _f32(z),
                "colorscale": scale,
                "zmin": lo,
                "zmax": hi,
                "showscale": False,
                "hovertemplate": "%{z:.4f}<extra></extra>",
                **axes(3 * c + j + 1),
            }
            if show:
                trace.update(
                    text=_values_text(z, "{:.2f}"), texttemplate="%{text}", textfont={"size": 11}
                )
            data.append(trace)
    layout = grid(m, 3, titles, hspace=0.05, vspace=0.35 / max(m, 1))
    layout.update(title={"text": title}, height=max(240, 200 * m + 60))
    return go.Figure({"data": data, "layout": layout})


def sliding_figure(
    x: np.ndarray,
    output_map: np.ndarray,
    *,
    kernel: int,
    frames: int = 48,
    output_label: str = "output",
    limit: float | None = None,
) -> go.Figure:
    """Play/step animation: the D_K×D_K window slides over the input in raster order while the
    output map fills in. Frames only move rectangles (the map itself is sent once)."""
    h, w = output_map.shape
    r = kernel // 2
    steps = sliding_positions(h, w, frames)
    lim = limit if limit is not None else _limit(output_map)
    data = [
        _image_trace(x, 1, hoverinfo="skip"),
        {
            "type": "heatmap",
            "z": _f32(output_map),
            "colorscale": DIVERGING,
            "zmin": -lim,
            "zmax": lim,
            "colorbar": {"title": {"text": "output"}},
            **axes(2),
            "hovertemplate": "x %{x}, y %{y}<br>value %{z:.4f}<extra></extra>",
        },
    ]
    line = {"color": palette.HIGHLIGHT, "width": 3}

    def shapes(done: int) -> list[dict]:
        pr, pc = divmod(done - 1, w)
        # One grey polygon hides the pixels not computed yet: the rest of this row and all below.
        hide = (
            f"M {pc + 0.5} {pr - 0.5} L {w - 0.5} {pr - 0.5} L {w - 0.5} {h - 0.5} "
            f"L -0.5 {h - 0.5} L -0.5 {pr + 0.5} L {pc + 0.5} {pr + 0.5} Z"
        )
        return [
            _rect(
                1,
                pc - r - 0.5,
                pc + r + 0.5,
                pr - r - 0.5,
                pr + r + 0.5,
                line=line,
                fillcolor=palette.HIGHLIGHT_FILL,
            ),
            {
                "type": "path",
                "path": hide,
                "xref": "x2",
                "yref": "y2",
                "line": {"width": 0},
                "fillcolor": palette.FILL_NEUTRAL,
            },
        ]

    layout = grid(
        1, 2, ["input with the sliding window", f"{output_label} filling in"], hspace=0.08
    )
    slider_steps = [
        {
            "label": f"({(n - 1) // w}, {(n - 1) % w})",
            "method": "animate",
            "args": [
                [str(n)],
                {
                    "mode": "immediate",
                    "frame": {"duration": 0, "redraw": False},
                    "transition": {"duration": 0},
                },
            ],
        }
        for n in steps
    ]
    layout.update(
        height=440,
        shapes=shapes(steps[0]),
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.02,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": False,
                "pad": {"t": 30},
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": 120, "redraw": False},
                                "fromcurrent": True,
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {
                        "label": "❚❚ Pause",
                        "method": "animate",
                        "args": [
                            [None],
                            {"mode": "immediate", "frame": {"duration": 0, "redraw": False}},
                        ],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": 0,
                "steps": slider_steps,
                "x": 0.2,
                "len": 0.8,
                "y": -0.02,
                "yanchor": "top",
                "currentvalue": {"prefix": "output pixel (row, col) "},
                "pad": {"t": 30},
            }
        ],
    )
    frames_list = [{"name": str(n), "layout": {"shapes": shapes(n)}} for n in steps]
    return go.Figure({"data": data, "layout": layout, "frames": frames_list})


# --- 3D view -----------------------------------------------------------------------------------

_BOX_I = [0, 0, 4, 4, 0, 0, 2, 2, 0, 0, 1, 1]
_BOX_J = [1, 3, 5, 7, 1, 5, 3, 7, 2, 6, 3, 7]
_BOX_K = [3, 2, 7, 6, 5, 4, 7, 6, 6, 4, 7, 5]


def _spatial(size: int) -> float:
    """Display length of a spatial size: square-root scale so 3×3 kernels stay visible by 128×128 maps."""
    return 1.1 * math.sqrt(size)


def _depth(channels: int) -> float:
    return 0.55 * channels


class _Boxes:
    """Boxes of one colour merged into one Mesh3d trace (one trace per colour keeps it fast)."""

    def __init__(self, color: str, name: str):
        self.color, self.name = color, name
        self.x: list[float] = []
        self.y: list[float] = []
        self.z: list[float] = []
        self.i: list[int] = []
        self.j: list[int] = []
        self.k: list[int] = []

    def add(self, x0: float, y0: float, z0: float, dx: float, dy: float, dz: float) -> None:
        base = len(self.x)
        for bit in range(8):  # vertex index = xbit + 2*ybit + 4*zbit
            self.x.append(x0 + dx * (bit & 1))
            self.y.append(y0 + dy * ((bit >> 1) & 1))
            self.z.append(z0 + dz * ((bit >> 2) & 1))
        self.i += [base + v for v in _BOX_I]
        self.j += [base + v for v in _BOX_J]
        self.k += [base + v for v in _BOX_K]

    def trace(self) -> dict:
        return {
            "type": "mesh3d",
            "x": self.x,
            "y": self.y,
            "z": self.z,
            "i": self.i,
            "j": self.j,
            "k": self.k,
            "color": self.color,
            "opacity": 0.6,
            "flatshading": True,
            "name": self.name,
            "hoverinfo": "name",
            "showlegend": True,
        }


def tensors_3d_figure(
    *, input_size: int, in_channels: int, out_channels: int, kernel: int
) -> go.Figure:
    """The tensors of both paths as labelled boxes (channels along x, flow left to right).

    Top: input D_F×D_F×M -> N standard filters D_K×D_K×M -> output D_F×D_F×N.
    Bottom: input -> M depthwise filters D_K×D_K×1 -> D_F×D_F×M -> N pointwise 1×1×M -> output.
    Spatial sizes are drawn on a square-root scale; labels carry the true sizes.
    """
    df, m, n, k = input_size, in_channels, out_channels, kernel
    groups = {
        "input": _Boxes(palette.INPUT, "feature maps (input / depthwise output)"),
        "standard": _Boxes(palette.STANDARD, "standard filters"),
        "depthwise": _Boxes(palette.DEPTHWISE, "depthwise filters"),
        "pointwise": _Boxes(palette.POINTWISE, "pointwise filters"),
        "output": _Boxes(palette.OUTPUT, "outputs"),
    }
    labels: list[tuple[float, float, str]] = []  # (x, z, text)
    big = _spatial(df)
    gap = max(4.0, 0.45 * big)

    def tensor(x: float, z_mid: float, size: int, ch: int, group: str, label: str) -> float:
        s, d = _spatial(size), _depth(ch)
        groups[group].add(x, -s / 2, z_mid - s / 2, d, s, s)
        labels.append((x + d / 2, z_mid + s / 2 + 1.2, label))  # feature maps: label above
        return x + d

    def stack(
        x: float, z_mid: float, count: int, size: int, ch: int, group: str, label: str
    ) -> float:
        s, d = _spatial(size), _depth(ch)
        per_col = min(count, 4)
        ncols = math.ceil(count / per_col)
        height = per_col * s + (per_col - 1) * 0.35
        for i in range(count):
            cx, cz = divmod(i, per_col)
            groups[group].add(
                x + cx * (d + 0.4), -s / 2, z_mid + height / 2 - (cz + 1) * s - cz * 0.35, d, s, s
            )
        width = ncols * d + (ncols - 1) * 0.4
        # filters: label below, on two short lines, clear of the neighbouring boxes in perspective
        labels.append((x + width / 2, z_mid - max(height, big) / 2 - 4.5, label))
        return x + width

    top, bottom = 0.0, -(big + 14.0)
    x = tensor(0.0, top, df, m, "input", f"input {df}×{df}×{m}")
    x = stack(x + gap, top, n, k, m, "standard", f"{n} filters<br>{k}×{k}×{m}")
    tensor(x + gap, top, df, n, "output", f"output {df}×{df}×{n}")
    x = tensor(0.0, bottom, df, m, "input", f"input {df}×{df}×{m}")
    x = stack(x + gap, bottom, m, k, 1, "depthwise", f"{m} depthwise<br>{k}×{k}×1")
    x = tensor(x + gap, bottom, df, m, "input", f"depthwise out {df}×{df}×{m}")
    x = stack(x + gap, bottom, n, 1, m, "pointwise", f"{n} pointwise<br>1×1×{m}")
    tensor(x + gap, bottom, df, n, "output", f"output {df}×{df}×{n}")

    std_w, sep_w = k * k * m * n, k * k * m + m * n
    labels.append(
        (
            0.0,
            top + _spatial(df) / 2 + 4.0,
            f"<b>Standard conv</b>: {k}·{k}·{m}·{n} = {std_w} weights",
        )
    )
    labels.append(
        (
            0.0,
            bottom + _spatial(df) / 2 + 4.0,
            f"<b>Depthwise separable</b>: {k}·{k}·{m} + {m}·{n} = {sep_w} weights",
        )
    )
    data = [g.trace() for g in groups.values()]
    data.append(
        {
            "type": "scatter3d",
            "x": [p[0] for p in labels],
            "y": [0.0] * len(labels),
            "z": [p[1] for p in labels],
            "text": [p[2] for p in labels],
            "mode": "text",
            "textfont": {"size": 14, "color": palette.TEXT},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    hidden = {"visible": False, "showbackground": False}
    layout = {
        "title": {
            "text": "Tensors in 3D (drag to rotate; spatial sizes on a square-root scale, labels are exact)"
        },
        "height": 640,
        "legend": {"orientation": "h", "y": 0.0},
        "scene": {
            "xaxis": hidden,
            "yaxis": hidden,
            "zaxis": hidden,
            "aspectmode": "data",
            "camera": {
                "eye": {"x": 0.45, "y": -1.6, "z": 0.45},
                "up": {"x": 0, "y": 0, "z": 1},
                "projection": {"type": "orthographic"},
            },
        },
    }
    return go.Figure({"data": data, "layout": layout})
