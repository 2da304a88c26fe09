"""Figures for the "Architectures" page: data in (an ``Architecture``), plotly figure out.

Figures are assembled as plain dicts and wrapped once in ``go.Figure`` (plotly's helpers such as
``make_subplots``/``add_vline`` validate on every call and slow a page rerun down); two-panel
figures take their axes from ``build.grid``. The network graph is a Graphviz DOT string, which
``st.graphviz_chart`` renders in the browser.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from mobilenet_viz.analytic.architectures import LAYER_TYPES, MODEL_NAMES, Architecture
from mobilenet_viz.analytic.published import PublishedPoint
from mobilenet_viz.figures import palette
from mobilenet_viz.figures.build import figure, grid

SOURCE_SYMBOLS = {
    "MobileNets": "circle",
    "MobileNetV2": "square",
    "Searching": "diamond",
    "torchvision": "x",
}
LEGEND = {"orientation": "h", "y": -0.18}


def _shape(shape) -> str:
    return "×".join(str(v) for v in shape)


def per_layer_bars(arch: Architecture) -> go.Figure:
    """MACs (top) and params (bottom) of every layer in depth order, coloured by layer type."""
    data = []
    names = [f"{i:>3} {row.name}" for i, row in enumerate(arch.layers)]
    for kind in LAYER_TYPES:
        index = [i for i, row in enumerate(arch.layers) if row.layer_type == kind]
        if not index or kind == "pool":
            continue
        rows = [arch.layers[i] for i in index]
        hover = [
            f"{r.name}<br>{r.operator}<br>{_shape(r.input_shape)} → {_shape(r.output_shape)}"
            for r in rows
        ]
        common = {
            "type": "bar",
            "x": [names[i] for i in index],
            "marker": {"color": palette.LAYER_TYPES[kind]},
        }
        data.append({
            **common, "y": [r.macs / 1e6 for r in rows], "name": kind, "legendgroup": kind,
            "customdata": hover, "hovertemplate": "%{customdata}<br>%{y:.3f}M MACs<extra></extra>",
        })  # fmt: skip
        data.append({
            **common, "y": [r.params / 1e3 for r in rows], "name": kind, "legendgroup": kind,
            "showlegend": False, "xaxis": "x2", "yaxis": "y2", "customdata": hover,
            "hovertemplate": "%{customdata}<br>%{y:.1f}K params<extra></extra>",
        })  # fmt: skip
    layout = grid(2, 1, [], vspace=0.1, image_axes=False)  # MACs above params, same layers
    for x in ("xaxis", "xaxis2"):
        layout[x].update(categoryorder="array", categoryarray=names, showticklabels=False)
    layout["xaxis"]["matches"] = "x2"
    layout["yaxis"]["title"] = {"text": "MACs (M)"}
    layout["yaxis2"]["title"] = {"text": "params (K)"}
    layout.update(
        title={"text": f"{arch.title}:<br>cost of every layer, in depth order"},
        barmode="overlay", height=560, legend={"orientation": "h", "y": -0.1},
    )  # fmt: skip
    return figure(data, layout)


def breakdown_bars(arch: Architecture) -> go.Figure:
    """Share of MACs, of weights and of all params per layer type, as stacked 100% bars."""
    rows = arch.breakdown()
    measures = ("MACs", "weights (paper)", "params (+BN, bias)")
    keys = ("macs_share", "weights_share", "params_share")
    data = [
        {
            "type": "bar", "orientation": "h", "name": row["layer_type"], "y": list(measures),
            "x": [100 * row[k] for k in keys], "marker": {"color": palette.LAYER_TYPES[row["layer_type"]]},
            "text": [f"{100 * row[k]:.1f}%" if row[k] >= 0.04 else "" for k in keys],
            "textposition": "inside", "hovertemplate": f"{row['layer_type']}: %{{x:.2f}}%<extra></extra>",
        }
        for row in rows
        if row["layer_type"] != "pool"
    ]  # fmt: skip
    return go.Figure({
        "data": data,
        "layout": {
            "title": {"text": f"{arch.title}: where the cost goes, by layer type"},
            "barmode": "stack", "height": 340, "legend": {"orientation": "h", "y": -0.35},
            "xaxis": {"title": {"text": "share of the network total (%)"}, "range": [0, 100]},
            "yaxis": {"autorange": "reversed"},
        },
    })  # fmt: skip


def tensor_size_lines(arch: Architecture) -> go.Figure:
    """Spatial size (left axis) and channels (right axis) after every layer, in depth order."""
    maps = arch.tensor_sizes()
    x = [m["index"] for m in maps]
    labels = [m["layer"] for m in maps]
    sizes = sorted({m["size"] for m in maps})
    channels = [
        c
        for c in (4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
        if min(m["channels"] for m in maps) / 2 < c < 2 * max(m["channels"] for m in maps)
    ]
    return go.Figure({
        "data": [
            {"type": "scatter", "mode": "lines+markers", "x": x, "y": [m["size"] for m in maps],
             "name": "feature-map size H = W (px)", "line": {"shape": "hv", "color": palette.SIZE},
             "customdata": labels, "hovertemplate": "%{customdata}<br>%{y} px<extra></extra>"},
            {"type": "scatter", "mode": "lines+markers", "x": x, "y": [m["channels"] for m in maps],
             "name": "channels C", "yaxis": "y2", "line": {"shape": "hv", "color": palette.CHANNELS},
             "customdata": labels, "hovertemplate": "%{customdata}<br>%{y} channels<extra></extra>"},
        ],
        "layout": {
            "title": {"text": f"{arch.title}: feature maps shrink while channels grow"},
            "height": 380, "legend": LEGEND,
            "xaxis": {"title": {"text": "layer index (depth)"}},
            "yaxis": {"title": {"text": "size H = W (px, log)"}, "type": "log", "color": palette.SIZE,
                      "tickvals": sizes, "showgrid": False},
            "yaxis2": {"title": {"text": "channels (log)"}, "type": "log", "overlaying": "y",
                       "side": "right", "color": palette.CHANNELS, "tickvals": channels},
        },
    })  # fmt: skip


def _symbol(source: str) -> str:
    return next((s for key, s in SOURCE_SYMBOLS.items() if source.startswith(key)), "circle")


def accuracy_scatter(points: list[PublishedPoint], current: Architecture) -> go.Figure:
    """Published ImageNet top-1 vs mult-adds (log x), each point labelled with its source; the
    current configuration's MACs as a vertical line."""
    data = []
    for model in MODEL_NAMES:
        rows = [p for p in points if p.model == model]
        if not rows:
            continue
        data.append({
            "type": "scatter", "mode": "markers+text", "name": MODEL_NAMES[model],
            "x": [p.macs_m for p in rows], "y": [p.top1 for p in rows],
            "text": [p.label.split(" ")[1] if "torchvision" not in p.source else "" for p in rows],
            "textposition": "top center", "textfont": {"size": 10},
            "marker": {"size": 11, "color": palette.MODELS[model], "symbol": [_symbol(p.source) for p in rows],
                       "line": {"width": 1, "color": "white"}},
            "customdata": [[p.label, p.source, p.params_m] for p in rows],
            "hovertemplate": "<b>%{customdata[0]}</b><br>top-1 %{y:.1f}%<br>%{x:g}M mult-adds<br>"
                             "%{customdata[2]:.2f}M params<br>source: %{customdata[1]}<extra></extra>",
        })  # fmt: skip
    macs_m = current.macs / 1e6
    return go.Figure({
        "data": data,
        "layout": {
            "title": {"text": "Published ImageNet accuracy vs cost (hover a point for its source)"},
            "height": 460, "legend": LEGEND,
            "xaxis": {"title": {"text": "mult-adds (MACs, millions, log scale)"}, "type": "log",
                      "tickvals": [10, 20, 50, 100, 200, 300, 500, 1000, 2000]},
            "yaxis": {"title": {"text": "ImageNet top-1 accuracy (%)"}},
            "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": macs_m, "x1": macs_m,
                        "y0": 0, "y1": 1, "line": {"color": palette.REFERENCE, "dash": "dash", "width": 2}}],
            "annotations": [{"x": math.log10(macs_m), "xref": "x", "yref": "paper", "y": 0.02,
                             "text": f" current: {current.title}, {macs_m:.1f}M MACs ",
                             "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                             "bgcolor": palette.LEGEND_BACKGROUND}],
        },
    })  # fmt: skip


def v1_v2_bars(v1: Architecture, v2: Architecture) -> go.Figure:
    """MACs and params per layer type, V1 next to V2 at the same alpha and resolution."""
    data = []
    for kind in LAYER_TYPES:
        if kind == "pool":
            continue
        macs = [sum(r.macs for r in a.layers if r.layer_type == kind) / 1e6 for a in (v1, v2)]
        params = [sum(r.params for r in a.layers if r.layer_type == kind) / 1e6 for a in (v1, v2)]
        if not any(macs) and not any(params):
            continue
        x = [v1.title, v2.title]
        common = {
            "type": "bar",
            "name": kind,
            "legendgroup": kind,
            "marker": {"color": palette.LAYER_TYPES[kind]},
        }
        data.append(
            {
                **common,
                "x": x,
                "y": macs,
                "hovertemplate": f"{kind}: %{{y:.1f}}M MACs<extra></extra>",
            }
        )
        data.append({**common, "x": x, "y": params, "xaxis": "x2", "yaxis": "y2", "showlegend": False,
                     "hovertemplate": f"{kind}: %{{y:.2f}}M params<extra></extra>"})  # fmt: skip
    layout = grid(1, 2, [], hspace=0.1, image_axes=False)  # MACs left, params right
    layout["yaxis"]["title"] = {"text": "MACs (millions)"}
    layout["yaxis2"]["title"] = {"text": "params (millions)"}
    layout.update(
        title={"text": "V1 vs V2 at the same settings, split by layer type"},
        barmode="stack", height=380, legend=LEGEND,
    )  # fmt: skip
    return figure(data, layout)


def network_dot(arch: Architecture) -> str:
    """The network as a Graphviz DOT graph: one node per block with its operators, shapes and cost,
    laid out top to bottom; a dashed edge in the residual colour jumps over every residual block (its input is
    added to its output before the next block)."""
    lines = [
        "digraph G {",
        '  graph [rankdir=TB, nodesep=0.2, ranksep=0.18, bgcolor="transparent"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
        f'fillcolor="{palette.PANEL}", color="{palette.PANEL_EDGE}"];',
        f'  edge [color="{palette.EDGE}", arrowsize=0.6];',
        f'  input [label="input\\n{_shape((3, arch.resolution, arch.resolution))}", '
        f'fillcolor="{palette.PANEL_INPUT}"];',
    ]
    previous, skip_from = "input", None
    for i, block in enumerate(arch.blocks()):
        node = f"b{i}"
        steps = [name.split(" · ")[-1] for name in block["layers"]]
        ops = " → ".join(steps) if len(steps) > 1 else block["operators"][0].rsplit(" s", 1)[0]
        label = (
            f"{block['block']}: {ops}\\n{_shape(block['input_shape'])} → {_shape(block['output_shape'])}"
            f"\\n{block['macs'] / 1e6:.1f}M MACs, {block['params'] / 1e3:.1f}K params"
        )
        warm = block["block"] in ("conv1", "last conv", "classifier")
        fill = palette.PANEL_WARM if warm else palette.PANEL
        lines.append(f'  {node} [label="{label}", fillcolor="{fill}"];')
        lines.append(f"  {previous} -> {node};")
        if skip_from is not None:  # the previous block's input is added to its output
            lines.append(
                f'  {skip_from} -> {node} [style=dashed, color="{palette.RESIDUAL}", '
                'constraint=false, label=" +"];'
            )
        skip_from = previous if block["residual"] else None
        previous = node
    lines.append("}")
    return "\n".join(lines)
