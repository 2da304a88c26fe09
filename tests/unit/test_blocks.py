"""The block library against torchvision's real modules and the paper's numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.mobilenetv2 import InvertedResidual, mobilenet_v2
from torchvision.models.resnet import Bottleneck

from mobilenet_viz.analytic.blocks import (
    DEFAULT_SPLITS,
    BlockConfig,
    block_channels,
    compare_blocks,
    expansion_sweep,
    inverted_residual,
    mobilenet_v2_presets,
    resnet_bottleneck,
    separable_block,
    stage_rows,
)


def measure(module: nn.Module, shape: tuple[int, int, int], convs: list[nn.Module]):
    """(conv output shapes in order, MACs by FlopCounterMode / 2, params by numel, output shape)."""
    shapes = []
    handles = [
        m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
        for m in convs
    ]
    module.eval()
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        out = module(torch.randn(1, *shape))
    for h in handles:
        h.remove()
    params = sum(p.numel() for p in module.parameters())
    return shapes, counter.get_total_flops() // 2, params, tuple(out.shape[1:])


def convs_of(module: nn.Module) -> list[nn.Conv2d]:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)]


configs = st.builds(
    BlockConfig,
    input_size=st.integers(1, 20),
    in_channels=st.integers(1, 24),
    expansion=st.integers(1, 6),
    out_channels=st.integers(1, 24),
    stride=st.sampled_from([1, 2]),
)


@settings(max_examples=25, deadline=None)
@given(configs)
def test_inverted_residual_matches_torchvision(config):
    cost = inverted_residual(config)
    block = InvertedResidual(
        config.in_channels, config.out_channels, config.stride, config.expansion
    )
    shapes, macs, params, out = measure(block, cost.input_shape, convs_of(block))
    assert [s.output_shape for s in cost.stages] == shapes
    assert cost.macs == macs
    assert cost.params == params
    assert cost.output_shape == out
    assert cost.residual == block.use_res_connect
    assert len(cost.stages) == len(block.conv) - 1  # t = 1 has no expand conv


@settings(max_examples=10, deadline=None)
@given(configs, st.sampled_from([0.35, 0.5, 0.75, 1.3]))
def test_width_multiplier_rounds_like_torchvision(config, alpha):
    config = replace(config, alpha=alpha)
    k, _, k2 = block_channels(config)
    net = mobilenet_v2(
        width_mult=alpha,
        inverted_residual_setting=[
            [1, config.in_channels, 1, 1],
            [config.expansion, config.out_channels, 1, config.stride],
        ],
    )
    block = net.features[2]
    cost = inverted_residual(replace(config, input_size=8))
    assert (k, k2) == (block.conv[0][0].in_channels, block.out_channels)
    assert cost.params == sum(p.numel() for p in block.parameters())


@pytest.mark.parametrize("preset", mobilenet_v2_presets(), ids=lambda p: f"block{p.number}")
def test_presets_are_torchvisions_17_blocks(preset, _v2_shapes):
    features, inputs = _v2_shapes
    block = features[preset.number]
    cost = inverted_residual(preset.config)
    assert cost.input_shape == inputs[preset.number]
    assert cost.params == sum(p.numel() for p in block.parameters())
    assert cost.residual == block.use_res_connect


@pytest.fixture(scope="module")
def _v2_shapes():
    net = mobilenet_v2().eval()
    inputs = {}
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        for i, layer in enumerate(net.features[:18]):
            inputs[i] = tuple(x.shape[1:])
            x = layer(x)
    return net.features, inputs


def test_seventeen_presets_total_body_macs(_v2_shapes):
    """The 17 presets' MACs, block by block and in total, are what torch counts running
    torchvision's MobileNetV2 body (features[1..17]) on its 112x112x32 input."""
    presets = mobilenet_v2_presets()
    assert len(presets) == 17
    assert [p.config.stride for p in presets].count(2) == 4
    assert presets[-1].config.input_size == 7 and presets[-1].config.out_channels == 320
    features, inputs = _v2_shapes
    per_block = []
    for preset in presets:
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            features[preset.number](torch.randn(1, *inputs[preset.number]))
        per_block.append(counter.get_total_flops() // 2)
    assert [inverted_residual(p.config).macs for p in presets] == per_block
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        features[1:18](torch.randn(1, *inputs[1]))
    assert sum(inverted_residual(p.config).macs for p in presets) == counter.get_total_flops() // 2


@settings(max_examples=15, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 40),
    st.integers(2, 10),
    st.integers(1, 40),
    st.sampled_from([1, 3, 5]),
)
def test_paper_formula_at_stride_one(h, d1, t, d2, kernel):
    cost = inverted_residual(BlockConfig(h, d1, t, d2, 1, kernel))
    assert cost.macs == h * h * d1 * t * (d1 + kernel**2 + d2) == cost.paper_formula_macs


def test_t1_has_no_expand_and_costs_less_than_formula():
    cost = inverted_residual(BlockConfig(112, 32, 1, 16))
    assert [s.name for s in cost.stages] == ["depthwise", "project"]
    assert cost.paper_formula_macs - cost.macs == 112 * 112 * 32 * 32


def test_paper_example_block_56():
    # 56x56x24 -> t=6 -> 24, the first residual block of MobileNetV2
    cost = inverted_residual(BlockConfig(56, 24, 6, 24))
    assert cost.macs == 56 * 56 * 24 * 6 * (24 + 9 + 24)
    assert cost.params == 24 * 144 + 2 * 144 + 9 * 144 + 2 * 144 + 144 * 24 + 2 * 24
    assert cost.residual and "Residual applies" in cost.residual_reason


@pytest.mark.parametrize(
    ("stride", "k", "k2", "words"),
    [
        (2, 24, 24, ["stride 2"]),
        (1, 16, 24, ["channels change (16 -> 24)"]),
        (2, 16, 24, ["stride 2", "channels change"]),
    ],
)
def test_residual_reasons(stride, k, k2, words):
    cost = inverted_residual(BlockConfig(28, k, 6, k2, stride))
    assert not cost.residual
    for word in words:
        assert word in cost.residual_reason


def test_memory_fp16_is_half_and_streaming_is_smaller():
    cost = inverted_residual(BlockConfig(56, 24, 6, 24))
    x = y = 24 * 56 * 56
    e = 144 * 56 * 56
    # naive: while the depthwise runs, expanded + depthwise output + the kept input are alive
    assert cost.naive_peak_elements == e + e + x
    assert cost.naive_peak_bytes("fp16") * 2 == cost.naive_peak_bytes("fp32")
    # section 5.1 with 6 splits of 24 channels: |x| + |y| + 24 * (56^2 + 56^2)
    assert cost.streaming_peak_elements(6) == x + y + 24 * 2 * 56 * 56
    # the default is section 5.1's recommended small constant (2..5), not the expansion factor:
    # 4 splits of 36 channels
    assert 2 <= DEFAULT_SPLITS <= 5
    assert cost.streaming_peak_elements() == x + y + 36 * 2 * 56 * 56
    # one hidden channel: the default never exceeds n
    tiny = inverted_residual(BlockConfig(8, 1, 1, 1))
    assert (
        tiny.hidden_channels == 1
        and tiny.streaming_peak_elements() == tiny.streaming_peak_elements(1)
    )
    assert cost.streaming_peak_elements(144) == x + y + 2 * 56 * 56
    with pytest.raises(ValueError):
        cost.streaming_peak_elements(0)


def test_stage_output_bytes():
    cost = inverted_residual(BlockConfig(14, 64, 6, 96))
    expand = cost.stages[0]
    assert expand.output_bytes("fp32") == 384 * 14 * 14 * 4
    assert expand.output_bytes("fp16") == 384 * 14 * 14 * 2


@pytest.mark.parametrize(
    "config",
    [BlockConfig(56, 24, 6, 24), BlockConfig(28, 32, 6, 64, 2), BlockConfig(14, 16, 6, 32)],
)
def test_resnet_bottleneck_matches_torchvision(config):
    cost = resnet_bottleneck(config)
    k, k2 = config.in_channels, config.out_channels
    downsample = None
    if config.stride != 1 or k != k2:
        downsample = nn.Sequential(
            nn.Conv2d(k, k2, 1, config.stride, bias=False), nn.BatchNorm2d(k2)
        )
    block = Bottleneck(k, k2 // 4, config.stride, downsample)
    _, macs, params, out = measure(block, cost.input_shape, [])
    assert (cost.macs, cost.params, cost.output_shape) == (macs, params, out)


@pytest.mark.parametrize("config", [BlockConfig(56, 24, 6, 24), BlockConfig(28, 32, 6, 64, 2)])
def test_separable_block_matches_torch(config):
    cost = separable_block(config)
    k, k2 = config.in_channels, config.out_channels
    block = nn.Sequential(
        nn.Conv2d(k, k, 3, config.stride, 1, groups=k, bias=False),
        nn.BatchNorm2d(k),
        nn.ReLU(),
        nn.Conv2d(k, k2, 1, bias=False),
        nn.BatchNorm2d(k2),
        nn.ReLU(),
    )
    _, macs, params, out = measure(block, cost.input_shape, [])
    assert (cost.macs, cost.params, cost.output_shape) == (macs, params, out)
    assert not cost.residual


def test_comparison_shows_inversion():
    resnet, v1, v2 = compare_blocks(BlockConfig(56, 24, 6, 24))
    assert resnet.hidden_channels < resnet.in_channels  # wide -> narrow -> wide
    assert v2.hidden_channels > v2.in_channels  # narrow -> wide -> narrow
    assert (
        v1.in_channels == v2.in_channels
        and v1.out_channels == v2.out_channels == resnet.out_channels
    )


def test_sweep_grows_with_t():
    points = expansion_sweep(BlockConfig(56, 24, 6, 24))
    assert [p.expansion for p in points] == list(range(1, 11))
    assert all(
        a.macs < b.macs and a.params < b.params for a, b in zip(points, points[1:], strict=False)
    )
    assert points[5].macs == inverted_residual(BlockConfig(56, 24, 6, 24)).macs


def test_stage_rows_total():
    cost = inverted_residual(BlockConfig(56, 24, 6, 24))
    rows = stage_rows(cost)
    assert rows[-1]["MACs"] == cost.macs == sum(r["MACs"] for r in rows[:-1])
    assert rows[0]["output (h x w x c)"] == "56x56x144"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stride": 3}, "stride"),
        ({"kernel": 4}, "odd"),
        ({"in_channels": 0}, "in channels"),
        ({"expansion": 0}, "expansion"),
        ({"input_size": 0}, "input size"),
    ],
)
def test_impossible_configs_raise_value_error(changes, message):
    with pytest.raises(ValueError, match=message):
        inverted_residual(replace(BlockConfig(56, 24, 6, 24), **changes))


SVG = "{http://www.w3.org/2000/svg}"


def _svg_texts(node) -> str:
    """All text drawn in ``node`` (its <title> children excluded), one string."""
    return " ".join("".join(t.itertext()) for t in node.iter(f"{SVG}text") if t is not None)


@pytest.mark.parametrize(
    "config",
    [
        BlockConfig(56, 24, 6, 24),
        BlockConfig(28, 32, 6, 64, 2),
        BlockConfig(112, 32, 1, 16),
        BlockConfig(56, 24, 6, 24, kernel=7),
        BlockConfig(56, 24, 1, 24),  # t = 1 with a residual: three tensors and the shortcut
    ],
)
def test_figures_are_valid_and_draw_the_rules(config):
    import xml.etree.ElementTree as ET

    import plotly.graph_objects as go

    from mobilenet_viz.analytic.spiral import linear_bottleneck_demo
    from mobilenet_viz.figures import blocks as figures

    costs = compare_blocks(config)
    for cost in costs:
        svg = ET.fromstring(figures.block_svg(cost))  # a valid standalone .svg document
        assert svg.tag == f"{SVG}svg" and svg.findtext(f"{SVG}title") == cost.title
        shortcut = svg.find(f".//{SVG}g[@class='shortcut']")
        assert (shortcut is not None) == cost.residual
        labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "shortcut-label"]
        if cost.residual:
            expected = {
                "inverted_residual": "+ x (residual)",
                "resnet_bottleneck": "+ x (identity shortcut)"
                if "Identity" in cost.residual_reason
                else "+ 1×1 conv(x) (projection shortcut)",
            }[cost.kind]
            assert [t.text for t in labels] == [expected]
        else:
            assert labels == []
        assert ("shortcut" in _svg_texts(svg)) == cost.residual  # in the legend only then
        slabs = svg.findall(f".//{SVG}g[@class='slab']")
        assert [s.get("data-tensor") for s in slabs] == [n for n, _, _ in cost.tensors()]
        patterns = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
        hatched = set()
        for slab in slabs:
            fills = [p.get("fill") for p in slab.iter(f"{SVG}polygon")]
            assert len(fills) == 3  # front, top and side faces
            if all(f.startswith("url(#") for f in fills):
                assert {f[5:-1] for f in fills} <= patterns
                hatched.add(slab.get("data-tensor"))
            else:
                assert not any(f.startswith("url(") for f in fills)
        assert hatched == {name for name, _, act in cost.tensors() if act == "linear"}
        hovers = [s.findtext(f"{SVG}title") for s in slabs]
        shown = _svg_texts(svg)
        for (name, shape, act), hover in zip(cost.tensors(), hovers, strict=True):
            size = f"{shape[1]}×{shape[2]}×{shape[0]}"
            assert size in shown and name in shown
            assert hover == f"{name}: {size} ({figures.LINEAR_LABEL if act == 'linear' else act})"
        arrows = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "op-label"]
        assert len(arrows) == len(cost.main_path)
        for stage, arrow in zip(cost.main_path, arrows, strict=True):
            words = [s.text for s in arrow]
            assert words[-1] == ("linear" if stage.linear else stage.activation)
            assert arrow[-1].get("font-style") == "italic"
            assert f"{config.kernel}×{config.kernel}" in words or words[0] == "1×1"
    ir = inverted_residual(config)
    assert {n for n, _, a in ir.tensors() if a == "linear"} == {"input", "project"}
    # one scale: the same width for all three diagrams, as the comparison tab draws them
    scale = figures.diagram_scale(costs)
    widths = {ET.fromstring(figures.block_svg(c, **scale)).get("viewBox").split()[2] for c in costs}
    assert len(widths) == 1
    for fig in (
        figures.expansion_sweep_chart(expansion_sweep(config), config.expansion),
        figures.spiral_figure(linear_bottleneck_demo(5)),
    ):
        go.Figure(fig.to_dict())


def test_block_diagram_is_a_light_chart_with_escaped_text_and_ids_of_its_own():
    import xml.etree.ElementTree as ET

    from mobilenet_viz.figures import blocks as figures

    cost = inverted_residual(BlockConfig(56, 24, 6, 24))
    markup = figures.block_diagram(cost)
    assert markup.startswith('<figure class="mnl-chart" data-chart="block-diagram">')
    assert "<figcaption>Inverted residual (MobileNetV2)</figcaption><svg " in markup
    assert markup == figures.block_diagram(cost)  # stable: a rerun does not redraw it
    hostile = replace(cost, title='<b onclick="x()">&</b>')
    svg = figures.block_svg(hostile)
    assert ET.fromstring(svg).findtext(f"{SVG}title") == hostile.title
    assert "<b " not in svg and "<b " not in figures.block_diagram(hostile)
    # Two diagrams on one page: their hatch patterns have different ids.
    pair = (figures.block_svg(cost), figures.block_svg(cost, max_channels=960))
    ids = [{p.get("id") for p in ET.fromstring(s).iter(f"{SVG}pattern")} for s in pair]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
