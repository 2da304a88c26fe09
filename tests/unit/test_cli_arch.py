"""`python -m mobilenet_viz arch ...`: DESIGN.md's JSON contract, readable output, user errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.cli import main
from tests.conftest import ROOT


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_json_contract_v2(capsys):
    status, out, err = run_cli(capsys, "arch", "v2", "--json")
    assert status == 0 and err == ""
    result = json.loads(out)
    assert result["params"] == 3_504_872
    assert result["macs"] == build("v2").macs
    for layer in result["layers"]:
        assert {"name", "operator", "input_shape", "output_shape", "macs", "params"} <= layer.keys()
        assert len(layer["input_shape"]) == len(layer["output_shape"]) == 3
    assert result["layers"][0]["input_shape"] == [3, 224, 224]
    assert result["layers"][-1]["output_shape"] == [1000, 1, 1]
    assert sum(layer["macs"] for layer in result["layers"]) == result["macs"]
    assert sum(layer["params"] for layer in result["layers"]) == result["params"]


def test_options_change_the_result(capsys):
    _, out, _ = run_cli(
        capsys,
        "arch",
        "v1",
        "--alpha",
        "0.5",
        "--resolution",
        "160",
        "--num-classes",
        "10",
        "--json",
    )
    result = json.loads(out)
    expected = build("v1", 0.5, 160, 10)
    assert (result["macs"], result["params"]) == (expected.macs, expected.params)
    assert result["layers"][0]["output_shape"] == [16, 80, 80]
    assert result["layers"][-1]["output_shape"] == [10, 1, 1]


def test_readable_table_without_json(capsys):
    status, out, _ = run_cli(capsys, "arch", "v3-small")
    assert status == 0
    assert "bneck 1 · SE" in out and "total" in out
    assert f"{build('v3-small').macs:,}" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["arch", "v2", "--resolution", "8"], "resolution"),
        (["arch", "v2", "--resolution", "abc"], "whole number"),
        (["arch", "v2", "--alpha", "0"], "alpha"),
        (["arch", "v2", "--alpha", "inf"], "alpha"),
        (["arch", "v5"], "invalid choice"),
        (["arch", "v1", "--num-classes", "0"], "classes"),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, argv, needle):
    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_real_process_prints_one_json_object():
    proc = subprocess.run(
        [sys.executable, "-m", "mobilenet_viz", "arch", "v3-large", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["params"] == 5_483_032
