"""Figures for the Classify page: top-k bars, timing breakdown, engine comparison, and where the
time goes per layer type next to where the MACs are (MobileNets section 3.1: the depthwise
convs hold few MACs but, being memory bound, a much larger share of the time). Data in, plotly
out; top-k and the timing breakdown, drawn on every upload, are light HTML bars (html_charts).
"""

from __future__ import annotations

import plotly.graph_objects as go

from mobilenet_viz.figures import html_charts, palette
from mobilenet_viz.figures.build import figure
from mobilenet_viz.figures.html_charts import Row, Segment
from mobilenet_viz.runtime.classify import Prediction
from mobilenet_viz.runtime.layer_timing import KindShare, LayerProfile
from mobilenet_viz.runtime.timing import EngineComparison

KIND_COLORS = {  # the profile's layer types (runtime.layer_timing.KINDS)
    "pointwise": palette.POINTWISE,
    "depthwise": palette.DEPTHWISE,
    "other": palette.OTHER,
}
# The engine chart's axis names, two short lines each, so four bars fit a 390 px phone without
# rotated labels; the full titles are in the hover and in the table beside the chart.
ENGINE_AXIS = {
    "eager": "eager<br>PyTorch",
    "optimized": "TorchScript<br>optimized",
    "onnx": "ONNX<br>Runtime",
    "int8": "int8<br>ONNX Runtime",
}


def topk_bars(top: list[Prediction], *, title: str = "Top-5 classes") -> str:
    """The top-k softmax probabilities (%) as light HTML bars (``html_charts``), most probable
    first, on a 0-100% scale, each with its ImageNet class index."""
    rows = [
        Row(
            f"{p.label} ({p.index})",
            (Segment(p.label, p.prob * 100, palette.PROBABILITY, f"{p.prob * 100:.2f}%"),),
            f"{p.prob * 100:.1f}%",
            strong=i == 0,
        )
        for i, p in enumerate(top)
    ]
    return html_charts.bar_chart("topk", title, rows, scale_max=100.0)


TIMING_STEPS = (
    ("decode", "decode"),
    ("preprocess", "preprocess"),
    ("inference", "inference_median"),
    ("postprocess", "postprocess"),
)


def timing_breakdown(timing_ms: dict[str, float | None]) -> str:
    """One stacked bar, in ms per image: decode, preprocess, inference (median of the timed
    runs), postprocess; the legend gives each step's time."""
    steps = [(label, timing_ms.get(key) or 0.0) for label, key in TIMING_STEPS]
    total = sum(ms for _, ms in steps)
    row = Row(
        "per image",
        tuple(Segment(label, ms, palette.STEPS[label], f"{ms:.2f} ms") for label, ms in steps),
        f"{total:.1f} ms",
    )
    return html_charts.bar_chart(
        "timing",
        "Where one image's time goes (median, ms)",
        [row],
        legend_items=[(f"{label} {ms:.1f} ms", palette.STEPS[label]) for label, ms in steps],
    )


def engine_comparison(rows: list[EngineComparison]) -> go.Figure:
    """Median latency per engine (bars) with the p90 as an error bar; label = speed-up vs eager."""
    ok = [r for r in rows if r.median_ms is not None]
    names = [ENGINE_AXIS.get(r.engine, r.title) for r in ok]
    bars = {
        "type": "bar",
        "x": names,
        "y": [r.median_ms for r in ok],
        "customdata": [r.title for r in ok],
        "marker": {"color": [palette.ENGINES[r.engine] for r in ok]},
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [r.p90_ms - r.median_ms for r in ok],
            "arrayminus": [0] * len(ok),
        },
        "hovertemplate": "%{customdata}<br>median %{y:.2f} ms<extra></extra>",
    }
    # Labels sit above each p90 whisker (a label at the bar top would be crossed by its whisker).
    labels = {
        "type": "scatter",
        "x": names,
        "y": [r.p90_ms for r in ok],
        "mode": "text",
        "textposition": "top center",
        "text": [f"{r.median_ms:.1f} ms<br>({r.speedup_vs_eager:.1f}x eager)" for r in ok],
        "hoverinfo": "skip",
    }
    top = max((r.p90_ms for r in ok), default=1.0)
    layout = {
        "title": {"text": "Batch-1 latency per engine (median; whisker = p90)"},
        "showlegend": False,
        "height": 380,
        "yaxis": {"title": {"text": "latency (ms, lower is better)"}, "range": [0, top * 1.25]},
        "xaxis": {"title": {"text": "engine"}, "tickangle": 0},
    }
    return figure([bars, labels], layout)


def kind_shares(shares: list[KindShare]) -> go.Figure:
    """Per layer type: share of MACs vs share of measured time (%), side by side.

    Each bar names itself ("MACs" / "time" above its value): the time bars take the layer type's
    colour (as in :func:`layer_latency`), so a legend swatch could show only one of them.
    """
    kinds = [s.kind for s in shares]
    data = [
        {
            "type": "bar",
            "name": "share of MACs",
            "x": kinds,
            "y": [s.mac_share * 100 for s in shares],
            "marker": {"color": palette.BACKGROUND_BAR},
            "text": [f"MACs<br>{s.mac_share * 100:.1f}%" for s in shares],
            "textposition": "outside",
        },
        {
            "type": "bar",
            "name": "share of time",
            "x": kinds,
            "y": [s.time_share * 100 for s in shares],
            "marker": {"color": [KIND_COLORS[k] for k in kinds]},
            "text": [f"time<br>{s.time_share * 100:.1f}%" for s in shares],
            "textposition": "outside",
        },
    ]
    layout = {
        "barmode": "group",
        "title": {"text": "Share of MACs vs share of time"},
        "height": 380,
        "showlegend": False,
        "yaxis": {"title": {"text": "share of the whole network (%)"}, "range": [0, 118]},
        "xaxis": {"title": {"text": "layer type"}},
    }
    return figure(data, layout)


def layer_latency(profile: list[LayerProfile]) -> go.Figure:
    """Every conv/FC layer in order: median latency (ms) coloured by type; hover shows its MACs."""
    data = []
    for kind, color in KIND_COLORS.items():
        idx = [i for i, p in enumerate(profile) if p.kind == kind]
        data.append(
            {
                "type": "bar",
                "x": idx,
                "y": [profile[i].ms for i in idx],
                "name": kind,
                "marker": {"color": color},
                "customdata": [[profile[i].name, profile[i].macs / 1e6] for i in idx],
                "hovertemplate": "%{customdata[0]}<br>%{y:.3f} ms, %{customdata[1]:.2f}M MACs"
                f"<extra>{kind}</extra>",
            }
        )
    layout = {
        "title": {"text": "Latency of each conv / FC layer"},
        "height": 360,
        "bargap": 0.1,
        "xaxis": {"title": {"text": "layer index (input → output)"}},
        "yaxis": {"title": {"text": "latency (ms)"}},
        "legend": {"orientation": "h", "y": 1.1, "x": 0},
    }
    return figure(data, layout)
