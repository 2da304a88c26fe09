"""Figures for the "MobileNetV3" page: library results in, plotly figures (built from dicts) out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from mobilenet_viz.analytic.v3_block import V3BlockCost
from mobilenet_viz.figures import palette

LEGEND = {
    "orientation": "h",
    "yanchor": "top",
    "y": -0.22,
    "xanchor": "left",
    "x": 0,
}  # below the axis title
COLORS = {**palette.ACTIVATIONS, "SE": palette.SE, "rest": palette.OTHER}


def block_cost_bars(cost: V3BlockCost) -> go.Figure:
    """MACs and params of every stage (share of the block), SE stages in purple."""
    stages = [s for s in cost.stages if s.macs or s.params]
    colors = [COLORS["SE"] if s.se else COLORS["rest"] for s in stages]
    names = [s.name for s in stages]
    return go.Figure({
        "data": [
            {"type": "bar", "name": "MACs", "x": names, "y": [100 * s.macs / cost.macs for s in stages],
             "marker": {"color": colors}, "offsetgroup": "m",
             "customdata": [s.macs for s in stages],
             "hovertemplate": "%{x}: %{customdata:,} MACs (%{y:.1f}% of the block)<extra></extra>"},
            {"type": "bar", "name": "params", "x": names, "y": [100 * s.params / cost.params for s in stages],
             "marker": {"color": colors, "pattern": {"shape": "/"}}, "offsetgroup": "p",
             "customdata": [s.params for s in stages],
             "hovertemplate": "%{x}: %{customdata:,} params (%{y:.1f}% of the block)<extra></extra>"},
        ],
        "layout": {
            "title": {"text": "MACs solid, params hatched; SE in purple"},
            "barmode": "group", "height": 360, "showlegend": False,
            "yaxis": {"title": {"text": "% of the block"}},
        },
    })  # fmt: skip


def placement_chart(rows: Sequence[dict]) -> go.Figure:
    """Elements through the block's nonlinearities (expand + depthwise outputs) per block, coloured by
    ReLU / h-swish, SE blocks marked."""
    data = []
    for act in ("ReLU", "h-swish"):
        sel = [r for r in rows if r["NL"] == act]
        data.append({
            "type": "bar", "name": act, "x": [f"{r['block']}" for r in sel],
            "y": [r["nonlinearity elements"] / 1e3 for r in sel], "marker": {"color": COLORS[act]},
            "text": ["SE" if r["SE"] else "" for r in sel], "textposition": "outside",
            "customdata": [r["input"] for r in sel],
            "hovertemplate": "block %{x} (input %{customdata}): %{y:.0f}K elements<extra>" + act + "</extra>",
        })  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {
            "title": {"text": "Elements through each block's nonlinearity (SE marked)"},
            "height": 380, "legend": LEGEND, "bargap": 0.25,
            "xaxis": {"title": {"text": "block (Table order)"}, "type": "category",
                      "categoryorder": "array", "categoryarray": [str(r["block"]) for r in rows]},
            "yaxis": {"title": {"text": "thousands of elements"}},
        },
    })  # fmt: skip


def activation_curves(curves: dict[str, list[float]], names: Sequence[str]) -> go.Figure:
    x = curves["x"]
    data = [{"type": "scatter", "mode": "lines", "name": n, "x": x, "y": curves[n],
             "line": {"color": COLORS[n], "width": 2.5, "dash": "dot" if n in ("sigmoid", "swish") else "solid"}}
            for n in names]  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {"title": {"text": "The nonlinearities (section 5.2): soft versions dotted"}, "height": 380,
                   "legend": LEGEND, "xaxis": {"title": {"text": "x"}, "zeroline": True},
                   "yaxis": {"title": {"text": "f(x)"}, "range": [-1, 6.5]}},
    })  # fmt: skip


def activation_differences(curves: dict[str, list[float]]) -> go.Figure:
    x = curves["x"]
    data = [
        {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": curves[name],
         "line": {"color": color, "width": 2.5}}
        for name, color in (("h-swish - swish", COLORS["h-swish"]), ("hard-sigmoid - sigmoid", COLORS["hard-sigmoid"]))
    ]  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {"title": {"text": "Hard minus soft: h-swish − swish, hard-sigmoid − sigmoid"},
                   "height": 320, "legend": LEGEND, "xaxis": {"title": {"text": "x"}},
                   "yaxis": {"title": {"text": "difference"}}},
    })  # fmt: skip


def activation_timing_bars(rows: Sequence[dict]) -> go.Figure:
    """Measured ns per element of each nonlinearity, one group per tensor shape."""
    shapes = list(dict.fromkeys(tuple(r["shape"]) for r in rows))
    names = list(dict.fromkeys(r["name"] for r in rows))
    data = []
    for name in names:
        sel = {tuple(r["shape"]): r for r in rows if r["name"] == name}
        data.append({
            "type": "bar", "name": name, "marker": {"color": COLORS[name]},
            "x": [f"{h}×{w}×{c}" for c, h, w in shapes], "y": [sel[s]["ns_per_element"] for s in shapes],
            "customdata": [sel[s]["median_ms"] * 1e3 for s in shapes],
            "hovertemplate": name + ": %{y:.2f} ns/element (median %{customdata:.1f} µs)<extra></extra>",
        })  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {"title": {"text": "Measured here: ns per element (median, 1 thread)"},
                   "barmode": "group", "height": 380, "legend": LEGEND,
                   "xaxis": {"title": {"text": "activation tensor (h×w×c)"}},
                   "yaxis": {"title": {"text": "ns per element"}}},
    })  # fmt: skip


def last_stage_bars(saving: dict) -> go.Figure:
    """MACs of every layer of the original and the efficient last stage, stacked."""
    data = []
    names = list(
        dict.fromkeys(x["name"] for k in ("original", "efficient") for x in saving[k]["layers"])
    )
    for i, name in enumerate(names):
        ys = []
        for kind in ("original", "efficient"):
            layer = next((x for x in saving[kind]["layers"] if x["name"] == name), None)
            ys.append(layer["macs"] / 1e6 if layer else 0)
        if any(ys):
            data.append(
                {
                    "type": "bar",
                    "name": name,
                    "x": ["original last stage", "efficient last stage"],
                    "y": ys,
                    "marker": {"color": palette.SERIES[i % len(palette.SERIES)]},
                    "hovertemplate": name + ": %{y:.2f}M MACs<extra></extra>",
                }
            )
    return go.Figure({
        "data": data,
        "layout": {"title": {"text": "Last stage MACs by layer (millions)"}, "barmode": "stack", "height": 380,
                   "legend": LEGEND, "yaxis": {"title": {"text": "MACs (millions)"}}},
    })  # fmt: skip


def se_scale_lines(a: np.ndarray, b: np.ndarray, labels: tuple[str, str]) -> go.Figure:
    """Per-channel SE scales for two images, channels sorted by the first image's scale."""
    order = np.argsort(-a)
    x = list(range(len(a)))
    data = [
        {"type": "scatter", "mode": "lines", "name": labels[0], "x": x, "y": a[order].tolist(),
         "line": {"color": palette.SERIES[0], "width": 2.5}, "customdata": order.tolist(),
         "hovertemplate": "channel %{customdata}: %{y:.2f}<extra>" + labels[0] + "</extra>"},
        {"type": "scatter", "mode": "markers", "name": labels[1], "x": x, "y": b[order].tolist(),
         "marker": {"color": palette.SERIES[1], "size": 4}, "customdata": order.tolist(),
         "hovertemplate": "channel %{customdata}: %{y:.2f}<extra>" + labels[1] + "</extra>"},
    ]  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {"title": {"text": "SE scale per channel, sorted by photo 1"}, "height": 380,
                   "legend": LEGEND, "xaxis": {"title": {"text": "channel rank"}},
                   "yaxis": {"title": {"text": "scale (hard-sigmoid output)"}, "range": [-0.05, 1.05]}},
    })  # fmt: skip


def reward_chart(curves: dict[str, list[float]]) -> go.Figure:
    """[LAT/TAR]^w against LAT/TAR (log x) for each w: how the search trades accuracy for latency."""
    colors = palette.SERIES
    keys = [k for k in curves if k != "ratio"]
    data = [{"type": "scatter", "mode": "lines", "name": k, "x": curves["ratio"], "y": curves[k],
             "line": {"color": colors[i % len(colors)], "width": 2.5},
             "hovertemplate": "LAT/TAR %{x:.2f}: reward = %{y:.3f} × ACC<extra>" + k + "</extra>"}
            for i, k in enumerate(keys)]  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {"title": {"text": "Search reward as a fraction of ACC: [LAT/TAR]^w"},
                   "height": 340, "legend": LEGEND,
                   "xaxis": {"title": {"text": "latency / target (log scale)"}, "type": "log",
                             "tickvals": [0.25, 0.5, 1, 2, 4]},
                   "yaxis": {"title": {"text": "reward / ACC"}}},
    })  # fmt: skip
