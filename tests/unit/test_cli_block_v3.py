"""`python -m mobilenet_viz block --v3` (a MobileNetV3 bneck) and `weights --model v3-large`."""

from __future__ import annotations

import json
from functools import partial

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.mobilenetv3 import InvertedResidual, InvertedResidualConfig

from mobilenet_viz.cli import main

BLOCK_13 = [
    "--input-size",
    "14",
    "--in-channels",
    "112",
    "--expanded-channels",
    "672",
    "--out-channels",
    "160",
    "--kernel",
    "5",
    "--stride",
    "2",
    "--se",
    "--activation",
    "HS",
]


def run_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    status = main(["block", "--v3", *args, "--json"])
    captured = capsys.readouterr()
    return status, (json.loads(captured.out) if captured.out else None), captured.err


def test_v3_contract_equals_torchvision(capsys):
    status, result, _ = run_json(capsys, *BLOCK_13)
    assert status == 0 and result["kind"] == "v3_bneck" and result["activation"] == "h-swish"
    names = [s["name"] for s in result["stages"]]
    assert names == [
        "expand",
        "depthwise",
        "SE pool",
        "SE reduce",
        "SE expand",
        "SE scale",
        "project",
    ]
    shapes = {s["name"]: s["output_shape"] for s in result["stages"]}
    assert (
        shapes["SE pool"] == [672, 1, 1]
        and shapes["SE reduce"] == [168, 1, 1]
        and shapes["project"] == [160, 7, 7]
    )
    block = InvertedResidual(
        InvertedResidualConfig(112, 5, 672, 160, True, "HS", 2, 1, 1.0),
        partial(nn.BatchNorm2d, eps=0.001, momentum=0.01),
    ).eval()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        block(torch.randn(1, 112, 14, 14))
    assert (
        result["macs"] == counter.get_total_flops() // 2 == sum(s["macs"] for s in result["stages"])
    )
    assert result["params"] == sum(p.numel() for p in block.parameters())
    se = result["se"]
    assert se["squeeze_channels"] == 168 and se["macs"] == 2 * 672 * 168
    assert se["params"] == sum(p.numel() for p in block.block[2].parameters())
    assert se["scale_multiplies"] == 672 * 7 * 7
    assert result["residual"] is False


def test_expansion_factor_and_no_se(capsys):
    status, result, _ = run_json(
        capsys,
        "--input-size",
        "56",
        "--in-channels",
        "24",
        "--expansion",
        "3",
        "--out-channels",
        "24",
    )
    assert status == 0 and result["expanded_channels"] == 72 and result["se"] is None
    assert result["residual"] is True and result["activation"] == "ReLU"


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--input-size", "14", "--in-channels", "16", "--out-channels", "16"], "exactly one"),
        (
            [
                "--input-size",
                "14",
                "--in-channels",
                "16",
                "--out-channels",
                "16",
                "--expanded-channels",
                "64",
                "--kernel",
                "4",
            ],
            "kernel",
        ),
        (
            [
                "--input-size",
                "14",
                "--in-channels",
                "16",
                "--out-channels",
                "16",
                "--expanded-channels",
                "0",
            ],
            "expanded channels",
        ),
    ],
)
def test_v3_user_errors_exit_2_with_one_line(capsys, args, word):
    status, result, err = run_json(capsys, *args)
    assert status == 2 and result is None
    assert err.count("\n") == 1 and word in err


def test_v3_options_without_v3_are_refused(capsys):
    status = main(
        [
            "block",
            "--input-size",
            "14",
            "--in-channels",
            "16",
            "--expansion",
            "4",
            "--out-channels",
            "16",
            "--se",
            "--json",
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "--v3" in err and err.count("\n") == 1


def test_v3_human_output(capsys):
    assert main(["block", "--v3", *BLOCK_13]) == 0
    out = capsys.readouterr().out
    assert "SE (672 -> 168 -> 672)" in out and "21,069,216" in out and "h-sigmoid" in out


def test_weights_where_for_v3(capsys, offline, monkeypatch):
    monkeypatch.setenv("MOBILENET_VIZ_V3_WEIGHTS", str(offline / "none.pth"))
    assert main(["weights", "where", "--model", "v3-large", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["env_var"] == "MOBILENET_VIZ_V3_WEIGHTS" and result["model"] == "v3-large"
    assert "mobilenet_v3_large-" in result["download_url"]
