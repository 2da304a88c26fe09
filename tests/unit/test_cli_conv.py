"""`python -m mobilenet_viz conv` in a real subprocess: the JSON contract and the error contract."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mobilenet_viz", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_conv_json_contract_on_paper_example():
    r = cli(
        "conv",
        "--input-size",
        "14",
        "--in-channels",
        "512",
        "--out-channels",
        "512",
        "--kernel",
        "3",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {
        "output_size",
        "standard",
        "depthwise",
        "pointwise",
        "separable",
        "ratio",
        "paper_ratio",
    }
    assert out["output_size"] == 14
    assert out["standard"] == {"macs": 462_422_016, "params": 2_359_296}
    assert (
        out["separable"]["macs"]
        == out["depthwise"]["macs"] + out["pointwise"]["macs"]
        == 52_283_392
    )
    assert abs(out["paper_ratio"] - (1 / 512 + 1 / 9)) < 1e-12


def test_conv_alpha_rho_and_stride():
    r = cli(
        "conv",
        "--input-size",
        "14",
        "--in-channels",
        "512",
        "--out-channels",
        "512",
        "--kernel",
        "3",
        "--alpha",
        "0.75",
        "--rho",
        "0.714",
        "--stride",
        "2",
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["output_size"] == 5  # rho: 14 -> 10, stride 2 -> 5
    assert out["paper_ratio"] == 1 / 384 + 1 / 9


def test_conv_human_table():
    r = cli(
        "conv",
        "--input-size",
        "14",
        "--in-channels",
        "512",
        "--out-channels",
        "512",
        "--kernel",
        "3",
    )
    assert r.returncode == 0
    assert "462,422,016" in r.stdout and "8.8x fewer MACs" in r.stdout


def test_impossible_layer_exits_2_with_one_line():
    r = cli(
        "conv",
        "--input-size",
        "5",
        "--in-channels",
        "3",
        "--out-channels",
        "8",
        "--kernel",
        "7",
        "--padding",
        "0",
        "--json",
    )
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.strip().count("\n") == 0
    assert "kernel 7 does not fit a 5x5 input without padding" in r.stderr


def test_bad_arguments_exit_2_without_traceback():
    for args in (
        [
            "conv",
            "--input-size",
            "abc",
            "--in-channels",
            "3",
            "--out-channels",
            "8",
            "--kernel",
            "3",
        ],
        [
            "conv",
            "--input-size",
            "-4",
            "--in-channels",
            "3",
            "--out-channels",
            "8",
            "--kernel",
            "3",
        ],
        ["conv", "--in-channels", "3"],
        ["nonsense"],
    ):
        r = cli(*args)
        assert r.returncode == 2, args
        assert "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
