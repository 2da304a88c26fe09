"""The CAM from the warm-up run (runtime.classify + Engine.run_with_features): the same map as a
pass of its own (runtime.cam.class_activation_map), no extra forward pass, and timed runs that
are exactly what time_runs times."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from mobilenet_viz.inputs.samples import get_sample
from mobilenet_viz.runtime import cam
from mobilenet_viz.runtime import classify as clf
from mobilenet_viz.runtime import engines as eng
from mobilenet_viz.runtime.weights import V3_LARGE, load_file, untrained

SHARED = ("eager", "onnx")  # engines whose warm-up run gives the CAM's features


@pytest.fixture(scope="module")
def untrained_engines():
    loaded = untrained()
    return loaded, eng.EngineSet(loaded, device="cpu")


@pytest.fixture(scope="module")
def real_engines(test_weights_path):
    loaded = load_file(test_weights_path, preprocessing="IMAGENET1K_V1")
    return loaded, eng.EngineSet(loaded, device="cpu")


class CountingEngines:
    """An EngineSet whose engines count their forward passes (plain and with features)."""

    def __init__(self, engines: eng.EngineSet):
        self.engines, self.plain, self.with_features = engines, 0, 0

    def get_or_fallback(self, name: str):
        engine, note = self.engines.get_or_fallback(name)

        def run(batch):
            self.plain += 1
            return engine.run(batch)

        def run_with_features(batch):
            self.with_features += 1
            return engine.run_with_features(batch)

        both = run_with_features if engine.run_with_features is not None else None
        return dataclasses.replace(engine, run=run, run_with_features=both), note


def photos() -> list[tuple[str, bytes]]:
    return [(name, get_sample(name).read_bytes()) for name in ("cat.jpg", "coffee.jpg")]


def assert_same_map(shared: np.ndarray, separate: np.ndarray) -> None:
    """Equal to 1e-4 of the map's largest value: ONNX Runtime's kernels sum float32 in another
    order than PyTorch's (a clean CI machine measured 1.6e-5 of the largest value; 1e-5 failed
    there), still 40x finer than the overlay's 256 colour levels. A map of another class or
    another photo differs by whole units."""
    assert shared.shape == separate.shape == (7, 7)
    scale = max(1.0, float(np.abs(separate).max()))
    np.testing.assert_allclose(shared, separate, rtol=0, atol=1e-4 * scale)


@pytest.mark.parametrize("engine", SHARED)
def test_the_warm_up_cam_equals_a_separate_pass_without_running_one(
    untrained_engines, engine, monkeypatch
):
    loaded, engines = untrained_engines
    separate = []
    real = cam.class_activation_map
    monkeypatch.setattr(
        cam, "class_activation_map", lambda *a, **k: separate.append(1) or real(*a, **k)
    )
    counting = CountingEngines(engines)
    report = clf.classify(loaded, counting, photos(), engine=engine, runs=3, warmup=2)
    assert report.ok and not separate  # classify runs no CAM pass of its own
    # per photo: the first warm-up with features, the second warm-up and 3 timed runs plain
    assert (counting.with_features, counting.plain) == (2, 2 * (1 + 3))
    for r in report.results:
        assert len(r.inference_runs_ms) == 3
        assert_same_map(r.cam, real(loaded.model, r.tensor, r.top[0].index))


@pytest.mark.weights
@pytest.mark.parametrize("engine", SHARED)
def test_the_warm_up_cam_of_real_weights_equals_a_separate_pass(real_engines, engine):
    loaded, engines = real_engines
    report = clf.classify(loaded, engines, photos(), engine=engine, runs=1, warmup=1)
    for r in report.results:
        separate = cam.class_activation_map(loaded.model, r.tensor, r.top[0].index)
        assert_same_map(r.cam, separate)
        # and it is the CAM of the logit shown: mean M_c + b_c = S_c (Zhou et al. 2016, eq. 2)
        bias = float(loaded.model.classifier[1].bias[r.top[0].index])
        logits = engines.get(engine).run(r.tensor.unsqueeze(0))[0]
        assert float(r.cam.mean()) + bias == pytest.approx(
            float(logits[r.top[0].index]), rel=1e-4, abs=1e-4
        )


def test_without_a_warm_up_or_features_there_is_no_cam_and_nothing_extra_runs(
    untrained_engines,
):
    loaded, engines = untrained_engines
    for engine, warmup in (("onnx", 0), ("optimized", 1)):
        counting = CountingEngines(engines)
        report = clf.classify(loaded, counting, photos()[:1], engine=engine, runs=2, warmup=warmup)
        (r,) = report.results
        assert r.cam is None, engine  # the caller runs class_activation_map
        assert (counting.with_features, counting.plain) == (0, warmup + 2), engine


def test_a_reused_result_keeps_its_cam(untrained_engines):
    loaded, engines = untrained_engines
    reuse: dict = {}
    first = clf.classify(
        loaded, engines, photos()[:1], engine="onnx", runs=1, warmup=1, reuse=reuse
    )
    again = clf.classify(
        loaded, engines, photos()[:1], engine="onnx", runs=1, warmup=1, reuse=reuse
    )
    assert again.results[0].reused and again.results[0].cam is first.results[0].cam


@pytest.mark.parametrize("engine", SHARED)
def test_the_pass_with_features_gives_the_same_logits_as_the_timed_run(untrained_engines, engine):
    loaded, engines = untrained_engines
    chosen = engines.get(engine)
    batch = torch.stack(
        [clf.preprocess(loaded, Image.open(get_sample("cat.jpg").path).convert("RGB"))] * 2
    )
    logits, features = chosen.run_with_features(batch)
    assert features.shape == (2, 1280, 7, 7)
    assert torch.equal(logits, chosen.run(batch))  # the same graph, only one more output fetched
    with torch.inference_mode():
        assert torch.allclose(loaded.model.features(batch), features, atol=1e-4)


def test_only_a_mobilenet_v2_with_one_linear_classifier_offers_features():
    v3 = eng.EngineSet(untrained(arch=V3_LARGE), device="cpu").get("eager")
    assert v3.run_with_features is None  # V3's classifier has two linear layers: no exact CAM
    assert eng.has_cam_features(untrained().model)
