"""Engines agree (runtime.engines), classify reports per image and step (runtime.classify), timing
and the inference slot (runtime.timing, runtime.serving); CAM and the per-layer profile are exact."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode
from torchvision.transforms import functional as TF

from mobilenet_viz.explain import classify as explain
from mobilenet_viz.inputs.samples import get_sample
from mobilenet_viz.runtime import cam, layer_timing, serving, timing
from mobilenet_viz.runtime import classify as clf
from mobilenet_viz.runtime import engines as eng
from mobilenet_viz.runtime.weights import load_file, untrained
from mobilenet_viz.tables import rows_to_csv

CAT_CLASSES = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.fixture(scope="module")
def untrained_engines():
    loaded = untrained()
    return loaded, eng.EngineSet(loaded, device="cpu")  # one ONNX export for this module


@pytest.fixture(scope="module")
def real_engines(test_weights_path):
    loaded = load_file(test_weights_path, preprocessing="IMAGENET1K_V1")
    return loaded, eng.EngineSet(loaded, device="cpu")


def sample_tensor(loaded, name="cat.jpg"):
    return clf.preprocess(loaded, Image.open(get_sample(name).path).convert("RGB"))


def assert_engines_agree(loaded, engines, batch):
    probs = {}
    for name in eng.FLOAT_ENGINES:  # int8 approximates them: tests/unit/test_quantization.py
        probs[name] = torch.softmax(engines.get(name).run(batch), dim=1)
    for name in ("optimized", "onnx"):
        assert torch.equal(
            torch.topk(probs[name], 5).indices, torch.topk(probs["eager"], 5).indices
        ), name
        assert float((probs[name] - probs["eager"]).abs().max()) < 1e-3, name


def test_engines_agree_on_untrained_model(untrained_engines):
    loaded, engines = untrained_engines
    batch = torch.stack([sample_tensor(loaded, n) for n in ("cat.jpg", "coffee.jpg")])
    assert_engines_agree(loaded, engines, batch)


@pytest.mark.weights
def test_engines_agree_and_recognise_real_photos(real_engines, test_photos_dir):
    loaded, engines = real_engines
    items = [
        (n, (test_photos_dir / n).read_bytes()) for n in ("cat.jpg", "dragonfly.jpg", "bird.jpg")
    ]
    report = clf.classify(loaded, engines, items, engine="onnx", runs=2, warmup=1)
    top1 = [r.top[0] for r in report.results]
    assert top1[0].index in CAT_CLASSES
    assert [t.label for t in top1[1:]] == ["dragonfly", "chickadee"]
    assert_engines_agree(loaded, engines, torch.stack([r.tensor for r in report.results]))


def test_classify_reports_errors_per_image_and_timing_per_step(untrained_engines):
    loaded, engines = untrained_engines
    items = [
        ("cat.jpg", get_sample("cat.jpg").read_bytes()),
        ("notes.txt", b"hello, this is text"),
        ("coffee.jpg", get_sample("coffee.jpg").read_bytes()),
    ]
    report = clf.classify(loaded, engines, items, engine="eager", top=3, runs=4, warmup=1)
    assert [r.error for r in report.results] == [None, "not an image (looks like text)", None]
    assert not report.ok and report.engine == "eager" and report.threads == torch.get_num_threads()
    good = [r for r in report.results if r.error is None]
    assert all(len(r.top) == 3 and len(r.inference_runs_ms) == 4 for r in good)
    every = [t for r in good for t in r.inference_runs_ms]
    assert report.timing_ms["inference_median"] == pytest.approx(float(np.median(every)))
    assert report.timing_ms["inference_p90"] >= report.timing_ms["inference_median"] > 0
    assert all(report.timing_ms[k] > 0 for k in ("decode", "preprocess", "postprocess"))
    probs = good[0].probs
    assert probs.shape == (1000,) and probs.sum() == pytest.approx(1, abs=1e-4)
    assert [p.index for p in good[0].top] == list(np.argsort(-probs)[:3])


def test_a_rerun_times_only_the_new_photos_and_forgets_the_ones_no_longer_shown(
    untrained_engines, monkeypatch
):
    loaded, engines = untrained_engines
    timed = []
    real_time_runs = timing.time_runs
    monkeypatch.setattr(
        clf, "time_runs", lambda *a, **k: timed.append(1) or real_time_runs(*a, **k)
    )
    cat, coffee = get_sample("cat.jpg").read_bytes(), get_sample("coffee.jpg").read_bytes()
    reuse: dict = {}
    first = clf.classify(
        loaded, engines, [("cat.jpg", cat)], engine="eager", runs=2, warmup=0, reuse=reuse
    )
    assert len(timed) == 1 and not first.results[0].reused and len(reuse) == 1

    second = clf.classify(
        loaded,
        engines,
        [("cat.jpg", cat), ("my coffee.jpg", coffee)],
        engine="eager",
        runs=2,
        warmup=0,
        reuse=reuse,
    )
    assert len(timed) == 2  # only the coffee was run
    old, new = second.results
    assert old.reused and old.inference_runs_ms == first.results[0].inference_runs_ms
    assert old.measured_at == first.results[0].measured_at and not new.reused
    assert [p.index for p in old.top] == [p.index for p in first.results[0].top]
    assert new.name == "my coffee.jpg" and len(reuse) == 2
    every = old.inference_runs_ms + new.inference_runs_ms
    assert second.timing_ms["inference_median"] == pytest.approx(float(np.median(every)))

    clf.classify(
        loaded, engines, [("coffee.jpg", coffee)], engine="eager", runs=3, warmup=0, reuse=reuse
    )
    assert len(timed) == 3 and len(reuse) == 1  # other settings: timed again; the cat is forgotten


def test_photos_kept_for_reuse_are_shrunk_but_report_their_real_size(untrained_engines):
    loaded, engines = untrained_engines
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1500), (200, 100, 50)).save(buffer, format="JPEG")
    reuse: dict = {}
    report = clf.classify(
        loaded,
        engines,
        [("big.jpg", buffer.getvalue())],
        engine="eager",
        runs=1,
        warmup=0,
        reuse=reuse,
    )
    assert report.results[0].size == (3000, 1500)
    (kept,) = reuse.values()
    assert max(kept.image.size) == clf.KEPT_IMAGE_SIDE and kept.size == (3000, 1500)


def test_settings_are_validated(untrained_engines):
    loaded, engines = untrained_engines
    with pytest.raises(ValueError, match="--top"):
        clf.classify(loaded, engines, [], top=0)
    with pytest.raises(ValueError, match="--runs"):
        clf.classify(loaded, engines, [], runs=0)
    with pytest.raises(ValueError, match="unknown engine"):
        engines.get("tensorrt")


def test_onnx_missing_falls_back_to_optimized(untrained_engines, monkeypatch):
    loaded, _ = untrained_engines
    monkeypatch.setattr(eng, "onnx_available", lambda: False)
    assert eng.default_engine() == "optimized"
    engines = eng.EngineSet(loaded, device="cpu")
    engines._engines["optimized"] = untrained_engines[1].get("optimized")  # reuse the built one
    engine, note = engines.get_or_fallback("onnx")
    assert engine.name == "optimized" and "onnxruntime" in note


def test_default_engine_is_onnx_when_onnxruntime_imports():
    pytest.importorskip("onnxruntime")
    assert eng.default_engine() == "onnx"


def test_network_view_is_the_resized_centre_crop(untrained_engines):
    loaded, _ = untrained_engines
    image = Image.open(get_sample("rocket.jpg").path).convert("RGB")
    view = clf.network_view(loaded, clf.preprocess(loaded, image))
    expected = TF.center_crop(TF.resize(image, 256, antialias=True), 224)
    assert view.size == (224, 224)
    diff = np.abs(np.asarray(view, dtype=int) - np.asarray(expected, dtype=int))
    assert diff.max() <= 1


def test_cam_is_the_exact_decomposition_of_the_logit(untrained_engines):
    loaded, engines = untrained_engines
    x = sample_tensor(loaded)
    logits = engines.get("eager").run(x.unsqueeze(0))[0]
    c = int(logits.argmax())
    heat = cam.class_activation_map(loaded.model, x, c)
    assert heat.shape == (7, 7)
    bias = float(loaded.model.classifier[1].bias[c])
    assert heat.mean() + bias == pytest.approx(float(logits[c]), rel=1e-4, abs=1e-4)
    picture = cam.overlay(clf.network_view(loaded, x), heat)
    assert picture.size == (224, 224)
    assert cam.normalise(np.ones((7, 7))).max() == 0


def test_profile_counts_match_torch_and_the_paper(untrained_engines):
    loaded, _ = untrained_engines
    x = torch.zeros(1, 3, 224, 224)
    with FlopCounterMode(display=False) as counter:
        loaded.model(x)
    profile = layer_timing.profile_layers(loaded.model, x, runs=2)
    macs = sum(p.macs for p in profile)  # each layer's MACs from the architecture table
    assert macs == counter.get_total_flops() // 2  # FLOPs = 2 x MACs, counted by torch
    assert 290e6 < macs < 310e6  # the paper's ~300M mult-adds (Table 3)
    shares = {s.kind: s for s in layer_timing.group_by_kind(profile)}
    assert (shares["depthwise"].layers, shares["pointwise"].layers, shares["other"].layers) == (
        17,
        34,
        2,
    )
    assert shares["depthwise"].mac_share < 0.1 < shares["pointwise"].mac_share
    assert sum(s.time_share for s in shares.values()) == pytest.approx(1)
    assert all(p.ms > 0 for p in profile)
    assert (
        not loaded.model._forward_hooks and not loaded.model._forward_pre_hooks
    )  # shared model untouched


def test_batch_throughput_is_batch_over_median(untrained_engines):
    loaded, engines = untrained_engines
    tensors = [sample_tensor(loaded, n) for n in ("cat.jpg", "coffee.jpg")]
    batch, logits = timing.time_batch(engines.get("onnx"), tensors, runs=2, warmup=1)
    assert logits.shape == (2, 1000)
    assert batch.images_per_s == pytest.approx(2 / (batch.median_ms / 1e3))
    assert timing.achieved_gflops(300_000_000, 1, 0.01) == pytest.approx(60.0)


def test_compare_engines_reports_agreement_and_ratios(untrained_engines):
    loaded, engines = untrained_engines
    rows = {
        r.engine: r
        for r in timing.compare_engines(engines, sample_tensor(loaded), runs=2, warmup=1)
    }
    assert set(rows) == set(eng.ENGINES)
    for (
        r
    ) in rows.values():  # each ratio is this engine's median over ONNX's / eager's over this one's
        assert r.ratio_to_onnx == pytest.approx(r.median_ms / rows["onnx"].median_ms)
        assert r.speedup_vs_eager == pytest.approx(rows["eager"].median_ms / r.median_ms)
        assert r.p90_ms >= r.median_ms > 0
    assert all(
        r.top5_matches_eager and r.max_prob_diff_vs_eager < 1e-3
        for r in rows.values()
        if r.engine != "int8"
    )
    assert rows["int8"].error is None and rows["int8"].median_ms > 0


def test_compare_engines_ratios_from_known_medians(untrained_engines, monkeypatch):
    """With each engine's run times fixed, the ratios are the hand-worked ones."""
    loaded, engines = untrained_engines
    times = {
        "eager": [8.0, 8.0, 9.0],
        "optimized": [4.0, 4.0, 5.0],
        "onnx": [2.0, 2.0, 3.0],
        "int8": [1.0, 1.0, 2.0],
    }
    order = iter(eng.ENGINES)
    real = timing.time_runs
    monkeypatch.setattr(
        timing,
        "time_runs",
        lambda engine, batch, runs, warmup: (times[next(order)], real(engine, batch, 1, 0)[1]),
    )
    rows = {
        r.engine: r
        for r in timing.compare_engines(engines, sample_tensor(loaded), runs=3, warmup=0)
    }
    assert {n: r.median_ms for n, r in rows.items()} == {
        "eager": 8.0,
        "optimized": 4.0,
        "onnx": 2.0,
        "int8": 1.0,
    }
    assert {n: r.ratio_to_onnx for n, r in rows.items()} == {
        "eager": 4.0,
        "optimized": 2.0,
        "onnx": 1.0,
        "int8": 0.5,
    }
    assert {n: r.speedup_vs_eager for n, r in rows.items()} == {
        "eager": 1.0,
        "optimized": 2.0,
        "onnx": 4.0,
        "int8": 8.0,
    }


@pytest.mark.parametrize("slots", [1, 2])
def test_semaphore_queues_concurrent_inferences(monkeypatch, slots):
    """With one slot a second inference waits for the first; with two it runs alongside it."""
    monkeypatch.setattr(serving, "MAX_CONCURRENT", slots)
    monkeypatch.setattr(serving, "_SLOTS", threading.BoundedSemaphore(slots))
    held, release = threading.Event(), threading.Event()

    def hold():
        with serving.inference_slot():
            held.set()
            release.wait(0.5 if slots == 1 else 10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(5)
    with serving.inference_slot() as slot:
        still_held = thread.is_alive()
        release.set()
    thread.join()
    if slots == 1:
        assert slot["queued_ms"] > 300 and not still_held  # waited for the holder to finish
    else:
        assert slot["queued_ms"] < 300 and still_held  # entered while the holder was still inside


def test_results_table_csv_has_one_row_per_image(untrained_engines):
    loaded, engines = untrained_engines
    items = [
        ("cat.jpg", get_sample("cat.jpg").read_bytes()),
        ("bad.png", b"\x89PNG\r\n\x1a\n broken"),
    ]
    report = clf.classify(loaded, engines, items, engine="eager", runs=1, warmup=0)
    csv_text = rows_to_csv(explain.result_rows(report))
    lines = csv_text.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("image,error,top1_label,top1_prob")
    assert lines[1].startswith("cat.jpg,,") and lines[2].startswith("bad.png,")
