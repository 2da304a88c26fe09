"""The page's generated PyTorch code and CSV are true: run the code, parse the CSV."""

from __future__ import annotations

import contextlib
import csv
import io

from mobilenet_viz.analytic import formulas
from mobilenet_viz.analytic.costs import ConvConfig, compare


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


# --- issue 12: every word right ------------------------------------------------------------------


def _torch_out(d_f: int, kernel: int, stride: int, padding: int) -> int:
    import torch

    return torch.nn.Conv2d(1, 1, kernel, stride, padding)(torch.zeros(1, 1, d_f, d_f)).shape[-1]


def test_output_size_note_says_understate_when_the_output_grows():
    # kernel 2 with D_K // 2 padding: 14 -> 15; kernel 3 with padding 5: 14 -> 22.
    for cfg, d_o in ((ConvConfig(14, 8, 8, 2), 15), (ConvConfig(14, 8, 8, 3, padding=5), 22)):
        c = compare(cfg)
        assert c.output_size == d_o == _torch_out(14, cfg.kernel, 1, c.padding)
        note = formulas.output_size_note(c)
        assert "understate" in note and "overstate" not in note and f"= {d_o}:" in note


def test_output_size_note_says_overstate_at_stride_2_and_nothing_when_equal():
    c = compare(ConvConfig(14, 8, 8, 3, stride=2))
    assert c.output_size == 7 == _torch_out(14, 3, 2, 1)
    note = formulas.output_size_note(c)
    assert "overstate" in note and "4.00×" in note
    assert formulas.output_size_note(compare(ConvConfig(14, 8, 8, 3))) is None


def test_padding_note_only_for_even_kernels_with_default_padding():
    c = compare(ConvConfig(10, 8, 8, 4))
    assert c.output_size == 11 == _torch_out(10, 4, 1, 2)
    note = formulas.padding_note(c)
    assert "10×10 → 11×11" in note and "3 padded pixels" in note
    assert formulas.padding_note(compare(ConvConfig(10, 8, 8, 3))) is None
    assert formulas.padding_note(compare(ConvConfig(10, 8, 8, 4, padding=1))) is None


def test_image_input_keeps_m_under_alpha_and_the_latex_says_so():
    c = compare(ConvConfig(224, 3, 32, 3, stride=2, alpha=0.25, image_input=True))
    assert (c.in_channels, c.out_channels) == (3, 8)
    assert "image colours, kept" in formulas.multipliers_latex(c)
    # Without the flag alpha thins M too (a feature map's channels).
    assert compare(ConvConfig(224, 3, 32, 3, stride=2, alpha=0.25)).in_channels == 1


def test_impossible_layer_after_rho_names_the_typed_and_the_scaled_size():
    import pytest

    with pytest.raises(ValueError) as info:
        compare(ConvConfig(2, 8, 8, 7, padding=0, rho=0.25))
    message = str(info.value)
    assert "1x1 input" in message and "typed D_F = 2" in message and "0.25" in message


def test_heatmap_cell_labels_are_short_and_readable():
    from mobilenet_viz.figures.separable import saving_heatmap

    heat = saving_heatmap(compare(ConvConfig(14, 512, 512, 3))).data[0]
    assert heat.textfont.size >= 11
    assert max(len(label) for row in heat.text for label in row) <= 4  # "108x", "8.8x"
