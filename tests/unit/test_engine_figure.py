"""The engine comparison chart: each label sits above its p90 whisker, never across it."""

from __future__ import annotations

from mobilenet_viz.figures.classify import engine_comparison, kind_shares
from mobilenet_viz.runtime.layer_timing import KindShare
from mobilenet_viz.runtime.timing import EngineComparison


def test_labels_sit_above_the_p90_whiskers():
    rows = [
        EngineComparison("eager", "eager PyTorch", 20.0, 31.0, 2.0, 1.0, True, 0.0, 0.1),
        EngineComparison("onnx", "ONNX Runtime", 10.0, 12.5, 1.0, 2.0, True, 1e-6, 2.0),
    ]
    fig = engine_comparison(rows)
    bars, labels = fig.data[0], fig.data[1]
    assert bars.text is None  # no label at the bar top, where the whisker starts
    assert list(labels.y) == [31.0, 12.5] and labels.textposition == "top center"
    assert list(labels.text) == ["20.0 ms<br>(1.0x eager)", "10.0 ms<br>(2.0x eager)"]


def test_engine_names_fit_under_four_bars_on_a_phone_and_the_hover_keeps_the_full_title():
    """Four bars on a 390 px phone: each axis name is at most two lines of at most 12 characters
    (the full titles rotated the labels and squeezed the plot into a corner); the labels above the
    whiskers break after the time for the same reason."""
    titles = {
        "eager": "eager PyTorch",
        "optimized": "TorchScript frozen + optimize_for_inference",
        "onnx": "ONNX Runtime",
        "int8": "int8 ONNX Runtime (static quantization)",
    }
    rows = [
        EngineComparison(engine, title, 10.0 + k, 12.0 + k, 1.0, 1.0, True, 0.0, 0.1)
        for k, (engine, title) in enumerate(titles.items())
    ]
    fig = engine_comparison(rows)
    bars, labels = fig.data[0], fig.data[1]
    for name in bars.x:
        lines = name.split("<br>")
        assert len(lines) <= 2 and max(len(line) for line in lines) <= 12, name
    assert list(bars.x) == list(labels.x) and len(set(bars.x)) == 4
    assert list(bars.customdata) == list(titles.values()) and "%{customdata}" in bars.hovertemplate
    assert all(len(part) <= 12 for text in labels.text for part in text.split("<br>"))


def test_kind_shares_bars_name_themselves_instead_of_a_one_colour_legend():
    fig = kind_shares(
        [
            KindShare("pointwise", 34, 267_000_000, 5.6, 0.891, 0.556),
            KindShare("depthwise", 17, 20_700_000, 3.7, 0.069, 0.372),
        ]
    )
    assert fig.layout.showlegend is False
    macs, time_ = fig.data
    assert list(macs.text) == ["MACs<br>89.1%", "MACs<br>6.9%"]
    assert list(time_.text) == ["time<br>55.6%", "time<br>37.2%"]
    assert len(set(time_.marker.color)) == 2  # each layer type in its own colour
