"""Measurements of the nonlinearities and last stages: what they report, not how fast (benchmarks do that)."""

from __future__ import annotations

import pytest
import torch

from mobilenet_viz.runtime import serving
from mobilenet_viz.runtime.v3_timing import ACTIVATION_OPS, time_activations, time_last_stages


def test_activation_timings_cover_every_function_and_shape():
    shapes = ((4, 16, 16), (32, 4, 4))
    rows = time_activations(shapes, runs=3, warmup=1)
    assert [(r.name, r.shape) for r in rows] == [(n, s) for s in shapes for n in ACTIVATION_OPS]
    assert all(r.median_ms > 0 and r.runs == 3 for r in rows)
    assert rows[0].elements == 4 * 16 * 16
    assert rows[0].ns_per_element == pytest.approx(rows[0].median_ms * 1e6 / 1024)


def test_timing_holds_the_slot_and_one_thread(monkeypatch):
    seen = []
    real = serving.inference_slot

    def spy():
        seen.append(torch.get_num_threads())
        return real()

    monkeypatch.setattr("mobilenet_viz.runtime.v3_timing.inference_slot", spy)
    threads = torch.get_num_threads()
    time_last_stages(runs=1, warmup=0)
    assert seen == [threads]  # entered once, before the thread count is lowered
    assert torch.get_num_threads() == threads  # restored


def test_last_stage_timing_reports_both():
    t = time_last_stages(runs=2, warmup=1)
    assert t.original_ms > 0 and t.efficient_ms > 0
    assert t.saved_ms == pytest.approx(t.original_ms - t.efficient_ms)


@pytest.mark.parametrize("runs", [0, 501, 2.5])
def test_bad_runs_are_refused(runs):
    with pytest.raises(ValueError, match="runs"):
        time_activations(runs=runs)


def test_huge_tensors_are_refused_before_allocating():
    with pytest.raises(ValueError, match="at most"):
        time_activations(((1000, 1000, 1000),), runs=1)
