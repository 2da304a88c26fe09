"""The Classify page's words follow the numbers the runtime measured: the timing caption's GFLOP/s
and images/s come from the inference median, the batch verdict flips with the throughput, the
depthwise sentence quotes the profile's shares, the results CSV has one row per photo."""

from __future__ import annotations

import csv
import io
import time
from types import SimpleNamespace

import pytest

from mobilenet_viz.explain import classify as text
from mobilenet_viz.tables import rows_to_csv


def _pred(label: str, prob: float, index: int = 0):
    return SimpleNamespace(label=label, prob=prob, index=index)


def _result(name="cat.jpg", *, top=None, error=None, reused=False, notes=(), median=12.34):
    timing = {
        "decode": 3.0,
        "preprocess": 2.0,
        "inference_median": median,
        "inference_p90": 150.0,
        "postprocess": 0.04,
    }
    return SimpleNamespace(
        name=name,
        top=top if top is not None or error else [_pred("tabby", 0.4567, 281), _pred("lynx", 0.1)],
        error=error,
        reused=reused,
        notes=notes,
        size=(640, 480),
        measured_at=time.mktime((2026, 12, 3, 9, 5, 7, 0, 0, -1)),
        timing_ms={} if error else timing,
    )


def _report(results, *, median=12.5, runs=5, threads=1):
    return SimpleNamespace(
        engine="onnx",
        device="cpu",
        threads=threads,
        runs=runs,
        warmup=1,
        queued_ms=42.4,
        results=results,
        timing_ms={
            "decode": 3.0,
            "preprocess": 2.0,
            "inference_median": median,
            "inference_p90": 14.0,
            "postprocess": 0.04,
        },
    )


def test_durations_keep_one_decimal_under_100_ms_and_say_when_not_measured():
    assert text.ms(12.34) == "12.3 ms" and text.ms(150.4) == "150 ms" and text.ms(None) == "n/a"


def test_an_upload_named_like_a_sample_is_told_apart_and_a_file_added_twice_is_one_item():
    items = text.named_items(
        [("cat.jpg", b"sample cat")],
        [
            ("cat.jpg", b"my coffee"),
            ("cat.jpg", b"another"),
            ("mine.jpg", b"x"),
            ("mine.jpg", b"x"),  # the same file again
            ("cat.jpg", b"sample cat"),  # the sample itself, uploaded
        ],
        b"camera bytes",
    )
    assert items == [
        ("cat.jpg", b"sample cat"),
        ("cat.jpg (upload)", b"my coffee"),
        ("cat.jpg (upload 2)", b"another"),
        ("mine.jpg", b"x"),
        ("camera photo", b"camera bytes"),
    ]
    assert text.named_items([], [], None) == []


def test_runs_are_capped_so_all_images_stay_under_the_pass_budget_and_the_caption_says_why():
    assert text.timed_runs(100, 6, 60) == 10 and text.timed_runs(5, 6, 60) == 5
    assert text.timed_runs(100, 24, 10) == 1  # at least one run
    said = text.runs_caption(6, 10, 100, 60)
    assert said.startswith("6 images: timing 10 runs per image instead of 100")
    assert "under 60 timed passes" in said
    assert text.runs_caption(1, 5, 5, 60) is None


def test_card_title_says_the_top_class_and_that_an_untrained_guess_is_meaningless():
    r = _result()
    assert text.card_title("cat.jpg", r, pretrained=True) == "cat.jpg: tabby (45.7%)"
    assert text.card_title("cat.jpg", r, pretrained=False).endswith(
        "(45.7%) · untrained model, meaningless"
    )
    assert text.card_note(r) is None
    rotated = _result(notes=("rotated per EXIF", "CMYK converted to RGB"))
    assert text.card_note(rotated) == "Note: rotated per EXIF; CMYK converted to RGB"


def test_card_caption_quotes_this_photos_timing_and_says_when_a_kept_result_was_timed():
    fresh = text.card_caption(_result(), cam=True)
    assert fresh.startswith("Your photo (640×480) → the 224×224 crop the network saw → where it")
    assert "looked for 'tabby' (CAM" in fresh
    assert fresh.endswith("Inference median 12.3 ms, p90 150 ms.")
    kept = text.card_caption(_result(reused=True), cam=False)
    assert "CAM" not in kept and kept.endswith("p90 150 ms · timed at 09:05:07.")


def test_timing_metrics_and_the_median_help_count_the_runs_of_classified_photos_only():
    report = _report([_result(), _result("b.jpg"), _result("bad.png", error="not an image")])
    metrics = {m.label: m for m in text.timing_metrics(report)}
    assert list(metrics) == [
        "Decode",
        "Preprocess",
        "Inference (median)",
        "Inference p90",
        "Postprocess",
    ]
    assert metrics["Inference (median)"].value == "12.5 ms"
    assert metrics["Inference (median)"].help == (
        "5 timed runs per image after 1 warm-up runs; median over all 10 runs"
    )
    assert metrics["Postprocess"].value == "0.0 ms"


def test_timing_caption_derives_images_per_second_from_the_measured_median():
    def caption(median: float, threads: int = 1) -> str:
        return text.timing_caption(
            _report([_result()], median=median, threads=threads),
            engine="ONNX Runtime",
            macs=300_774_272,
            gflops=2 * 300_774_272 / (median / 1e3) / 1e9,
            slots=2,
            fmt=lambda n: f"{n / 1e6:.1f}M",
        )

    fast = caption(5.0)
    assert "Engine **ONNX Runtime** on cpu, 1 thread · waited 42 ms" in fast
    assert "(at most 2 at once)" in fast
    assert "**120.3 GFLOP/s** = 2 × 300.8M MACs ÷ 5.0 ms" in fast
    assert fast.endswith("· 200 images/s at batch 1.")
    slow = caption(40.0, threads=4)
    assert "4 threads" in slow and "**15.0 GFLOP/s**" in slow and "25 images/s" in slow


def test_reused_caption_counts_kept_results_among_the_classified_photos():
    report = _report([_result(reused=True), _result("b.jpg"), _result("x", error="broken")])
    assert text.reused_caption(report) == (
        "1 of 2 images were timed earlier in this session with the same settings and are not run "
        "again."
    )
    assert text.reused_caption(_report([_result()])) is None


def _comparison(engine, title, median, *, error=None):
    return SimpleNamespace(
        engine=engine,
        title=title,
        median_ms=median,
        p90_ms=None if median is None else median * 1.1,
        ratio_to_onnx=None if median is None else median / 4.0,
        speedup_vs_eager=None if median is None else 10.0 / median,
        top5_matches_eager=None if median is None else True,
        max_prob_diff_vs_eager=None if median is None else 1e-6,
        build_s=0.5,
        error=error,
    )


def test_engine_table_rows_and_the_error_column_only_when_an_engine_failed():
    ok = [_comparison("eager", "eager PyTorch", 10.0), _comparison("onnx", "ONNX Runtime", 4.0)]
    rows = text.engine_rows(ok)
    assert rows[1]["engine"] == "ONNX Runtime" and rows[1]["speed-up vs eager"] == 2.5
    assert rows[1]["× ONNX Runtime"] == 1.0 and rows[0]["error"] == ""
    assert text.engine_columns(ok) == text.ENGINE_COLUMNS and "error" not in text.ENGINE_COLUMNS
    assert set(text.ENGINE_COLUMNS) <= set(rows[0]) and set(text.ENGINE_FORMATS) <= set(rows[0])
    failed = [*ok, _comparison("int8", "int8", None, error="onnxruntime missing")]
    assert text.engine_columns(failed)[-1] == "error"
    assert text.engine_rows(failed)[-1]["error"] == "onnxruntime missing"
    said = text.engine_caption("cat.jpg", 7)
    assert said.startswith("Same input (cat.jpg), batch 1, 7 timed runs each")


def test_profile_sentence_quotes_the_depthwise_shares_it_was_given():
    def shares(mac_share: float, time_share: float):
        return [
            SimpleNamespace(kind="pointwise", layers=35, mac_share=0.9, time_share=0.5),
            SimpleNamespace(
                kind="depthwise", layers=17, mac_share=mac_share, time_share=time_share
            ),
        ]

    said = text.profile_text(shares(0.0312, 0.2875), threads=1)
    assert said.startswith("The 17 depthwise convolutions do **3.1% of the MACs** but take ")
    assert "**28.7% of the time**" in said and "1 thread:" in said
    other = text.profile_text(shares(0.05, 0.4), threads=8)
    assert "**5.0% of the MACs**" in other and "**40.0% of the time**" in other
    assert "8 threads:" in other


@pytest.mark.parametrize(
    "per_s, verdict", [(200.0, "+100% vs batch 1 (2.00×)"), (50.0, "-50% vs batch 1 (0.50×)")]
)
def test_batch_verdict_flips_when_the_batch_is_slower_than_batch_1(per_s, verdict):
    timing = SimpleNamespace(batch_size=4, median_ms=4000 / per_s, images_per_s=per_s)
    metrics = {m.label: m for m in text.batch_metrics(timing, batch1_ms=10.0)}  # 100 images/s
    assert metrics["Batch size"].value == 4
    assert metrics["Batch latency (median)"].value == text.ms(4000 / per_s)
    assert metrics["Throughput"].value == f"{per_s:.0f} images/s"
    assert metrics["Throughput"].delta == verdict
    assert "Batch 4: 4 ÷ the batch latency" in metrics["Throughput"].help
    assert "the inference median above (10.0 ms)" in metrics["Throughput"].help


def test_a_batch_of_one_says_its_difference_from_batch_1_is_load_not_batching():
    one = SimpleNamespace(batch_size=1, median_ms=5.0, images_per_s=200.0)
    (*_, throughput) = text.batch_metrics(one, batch1_ms=10.0)
    assert throughput.delta == "+100% vs batch 1 (2.00×)"
    assert "the difference is the load on the server, not batching" in throughput.help
    four = SimpleNamespace(batch_size=4, median_ms=20.0, images_per_s=200.0)
    assert "load on the server" not in text.batch_metrics(four, batch1_ms=10.0)[-1].help


def test_results_csv_has_a_header_and_one_row_per_photo_errors_included():
    top = [_pred(f"class {k}", 0.5 / (k + 1)) for k in range(3)]
    report = _report([_result(top=top), _result("bad.png", error="not an image (looks like text)")])
    rows = list(csv.reader(io.StringIO(rows_to_csv(text.result_rows(report)))))
    header = rows[0]
    assert header[:4] == ["image", "error", "top1_label", "top1_prob"]
    assert "top5_prob" in header and header[-1] == "engine"
    assert "inference_median_ms" in header and "inference_p90_ms" in header
    cat, bad = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert len(rows) == 3
    assert cat["image"] == "cat.jpg" and cat["top2_label"] == "class 1"
    assert cat["top2_prob"] == "0.25" and cat["top4_label"] == "" and cat["top4_prob"] == ""
    assert cat["inference_median_ms"] == "12.34" and cat["engine"] == "onnx"
    assert bad["error"] == "not an image (looks like text)" and bad["top1_label"] == ""


def test_the_intro_quotes_the_papers_table_4_not_torchvisions_count():
    from mobilenet_viz.analytic.published import at_setting

    paper = next(p for p in at_setting("v2", 1.0, 224) if "Table 4" in p.source)
    assert f"{paper.params_m}M parameters and {paper.macs_m:.0f}M multiply-adds" in text.INTRO
    assert "Table 4" in text.INTRO


def test_an_upload_named_camera_photo_is_told_apart_from_the_camera():
    items = text.named_items([], [("camera photo", b"upload")], b"camera")
    assert items == [("camera photo", b"upload"), ("camera photo 2", b"camera")]
    assert len(dict(items)) == 2  # the page looks photos up by name
