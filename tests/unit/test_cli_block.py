"""`python -m mobilenet_viz block` follows DESIGN.md's JSON contract."""

from __future__ import annotations

import json

import pytest

from mobilenet_viz.cli import main


def run_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    status = main(["block", *args, "--json"])
    captured = capsys.readouterr()
    return status, (json.loads(captured.out) if captured.out else None), captured.err


def test_contract_keys_and_values(capsys):
    status, result, _ = run_json(
        capsys,
        "--input-size",
        "56",
        "--in-channels",
        "24",
        "--expansion",
        "6",
        "--out-channels",
        "24",
    )
    assert status == 0
    assert result["residual"] is True
    assert [s["name"] for s in result["stages"]] == ["expand", "depthwise", "project"]
    assert [s["output_shape"] for s in result["stages"]] == [
        [144, 56, 56],
        [144, 56, 56],
        [24, 56, 56],
    ]
    assert result["stages"][0]["input_shape"] == [24, 56, 56]
    assert (
        result["macs"]
        == 56 * 56 * 24 * 6 * (24 + 9 + 24)
        == sum(s["macs"] for s in result["stages"])
    )
    assert result["params"] == sum(s["params"] for s in result["stages"])
    assert result["peak_activation_bytes"] == (144 * 2 + 24) * 56 * 56 * 4


def test_stride_two_and_t1(capsys):
    status, result, _ = run_json(
        capsys,
        "--input-size",
        "112",
        "--in-channels",
        "32",
        "--expansion",
        "1",
        "--out-channels",
        "16",
        "--stride",
        "2",
    )
    assert status == 0 and result["residual"] is False
    assert [s["name"] for s in result["stages"]] == ["depthwise", "project"]
    assert result["stages"][-1]["output_shape"] == [16, 56, 56]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--stride", "3"], "stride"),
        (["--kernel", "4"], "kernel"),
        (["--in-channels", "0"], "in channels"),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, args, word):
    base = {"--input-size": "56", "--in-channels": "24", "--expansion": "6", "--out-channels": "24"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    status, result, err = run_json(capsys, *[x for kv in base.items() for x in kv])
    assert status == 2 and result is None
    assert err.count("\n") == 1 and word in err


def test_human_output(capsys):
    assert (
        main(
            [
                "block",
                "--input-size",
                "14",
                "--in-channels",
                "64",
                "--expansion",
                "6",
                "--out-channels",
                "96",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "No residual" in out and "project" in out and "12,719,616" in out


def test_bad_number_exits_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "block",
                "--input-size",
                "big",
                "--in-channels",
                "64",
                "--expansion",
                "6",
                "--out-channels",
                "96",
                "--json",
            ]
        )
    captured = capsys.readouterr()
    assert exc.value.code == 2 and captured.out == ""
    assert (
        captured.err.count("\n") == 1
        and "--input-size" in captured.err
        and "Traceback" not in captured.err
    )


def test_streaming_uses_a_few_channel_groups_not_the_expansion_factor(capsys):
    status, result, _ = run_json(
        capsys,
        "--input-size",
        "56",
        "--in-channels",
        "24",
        "--expansion",
        "6",
        "--out-channels",
        "24",
    )
    assert (
        status == 0 and result["streaming_splits"] == 4
    )  # section 5.1: "a small constant between 2 and 5"
    x = y = 24 * 56 * 56
    assert result["streaming_peak_activation_bytes"] == (x + y + 144 // 4 * 2 * 56 * 56) * 4
    assert (
        main(
            [
                "block",
                "--input-size",
                "56",
                "--in-channels",
                "24",
                "--expansion",
                "6",
                "--out-channels",
                "24",
            ]
        )
        == 0
    )
    assert "streaming (section 5.1, 4 channel groups)" in capsys.readouterr().out
