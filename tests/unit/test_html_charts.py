"""Light charts (figures/html_charts.py and the first-screen charts built on it): bars as long as
their numbers, every user string escaped, the numbers the library computed, no answer given away."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.classroom import class_questions
from mobilenet_viz.figures import classify, html_charts, palette, separable
from mobilenet_viz.figures.class_questions import answers_figure
from mobilenet_viz.figures.html_charts import Row, Segment
from mobilenet_viz.runtime.classify import Prediction


def parse(markup: str) -> ElementTree.Element:
    """The chart as XML: it must be well formed (an unescaped '<' or '&' would fail here)."""
    return ElementTree.fromstring(markup)


def segments(markup: str) -> list[tuple[str, float, str]]:
    """(hover title, width %, colour) of every bar segment, in order."""
    return [
        (seg.get("title"), float(re.search(r"width:([\d.]+)%", seg.get("style")).group(1)),
         re.search(r"background:([^;]+)", seg.get("style")).group(1))
        for seg in parse(markup).iter("span")
        if seg.get("class") == "mnl-bar-seg"
    ]  # fmt: skip


def values(markup: str) -> list[str]:
    return [e.text for e in parse(markup).iter("span") if e.get("class") == "mnl-bar-value"]


def test_bars_are_as_long_as_their_values_on_one_scale():
    rows = [
        Row("a", (Segment("a", 50, palette.STANDARD),), "50"),
        Row(
            "b", (Segment("b1", 10, palette.DEPTHWISE), Segment("b2", 15, palette.POINTWISE)), "25"
        ),
    ]
    widths = [w for _, w, _ in segments(html_charts.bars(rows))]
    assert widths == pytest.approx([100.0, 20.0, 30.0])  # the longest row fills the track
    widths = [w for _, w, _ in segments(html_charts.bars(rows, scale_max=200))]
    assert widths == pytest.approx([25.0, 5.0, 7.5])
    # nothing drawn past the track, nothing negative, an empty chart without a division by zero
    clipped = html_charts.bars([Row("x", (Segment("x", 300, palette.MACS),))], scale_max=100)
    assert [w for _, w, _ in segments(clipped)] == [100.0]
    empty = html_charts.bars([Row("x", (Segment("x", 0, palette.MACS),))])
    assert [w for _, w, _ in segments(empty)] == [0.0]
    # a tiny value keeps a visible sliver (CSS min-width); a zero draws nothing
    assert "min-width:0" in empty and "min-width:0" not in clipped


def test_every_string_is_escaped_and_a_colour_cannot_carry_markup():
    evil = '<img src=x onerror="alert(1)">&'
    chart = html_charts.bar_chart(
        evil, evil, [Row(evil, (Segment(evil, 1, palette.MACS, evil),), evil, detail=evil)],
        legend_items=[(evil, palette.MACS)], note=evil,
    )  # fmt: skip
    root = parse(chart)  # well formed: every '<', '"' and '&' was escaped
    assert not [e for e in root.iter() if e.tag == "img"]
    assert "onerror" not in "".join(root.itertext()).replace(evil, "")
    assert chart.count("&lt;img") >= 6
    with pytest.raises(ValueError, match="not a colour"):
        html_charts.color('red;background:url("x")')
    with pytest.raises(ValueError):
        html_charts.bars([Row("x", (Segment("x", 1, '#fff" onclick="x'),))])


def test_cost_split_shows_the_librarys_numbers_and_the_pointwise_share():
    c = compare(ConvConfig(14, 512, 512, 3))
    chart = separable.cost_split(c)
    segs = segments(chart)
    assert [s[0] for s in segs[:3]] == [
        f"standard conv: {c.standard.macs:,} MACs",
        f"depthwise: {c.depthwise.macs:,} MACs",
        f"pointwise (1×1): {c.pointwise.macs:,} MACs",
    ]
    # MACs panel: the separable bar is ratio × the standard one (1/N + 1/D_K^2 = 11.3%)
    assert segs[1][1] + segs[2][1] == pytest.approx(100 * c.ratio, abs=0.01)
    assert [s[2] for s in segs[:3]] == [palette.STANDARD, palette.DEPTHWISE, palette.POINTWISE]
    assert values(chart) == ["462.4M", "52.3M", "2.36M", "266.8K"]
    assert "depthwise 903.2K + pointwise 51.4M" in chart
    assert "Weights (params)" in chart and f"{c.pointwise.params:,} weights" in chart


def test_cost_split_keeps_scale_when_separable_costs_more():
    """N = 1: the separable pair costs more than the standard conv (1/N + 1/D_K^2 > 1); its bar
    must then be the longer one, not be cut at the standard conv's length."""
    c = compare(ConvConfig(14, 32, 1, 3))
    assert c.ratio > 1
    std, dw, pw = (w for _, w, _ in segments(separable.cost_split(c))[:3])
    assert dw + pw == pytest.approx(100.0) and std == pytest.approx(100 / c.ratio, abs=0.01)


def test_topk_bars_most_probable_first_on_a_percent_scale():
    top = [Prediction(282, "tiger cat", 0.529), Prediction(285, "Egyptian cat", 0.361),
           Prediction(281, "tabby <b>", 0.106)]  # fmt: skip
    chart = classify.topk_bars(top, title="Top-3 classes")
    root = parse(chart)
    labels = [e.text for e in root.iter() if e.get("class") == "mnl-bar-label"]
    assert labels == ["tiger cat (282)", "Egyptian cat (285)", "tabby <b> (281)"]
    assert [e.tag for e in root.iter() if e.get("class") == "mnl-bar-label"][0] == "strong"
    assert [w for _, w, _ in segments(chart)] == pytest.approx([52.9, 36.1, 10.6])
    assert values(chart) == ["52.9%", "36.1%", "10.6%"]
    assert root.find("figcaption").text == "Top-3 classes"


def test_timing_breakdown_adds_up_and_names_each_step():
    timing = {"decode": 2.0, "preprocess": 4.0, "inference_median": 10.0, "postprocess": None}
    chart = classify.timing_breakdown(timing)
    assert values(chart) == ["16.0 ms"]
    assert [t for t, _, _ in segments(chart)] == [
        "decode: 2.00 ms", "preprocess: 4.00 ms", "inference: 10.00 ms", "postprocess: 0.00 ms"
    ]  # fmt: skip
    assert [w for _, w, _ in segments(chart)] == pytest.approx([12.5, 25.0, 62.5, 0.0])
    assert "inference 10.0 ms" in chart


def test_class_histogram_gives_no_answer_away_before_the_reveal():
    q = class_questions.Question(
        kind="residual", topic="block", setting="stride 2", prompt="A residual here?",
        answer_type="choice", choices=("yes", "no"), correct="no", tolerance=0.0,
        tolerance_kind="exact", unit="", explanation="Stride 2.", latex=(),
    )  # fmt: skip
    bars = class_questions.tally(q, [("no", True), ("no", True), ("yes", False)])
    before = answers_figure(bars, "Answers so far", revealed=False)
    after = answers_figure(bars, "Final answers", revealed=True)
    assert {c for _, _, c in segments(before)} == {palette.OPEN_ANSWER}
    assert "<strong" not in before
    assert [c for _, _, c in segments(after)] == [palette.WRONG, palette.CORRECT]
    assert values(after) == ["1", "2"] and "<strong" in after
