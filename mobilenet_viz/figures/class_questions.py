"""The projector's live histogram of a class's answers (bars from ``class_questions.tally``)."""

from __future__ import annotations

from mobilenet_viz.figures import palette


def answers_figure(bars: list[dict], title: str):
    """Horizontal bars, one per choice or answer band, the accepted one(s) green, counts printed."""
    import plotly.graph_objects as go

    labels = [b["label"] for b in bars][::-1]  # first bar at the top
    counts = [b["count"] for b in bars][::-1]
    colours = [palette.CORRECT if b["correct"] else palette.WRONG for b in bars][::-1]
    return go.Figure(
        {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "x": counts,
                    "y": labels,
                    "marker": {"color": colours},
                    "text": [str(c) for c in counts],
                    "textposition": "outside",
                    "cliponaxis": False,
                    "hovertemplate": "%{y}: %{x} answers<extra></extra>",
                }
            ],
            "layout": {
                "title": {"text": title},
                "xaxis": {
                    "title": {"text": "answers"},
                    "rangemode": "tozero",
                    "dtick": max(1, max(counts or [0]) // 5 or 1),
                    "range": [0, max(counts or [0]) * 1.15 + 1],
                },
                "yaxis": {"automargin": True},
                "height": 120 + 42 * len(bars),
                "showlegend": False,
                "bargap": 0.25,
            },
        }
    )
