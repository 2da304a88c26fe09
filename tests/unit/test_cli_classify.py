"""`python -m mobilenet_viz classify` and `weights`: DESIGN.md's JSON contract and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from torchvision.models import mobilenet_v2

from mobilenet_viz.cli import main
from mobilenet_viz.inputs.samples import get_sample
from mobilenet_viz.runtime import weights as w
from tests.conftest import ROOT

CAT_CLASSES = {281, 282, 283, 284, 285}


def run_cli(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.weights
@pytest.mark.slow  # a fresh subprocess or 30 writers: left out of the fast subset
def test_real_photos_classified_through_the_cli(test_weights_path, test_photos_dir):
    photos = [str(test_photos_dir / n) for n in ("cat.jpg", "dragonfly.jpg", "bird.jpg")]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mobilenet_viz",
            "classify",
            *photos,
            "--weights",
            str(test_weights_path),
            "--preprocessing",
            "IMAGENET1K_V1",
            "--runs",
            "2",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MOBILENET_VIZ_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["weights"] == {
        "source": "file",
        "name": test_weights_path.name,
        "pretrained": True,
    }
    assert result["engine"] in ("onnx", "optimized")
    assert set(result["timing_ms"]) == {
        "decode",
        "preprocess",
        "inference_median",
        "inference_p90",
        "postprocess",
    }
    tops = [r["top"] for r in result["results"]]
    assert [r["image"] for r in result["results"]] == photos and all(
        r["error"] is None for r in result["results"]
    )
    assert tops[0][0]["index"] in CAT_CLASSES
    assert (tops[1][0]["label"], tops[2][0]["label"]) == ("dragonfly", "chickadee")
    assert all(len(t) == 5 and set(t[0]) == {"index", "label", "prob"} for t in tops)
    assert tops[2][0]["prob"] > 0.5


def test_bad_images_get_errors_and_the_rest_still_run(offline, capsys, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    status, out, err = run_cli(
        capsys,
        "classify",
        str(get_sample("coffee.jpg").path),
        str(text),
        str(tmp_path / "missing.jpg"),
        "--engine",
        "eager",
        "--runs",
        "1",
        "--top",
        "3",
        "--json",
    )
    assert status == 1
    result = json.loads(out)
    assert result["weights"]["source"] == "untrained" and result["weights"]["pretrained"] is False
    errors = [r["error"] for r in result["results"]]
    assert errors == [None, "not an image (looks like text)", "file not found"]
    assert len(result["results"][0]["top"]) == 3 and result["results"][1]["top"] is None
    assert w.UNTRAINED_LABEL in err  # the fallback is never silent


def test_human_output_lists_classes_and_timing(offline, capsys):
    status, out, _ = run_cli(
        capsys, "classify", str(get_sample("cat.jpg").path), "--engine", "eager", "--runs", "1"
    )
    assert status == 0
    assert "UNTRAINED" in out and "inference median" in out and out.count("%") == 5


def test_unusable_weights_file_exits_2_with_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"garbage" * 10)
    status, out, err = run_cli(
        capsys, "classify", str(get_sample("cat.jpg").path), "--weights", str(bad)
    )
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "not a PyTorch weights file" in err
    with pytest.raises(SystemExit) as exc:
        main(["classify", "x.jpg", "--runs", "0"])
    assert exc.value.code == 2


def test_weights_check_where_and_offline_download(offline, capsys, tmp_path):
    good = tmp_path / "ok.pth"
    torch.manual_seed(0)
    torch.save(mobilenet_v2().state_dict(), good)
    status, out, _ = run_cli(capsys, "weights", "check", str(good), "--json")
    result = json.loads(out)
    assert (
        status == 0 and result["ok"] and result["tensors"] == 314 and result["params"] == 3_504_872
    )
    ts = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), ts)
    status, out, _ = run_cli(capsys, "weights", "check", str(ts), "--json")
    assert status == 1 and "TorchScript" in json.loads(out)["error"]

    status, out, _ = run_cli(capsys, "weights", "where", "--json")
    where = json.loads(out)
    assert status == 0 and where["order"] == ["env", "cache", "download", "untrained"]
    assert where["hub_checkpoints"] == str(offline / "torch" / "hub" / "checkpoints")

    status, out, err = run_cli(capsys, "weights", "download")
    assert status == 2 and out == "" and "could not download http://127.0.0.1:" in err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("off", False),
        ("0", False),
        ("", False),
        ("no", False),
        ("1", True),
        ("ON", True),
        ("true", True),
    ],
)
def test_weights_where_and_the_loader_read_offline_the_same_way(
    offline, capsys, monkeypatch, value, expected
):
    """`weights where` said offline for MOBILENET_VIZ_OFFLINE=off while the loader still downloaded."""
    monkeypatch.setenv(w.ENV_OFFLINE, value)
    _, out, _ = run_cli(capsys, "weights", "where", "--json")
    assert json.loads(out)["offline"] is expected
    loaded = w.load_mobilenet_v2()  # the offline fixture refuses the download: the message says why
    assert (f"${w.ENV_OFFLINE} is set" in loaded.message) is expected
    assert ("could not download" in loaded.message) is not expected


def test_parser_constants_match_the_library_and_building_it_skips_torch():
    from mobilenet_viz.commands import classify as cmd
    from mobilenet_viz.runtime import engines, timing

    assert cmd.ENGINES == engines.ENGINES and cmd.MAX_RUNS == timing.MAX_RUNS
    assert cmd.PREPROCESSINGS == w.PREPROCESSINGS
    code = (
        "import sys; from mobilenet_viz.cli import build_parser, _available_commands; "
        "build_parser(_available_commands()); print('torch' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip() == "False", proc.stderr
