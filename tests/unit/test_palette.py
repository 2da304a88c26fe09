"""One colour per concept: every figure module takes its colours from figures/palette.py, and a
depthwise conv (a pointwise conv, a standard conv) has the same colour in every figure that draws it."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.figures import architectures, classify, filters, palette, quantization, separable
from mobilenet_viz.runtime.layer_timing import KindShare
from mobilenet_viz.runtime.quantization import ChannelRanges
from tests.conftest import ROOT

FIGURES = ROOT / "mobilenet_viz" / "figures"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|rgba?\(\s*\d")


def colour_literals(path) -> list[str]:
    """'line: text' of every string constant in ``path`` that writes a colour (hex or rgb())."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{node.lineno}: {node.value}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and COLOUR.search(node.value)
    ]


def test_no_figure_module_writes_a_colour_of_its_own():
    modules = [p for p in sorted(FIGURES.glob("*.py")) if p.name != "palette.py"]
    assert len(modules) >= 9
    found = {p.name: colour_literals(p) for p in modules}
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert len(colour_literals(FIGURES / "palette.py")) > 30  # the scan sees the palette's own


def test_the_scan_finds_a_colour_in_a_plain_string_or_a_dot_graph(tmp_path):
    path = tmp_path / "fig.py"
    path.write_text('A = "#e45756"\nB = \'edge [color="#64748b"]\'\nC = "rgba(0, 0, 0, 0)"\n')
    assert [line.split(":")[0] for line in colour_literals(path)] == ["1", "2", "3"]


def test_layer_types_and_activations_have_distinct_colours():
    """The block page draws layer types and activations together: no colour may mean both."""
    colours = [*palette.LAYER_TYPES.values(), palette.RESIDUAL, *palette.ACTIVATIONS.values()]
    assert len(set(colours)) == len(colours)
    assert not set(palette.SERIES) & set(palette.LAYER_TYPES.values())


def segment_colour(markup: str, name: str) -> str:
    """The colour of the light chart's bar segment called ``name`` (html_charts markup)."""
    m = re.search(rf'background:([^"]+)" title="{re.escape(name)}: ', markup)
    assert m, name
    return m.group(1)


def colour_of(fig, name: str) -> str:
    trace = next(t for t in fig.data if t.name == name)
    return trace.marker.color if hasattr(trace, "marker") and trace.marker.color else trace.color


@pytest.mark.parametrize(
    ("kind", "colour"),
    [("depthwise", palette.DEPTHWISE), ("pointwise", palette.POINTWISE)],
)
def test_a_layer_type_has_one_colour_in_every_figure(kind, colour):
    comparison = compare(ConvConfig(input_size=56, in_channels=32, out_channels=64))
    seen = {}
    seen["separable cost split"] = segment_colour(
        separable.cost_split(comparison), "depthwise" if kind == "depthwise" else "pointwise (1×1)"
    )
    arch = build("v2")
    table_name = "depthwise" if kind == "depthwise" else "pointwise/1x1"
    seen["architecture breakdown"] = next(
        t.marker.color
        for t in architectures.v1_v2_bars(build("v1"), arch).data
        if t.name == table_name
    )
    share = KindShare(kind, 17, 1, 1.0, 0.5, 0.5)
    seen["classify time shares"] = classify.kind_shares([share]).data[1].marker.color[0]
    seen["3D tensors"] = colour_of(
        filters.tensors_3d_figure(input_size=16, in_channels=3, out_channels=4, kernel=3),
        f"{kind} filters",
    )
    ranges = ChannelRanges("features.2.conv.1.0", kind, np.array([0.5, 1.0]), 40.0, 45.0)
    seen["int8 channel ranges"] = quantization.channel_ranges(ranges).data[0].marker.color
    assert seen == dict.fromkeys(seen, colour)


def test_the_standard_conv_and_the_residual_keep_their_colours():
    comparison = compare(ConvConfig(input_size=56, in_channels=32, out_channels=64))
    assert segment_colour(separable.cost_split(comparison), "standard conv") == palette.STANDARD
    assert (
        colour_of(
            filters.tensors_3d_figure(input_size=16, in_channels=3, out_channels=4, kernel=3),
            "standard filters",
        )
        == palette.STANDARD
    )
    dot = architectures.network_dot(build("v2"))
    assert f'style=dashed, color="{palette.RESIDUAL}"' in dot
