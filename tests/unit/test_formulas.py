"""The page's generated PyTorch code and CSV are true: run the code, parse the CSV."""

from __future__ import annotations

import contextlib
import csv
import io

from mobilenet_viz import formulas
from mobilenet_viz.costs import ConvConfig, compare


def test_generated_pytorch_code_runs_and_prints_the_engines_numbers():
    c = compare(ConvConfig(20, 12, 24, 5, stride=2, alpha=0.5))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(formulas.pytorch_code(c, groups=6), {})  # noqa: S102 - our own generated code
    lines = out.getvalue().splitlines()
    assert lines[0] == "torch.Size([1, 12, 10, 10]) torch.Size([1, 12, 10, 10])"
    assert lines[1] == f"{c.standard.params} {c.separable.params}"


def test_cost_table_csv_rows():
    c = compare(ConvConfig(14, 512, 512, 3))
    rows = list(csv.DictReader(io.StringIO(formulas.cost_table_csv(c, groups=512))))
    by_name = {r["layer"]: r for r in rows}
    assert int(by_name["standard"]["macs"]) == 462_422_016
    assert int(by_name["standard"]["flops"]) == 2 * 462_422_016
    assert int(by_name["grouped (g=512)"]["macs"]) == c.depthwise.macs
    assert by_name["separable (depthwise + pointwise)"]["output_shape"] == "512x14x14"


def test_latex_shows_output_size_when_stride_changes_it():
    c = compare(ConvConfig(112, 32, 64, 3, stride=2))
    assert "D_O" in formulas.standard_latex(c)[0]
    assert "56" in formulas.standard_latex(c)[1]
    assert formulas.multipliers_latex(c) is None
    assert r"\to 16" in formulas.multipliers_latex(compare(ConvConfig(112, 32, 64, alpha=0.5)))
