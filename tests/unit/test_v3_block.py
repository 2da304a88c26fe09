"""The V3 block and last-stage library against torchvision's real modules and torch's counters."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models import mobilenet_v3_large, mobilenet_v3_small
from torchvision.models.mobilenetv3 import InvertedResidual, InvertedResidualConfig
from torchvision.ops.misc import SqueezeExcitation

from mobilenet_viz.analytic import activations
from mobilenet_viz.analytic.architectures import build
from mobilenet_viz.analytic.v3_block import (
    PAPER_SAVED_MACS,
    LastStageConfig,
    V3BlockConfig,
    last_stage,
    last_stage_saving,
    placement,
    squeeze_channels,
    v3_block,
    v3_presets,
)
from mobilenet_viz.runtime.v3_timing import build_last_stage


def torch_block(config: V3BlockConfig) -> InvertedResidual:
    cnf = InvertedResidualConfig(
        config.in_channels, config.kernel, config.expanded_channels, config.out_channels, config.use_se,
        config.activation, config.stride, 1, config.alpha,
    )  # fmt: skip
    return InvertedResidual(cnf, partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)).eval()


def measure(module: nn.Module, shape: tuple[int, ...]):
    """(MACs = FlopCounterMode / 2, params = numel, output shape, every SE scale shape seen)."""
    se_shapes = []
    handles = [
        m.scale_activation.register_forward_hook(lambda _m, _i, out: se_shapes.append(tuple(out.shape[1:])))
        for m in module.modules() if isinstance(m, SqueezeExcitation)
    ]  # fmt: skip
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        out = module(torch.randn(1, *shape))
    for h in handles:
        h.remove()
    return (
        counter.get_total_flops() // 2,
        sum(p.numel() for p in module.parameters()),
        tuple(out.shape[1:]),
        se_shapes,
    )


configs = st.builds(
    V3BlockConfig,
    input_size=st.integers(3, 24),
    in_channels=st.integers(1, 48),
    kernel=st.sampled_from([3, 5]),
    expanded_channels=st.integers(1, 120),
    out_channels=st.integers(1, 48),
    use_se=st.booleans(),
    activation=st.sampled_from(["RE", "HS"]),
    stride=st.sampled_from([1, 2]),
    alpha=st.sampled_from([0.5, 0.75, 1.0, 1.25]),
)


@settings(max_examples=40, deadline=None)
@given(configs)
def test_v3_block_matches_torchvision_inverted_residual(config):
    cost = v3_block(config)
    module = torch_block(config)
    macs, params, out_shape, se_shapes = measure(module, cost.input_shape)
    assert cost.macs == macs
    assert cost.params == params
    assert cost.output_shape == out_shape
    assert cost.residual == module.use_res_connect
    assert (cost.squeeze_channels is not None) == config.use_se
    if config.use_se:
        se = next(m for m in module.modules() if isinstance(m, SqueezeExcitation))
        assert (
            se.fc1.out_channels == cost.squeeze_channels == squeeze_channels(cost.expanded_channels)
        )
        assert se_shapes == [(cost.expanded_channels, 1, 1)]
        assert cost.se_params == sum(p.numel() for p in se.parameters())
        with FlopCounterMode(display=False) as counter, torch.inference_mode():
            se(torch.randn(1, cost.expanded_channels, 4, 4))
        assert cost.se_macs == counter.get_total_flops() // 2
    names = [s.name for s in cost.stages]
    assert ("expand" in names) == (cost.expanded_channels != cost.in_channels)


@pytest.mark.parametrize("model", ["v3-large", "v3-small"])
def test_presets_equal_the_real_networks_blocks(model):
    net = (mobilenet_v3_large if model == "v3-large" else mobilenet_v3_small)().eval()
    shapes = []
    handles = [
        net.features[i].register_forward_hook(
            lambda _m, inp, _o: shapes.append(tuple(inp[0].shape[1:]))
        )
        for i in range(1, len(net.features) - 1)
    ]
    with torch.inference_mode():
        net(torch.randn(1, 3, 224, 224))
    for h in handles:
        h.remove()
    presets = v3_presets(model)
    assert len(presets) == len(net.features) - 2
    arch_blocks = {b["block"]: b for b in build(model).blocks()}
    for preset, shape in zip(presets, shapes, strict=True):
        cost = v3_block(preset.config)
        block = net.features[preset.number]
        assert cost.input_shape == shape
        macs, params, out_shape, _ = measure(block, shape)
        assert (cost.macs, cost.params) == (macs, params)
        # the same numbers as the Architectures page's table (one source, two views)
        row = arch_blocks[f"bneck {preset.number}"]
        assert (row["macs"], row["params"]) == (cost.macs, cost.params)


def test_placement_follows_table_1():
    rows = placement("v3-large")
    assert [r["block"] for r in rows if r["SE"]] == [4, 5, 6, 11, 12, 13, 14, 15]
    assert [r["NL"] for r in rows] == ["ReLU"] * 6 + ["h-swish"] * 9
    # section 5.2: the deeper (h-swish) half pushes fewer elements through its nonlinearities
    first = sum(r["nonlinearity elements"] for r in rows if r["NL"] == "ReLU")
    second = sum(r["nonlinearity elements"] for r in rows if r["NL"] == "h-swish")
    assert second < first


def test_paper_numbers_of_one_block():
    # V3-Large block 13: 14x14x112, 5x5, exp 672, out 160, SE, HS, s2 (Table 1)
    cost = v3_block(v3_presets("v3-large")[12].config)
    assert cost.squeeze_channels == 168 and cost.output_shape == (160, 7, 7)
    assert cost.se_macs == 2 * 672 * 168
    assert cost.se_params == 2 * 672 * 168 + 168 + 672


@pytest.mark.parametrize("kind", ["original", "efficient"])
def test_last_stage_matches_torch(kind):
    config = LastStageConfig()
    stage = last_stage(kind, config)
    module = build_last_stage(kind, config)
    macs, params, out_shape, _ = measure(
        module, (config.in_channels, config.input_size, config.input_size)
    )
    assert (stage.macs, stage.params) == (macs, params)
    assert out_shape == (config.num_classes, 1, 1) == stage.layers[-1].output_shape


def test_efficient_stage_is_torchvisions_tail():
    net = mobilenet_v3_large().eval()
    tail = [net.features[-1], net.classifier[0], net.classifier[3]]
    assert last_stage("efficient").params == sum(p.numel() for m in tail for p in m.parameters())
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        net.classifier(net.avgpool(net.features[-1](torch.randn(1, 160, 7, 7))).flatten(1))
    assert last_stage("efficient").macs == counter.get_total_flops() // 2


def test_last_stage_saving_against_the_paper():
    saving = last_stage_saving()
    assert (
        saving["original"]["macs"]
        == 160 * 960 * 49 + 9 * 960 * 49 + 960 * 320 * 49 + 320 * 1280 * 49 + 1280 * 1000
    )
    assert saving["efficient"]["macs"] == 160 * 960 * 49 + 960 * 1280 + 1280 * 1000
    # the paper's "30 millions MAdds" within 15% (34.3M counted here for Figure 5's layers)
    assert abs(saving["macs_saved"] - PAPER_SAVED_MACS) / PAPER_SAVED_MACS < 0.15
    assert saving["params_saved"] < 0  # moving the 1280 layer past the pool costs parameters


@pytest.mark.parametrize(
    ("config", "word"),
    [
        (V3BlockConfig(14, 16, 4, 64, 16), "kernel"),
        (V3BlockConfig(14, 16, 3, 64, 16, stride=3), "stride"),
        (V3BlockConfig(14, 0, 3, 64, 16), "in channels"),
        (V3BlockConfig(14, 16, 3, 64, 16, activation="GELU"), "activation"),
        (V3BlockConfig(0, 16, 5, 64, 16), "input size"),
    ],
)
def test_impossible_blocks_say_why(config, word):
    with pytest.raises(ValueError, match=word):
        v3_block(config)


def test_activation_formulas_equal_torch():
    x = torch.linspace(-8, 8, 1601, dtype=torch.float64)
    n = x.numpy()
    pairs = {
        "ReLU6": nn.functional.relu6, "sigmoid": torch.sigmoid, "hard-sigmoid": nn.functional.hardsigmoid,
        "swish": nn.functional.silu, "h-swish": nn.functional.hardswish,
    }  # fmt: skip
    for name, fn in pairs.items():
        assert torch.allclose(
            torch.from_numpy(activations.FUNCTIONS[name](n)), fn(x), atol=1e-12
        ), name
    worst, where = activations.max_differences()["h-swish vs swish"]
    assert worst == pytest.approx(
        3 * torch.sigmoid(torch.tensor(-3.0, dtype=torch.float64)).item(), abs=1e-6
    )
    assert where == pytest.approx(-3.0, abs=1e-3)


def test_analytic_modules_do_not_import_torch():
    import subprocess
    import sys

    code = "import sys, mobilenet_viz.analytic.v3_block, mobilenet_viz.analytic.activations; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_search_reward_factor():
    from mobilenet_viz.analytic.v3_block import MNAS_W, V3_SMALL_W, reward_curves, reward_factor

    assert reward_factor(1.0, V3_SMALL_W) == 1.0  # on target: reward = accuracy
    assert reward_factor(2.0, MNAS_W) == pytest.approx(2**-0.07)
    assert (
        reward_factor(2.0, V3_SMALL_W) < reward_factor(2.0, MNAS_W) < 1 < reward_factor(0.5, MNAS_W)
    )
    curves = reward_curves()
    assert curves["ratio"][0] == pytest.approx(0.25) and curves["ratio"][-1] == pytest.approx(4.0)
    assert set(curves) == {"ratio", "w = -0.07", "w = -0.15"}
    with pytest.raises(ValueError, match="positive"):
        reward_factor(0, MNAS_W)
