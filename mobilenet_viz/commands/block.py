"""`block`: shapes, MACs, params and activation memory of one MobileNetV2 inverted residual block,
or (``--v3``) of one MobileNetV3 bneck: inverted residual + squeeze-and-excite, ReLU or h-swish."""

from __future__ import annotations

import argparse

from mobilenet_viz.analytic.blocks import BlockConfig, inverted_residual
from mobilenet_viz.analytic.v3_block import V3BlockConfig, v3_block
from mobilenet_viz.commands import alpha


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "block",
        help="cost of one inverted residual block (MobileNetV2 Table 1)",
        description="Expand (1x1, ReLU6) -> depthwise (ReLU6) -> linear project (1x1): shapes "
        "[C, H, W], MACs (multiply-accumulates; FLOPs = 2 x MACs), params (conv weights + BN) "
        "and peak activation memory at batch size 1. With --v3: a MobileNetV3 bneck as torchvision's "
        "mobilenetv3.InvertedResidual builds it (arXiv:1905.02244v5, section 5): expand (1x1) -> "
        "depthwise -> [SE: pool, 1x1 reduce to make_divisible(exp/4, 8), ReLU, 1x1 expand, "
        "hard-sigmoid, scale] -> linear project; channels rounded to multiples of 8 as torchvision "
        "does. JSON: {kind: 'v3_bneck', residual, activation, kernel, stride, in_channels, "
        "expanded_channels, out_channels, stages: [{name, operator, activation, input_shape, "
        "output_shape, macs, params, se}], macs, flops, params, se: null | {squeeze_channels, macs, "
        "params, macs_share, params_share, scale_multiplies}}; params include BN and the SE biases.",
    )
    parser.add_argument(
        "--input-size", type=int, required=True, metavar="H", help="input height = width"
    )
    parser.add_argument(
        "--in-channels", type=int, required=True, metavar="K", help="input channels k"
    )
    parser.add_argument(
        "--expansion",
        type=int,
        metavar="T",
        help="expansion factor t (required without --v3; with --v3 the expanded channels are round(t*k))",
    )
    parser.add_argument(
        "--out-channels", type=int, required=True, metavar="K2", help="output channels k'"
    )
    parser.add_argument(
        "--stride", type=int, default=1, metavar="S", help="depthwise stride, 1 or 2 (default 1)"
    )
    parser.add_argument(
        "--kernel", type=int, default=3, metavar="DK", help="depthwise kernel (default 3)"
    )
    parser.add_argument(
        "--alpha",
        type=alpha,
        default=1.0,
        metavar="A",
        help="width multiplier applied to k and k' (rounded to multiples of 8; default 1)",
    )
    v3 = parser.add_argument_group("MobileNetV3 bneck (--v3)")
    v3.add_argument(
        "--v3", action="store_true", help="a MobileNetV3 bneck (inverted residual + optional SE)"
    )
    v3.add_argument(
        "--expanded-channels",
        type=int,
        metavar="E",
        help="V3's 'exp size' (Tables 1-2); instead of --expansion",
    )
    v3.add_argument("--se", action="store_true", help="add the squeeze-and-excite module")
    v3.add_argument(
        "--activation",
        choices=("RE", "HS"),
        default="RE",
        help="RE = ReLU, HS = h-swish (default RE)",
    )
    return parser


def _run_v3(args) -> tuple[dict, int]:
    if (args.expanded_channels is None) == (args.expansion is None):
        raise ValueError("--v3 needs exactly one of --expanded-channels E or --expansion T")
    expanded = args.expanded_channels
    if expanded is None:
        if not 1 <= args.expansion <= 100:
            raise ValueError(f"expansion t must be in 1..100, got {args.expansion}")
        expanded = int(round(args.expansion * args.in_channels))
    config = V3BlockConfig(
        input_size=args.input_size, in_channels=args.in_channels, kernel=args.kernel,
        expanded_channels=expanded, out_channels=args.out_channels, use_se=args.se,
        activation=args.activation, stride=args.stride, alpha=args.alpha,
    )  # fmt: skip
    return v3_block(config).as_dict(), 0


def run(args) -> tuple[dict, int]:
    if args.v3:
        return _run_v3(args)
    if args.se or args.expanded_channels is not None or args.activation != "RE":
        raise ValueError(
            "--se, --expanded-channels and --activation describe a MobileNetV3 bneck: add --v3"
        )
    if args.expansion is None:
        raise ValueError(
            "--expansion T is required (the expansion factor t of the inverted residual)"
        )
    config = BlockConfig(
        input_size=args.input_size,
        in_channels=args.in_channels,
        expansion=args.expansion,
        out_channels=args.out_channels,
        stride=args.stride,
        kernel=args.kernel,
        alpha=args.alpha,
    )
    return inverted_residual(config).as_dict(), 0


def _shape(shape: list[int]) -> str:
    return "x".join(map(str, shape))


def _render_v3(result: dict) -> str:
    lines = [
        f"{'stage':<10} {'operator':<34} {'act':<9} {'input':>12} {'output':>12} {'MACs':>12} {'params':>9}"
    ]
    for s in result["stages"]:
        lines.append(
            f"{s['name']:<10} {s['operator']:<34} {s['activation']:<9} {_shape(s['input_shape']):>12} "
            f"{_shape(s['output_shape']):>12} {s['macs']:>12,} {s['params']:>9,}"
        )
    lines.append(
        f"{'total':<10} {'':<34} {'':<9} {'':>12} {'':>12} {result['macs']:>12,} {result['params']:>9,}"
    )
    se = result["se"]
    if se:
        lines.append(
            f"SE ({result['expanded_channels']} -> {se['squeeze_channels']} -> {result['expanded_channels']}): "
            f"{se['macs']:,} MACs ({se['macs_share']:.1%} of the block), {se['params']:,} params "
            f"({se['params_share']:.1%}); its channel-wise scale is {se['scale_multiplies']:,} multiplies (not MACs)"
        )
    lines.append("Residual: yes (stride 1, in = out)." if result["residual"] else "Residual: no.")
    lines.append(
        "MACs = multiply-accumulates; FLOPs = 2 x MACs. Shapes are [C, H, W]; params include BN and SE biases."
    )
    return "\n".join(lines)


def render(result: dict) -> str:
    if result.get("kind") == "v3_bneck":
        return _render_v3(result)
    lines = [
        f"{'stage':<10} {'operator':<34} {'act':<7} {'input':>14} {'output':>14} {'MACs':>13} {'params':>9}"
    ]
    for s in result["stages"]:
        lines.append(
            f"{s['name']:<10} {s['operator']:<34} {s['activation']:<7} {_shape(s['input_shape']):>14} "
            f"{_shape(s['output_shape']):>14} {s['macs']:>13,} {s['params']:>9,}"
        )
    lines.append(
        f"{'total':<10} {'':<34} {'':<7} {'':>14} {'':>14} {result['macs']:>13,} {result['params']:>9,}"
    )
    lines.append(result["residual_reason"])
    lines.append(
        f"peak activations (naive): {result['peak_activation_bytes']:,} B fp32, "
        f"{result['peak_activation_bytes_fp16']:,} B fp16; streaming (section 5.1, "
        f"{result.get('streaming_splits', 1)} channel groups): {result['streaming_peak_activation_bytes']:,} B fp32"
    )
    lines.append("MACs = multiply-accumulates; FLOPs = 2 x MACs. Shapes are [C, H, W].")
    return "\n".join(lines)
