"""The projector's live histogram of a class's answers (bars from ``class_questions.tally``)."""

from __future__ import annotations

from mobilenet_viz.figures import html_charts, palette
from mobilenet_viz.figures.html_charts import Row, Segment


def _colour(correct: bool, revealed: bool) -> str:
    if not revealed:
        return palette.OPEN_ANSWER
    return palette.CORRECT if correct else palette.WRONG


def answers_figure(bars: list[dict], title: str, *, revealed: bool) -> str:
    """One bar per choice or answer band (light HTML bars, ``html_charts``: the projector redraws
    it every few seconds), counts printed; once ``revealed``, the accepted one(s) green and in
    bold, before that every bar in one colour (the class still answering sees no answer)."""
    rows = [
        Row(
            b["label"],
            (
                Segment(
                    b["label"],
                    b["count"],
                    _colour(b["correct"], revealed),
                    f"{b['count']} answers",
                ),
            ),
            str(b["count"]),
            strong=revealed and bool(b["correct"]),
        )
        for b in bars
    ]
    return html_charts.bar_chart("answers", title, rows)  # the longest bar: the most answers
