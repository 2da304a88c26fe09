"""The engine comparison chart: each label sits above its p90 whisker, never across it."""

from __future__ import annotations

from mobilenet_viz.figures.classify import engine_comparison
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
    assert list(labels.text) == ["20.0 ms (1.0x eager)", "10.0 ms (2.0x eager)"]
