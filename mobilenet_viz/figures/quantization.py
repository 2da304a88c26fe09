"""Figures for the "On a phone" page: model bytes, per-channel weight ranges of a depthwise vs a
pointwise layer, per-image probabilities with per-tensor vs per-channel depthwise weights, and
latency / throughput of fp32 vs int8. Data in, plotly figure (built from dicts) out."""

from __future__ import annotations

import plotly.graph_objects as go

from mobilenet_viz.figures import palette
from mobilenet_viz.runtime.quantization import ChannelRanges, SpeedRow, WeightQuantTrial

SHORT_NAMES = {
    "eager": "fp32 eager PyTorch",
    "onnx": "fp32 ONNX Runtime",
    "int8": "int8 ONNX Runtime",
}


def model_bytes(fp32_memory: int, parts) -> go.Figure:
    """Two stacked bars in MB: the fp32 model's constants and the int8 model's, by kind."""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": ["fp32"],
            "x": [fp32_memory / 1e6],
            "name": "float32 weights & biases",
            "marker": {"color": palette.QUANTIZATION["fp32"]},
            "hovertemplate": "fp32: %{x:.2f} MB<extra></extra>",
        }
    ]
    for i, part in enumerate(parts):
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": ["int8"],
                "x": [part.bytes / 1e6],
                "name": part.what,
                "marker": {"color": palette.INT8_PARTS[i % len(palette.INT8_PARTS)]},
                "hovertemplate": f"{part.what}: %{{x:.3f}} MB ({part.count:,} values)<extra></extra>",
            }
        )
    return go.Figure(
        {
            "data": data,
            "layout": {
                "barmode": "stack",
                "height": 260,
                "title": {"text": "Model constants in memory (MB)"},
                "xaxis": {"title": {"text": "MB"}},
                "yaxis": {"autorange": "reversed"},
                "legend": {"orientation": "h", "y": -0.35, "x": 0},
            },
        }
    )


def channel_ranges(ranges: ChannelRanges) -> go.Figure:
    """max |W| of every output channel (BatchNorm folded), log scale, with the per-tensor int8 step
    (max |W| / 127): a channel under half a step rounds to all zeros with one scale per tensor.
    Bars in the layer type's colour (depthwise or pointwise)."""
    color = palette.DEPTHWISE if ranges.kind == "depthwise" else palette.POINTWISE
    step = float(ranges.max_abs.max()) / 127
    floor = (
        max(float(ranges.max_abs[ranges.max_abs > 0].min()) / 3, step / 1e4)
        if (ranges.max_abs > 0).any()
        else step / 1e4
    )
    values = [max(float(v), floor) for v in ranges.max_abs]
    return go.Figure(
        {
            "data": [
                {
                    "type": "bar",
                    "x": list(range(len(values))),
                    "y": values,
                    "marker": {"color": color},
                    "name": "max |W|",
                    "customdata": [float(v) for v in ranges.max_abs],
                    "hovertemplate": "channel %{x}: max |W| = %{customdata:.3g}<extra></extra>",
                },
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [-0.5, len(values) - 0.5],
                    "y": [step, step],
                    "name": "one int8 step, per tensor",
                    "line": {"color": palette.REFERENCE, "dash": "dash"},
                    "hovertemplate": f"per-tensor step {step:.3g}<extra></extra>",
                },
            ],
            "layout": {
                "title": {
                    "text": f"{ranges.kind.capitalize()} {ranges.layer}<br>max |W| of each of its {len(values)} channels"
                },
                "height": 380,
                "xaxis": {"title": {"text": "output channel"}},
                "yaxis": {
                    "title": {"text": "max |W| (log scale)"},
                    "type": "log",
                    "dtick": 1,
                    "exponentformat": "power",
                },
                "legend": {"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0},
                "bargap": 0.1,
            },
        }
    )


def weight_trial(trial: WeightQuantTrial, titles: list[str]) -> go.Figure:
    """Per photo: the probability of the fp32 top-1 class, and the top-1 probability of the model
    with per-tensor / per-channel int8 depthwise weights (a hollow marker when its top-1 differs)."""

    def series(name, tops, probs, color):
        same = [a == b for a, b in zip(tops, trial.fp32_top1, strict=True)]
        return {
            "type": "bar",
            "name": name,
            "x": titles,
            "y": [p * 100 for p in probs],
            "marker": {
                "color": [color if s else palette.TRANSPARENT for s in same],
                "line": {"color": color, "width": 2},
            },
            "text": ["" if s else "other class" for s in same],
            "textposition": "outside",
            "hovertemplate": f"{name}: %{{y:.1f}}%<extra></extra>",
        }

    return go.Figure(
        {
            "data": [
                series("fp32", trial.fp32_top1, trial.fp32_prob, palette.QUANTIZATION["fp32"]),
                series(
                    "depthwise per-tensor int8",
                    trial.per_tensor_top1,
                    trial.per_tensor_prob,
                    palette.QUANTIZATION["per-tensor int8"],
                ),
                series(
                    "depthwise per-channel int8",
                    trial.per_channel_top1,
                    trial.per_channel_prob,
                    palette.QUANTIZATION["per-channel int8"],
                ),
            ],
            "layout": {
                "barmode": "group",
                "height": 420,
                "title": {
                    "text": "Top-1 probability per photo<br>(hollow: a different class than fp32)"
                },
                "yaxis": {"title": {"text": "top-1 probability (%)"}, "range": [0, 110]},
                "legend": {"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0},
            },
        }
    )


def speed(rows: list[SpeedRow]) -> tuple[go.Figure, go.Figure]:
    """(batch-1 median latency in ms, throughput in images/s at the batch size) per engine."""
    colors = [palette.ENGINES.get(r.engine, palette.OTHER) for r in rows]
    names = [SHORT_NAMES.get(r.engine, r.title) for r in rows]
    latency = go.Figure(
        {
            "data": [
                {
                    "type": "bar",
                    "x": names,
                    "y": [r.batch1_ms for r in rows],
                    "marker": {"color": colors},
                    "error_y": {
                        "type": "data",
                        "symmetric": False,
                        "array": [r.batch1_p90_ms - r.batch1_ms for r in rows],
                        "arrayminus": [0] * len(rows),
                    },
                    "text": [f"{r.batch1_ms:.1f} ms" for r in rows],
                    "textposition": "outside",
                    "hovertemplate": "%{x}: median %{y:.2f} ms<extra></extra>",
                }
            ],
            "layout": {
                "title": {"text": "Latency, 1 image (median; bar to p90)"},
                "height": 330,
                "yaxis": {"title": {"text": "ms"}},
                "showlegend": False,
            },
        }
    )
    batch = rows[0].batch_size if rows else 0
    throughput = go.Figure(
        {
            "data": [
                {
                    "type": "bar",
                    "x": names,
                    "y": [r.images_per_s for r in rows],
                    "marker": {"color": colors},
                    "text": [f"{r.images_per_s:.0f}/s" for r in rows],
                    "textposition": "outside",
                    "hovertemplate": "%{x}: %{y:.1f} images/s<extra></extra>",
                }
            ],
            "layout": {
                "title": {"text": f"Throughput at batch {batch} (images/s)"},
                "height": 330,
                "yaxis": {"title": {"text": "images/s"}},
                "showlegend": False,
            },
        }
    )
    return latency, throughput
