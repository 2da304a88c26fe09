"""`block`: shapes, MACs, params and activation memory of one MobileNetV2 inverted residual block."""

from __future__ import annotations

import argparse

from mobilenet_viz.blocks import BlockConfig, inverted_residual


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "block",
        help="cost of one inverted residual block (MobileNetV2 Table 1)",
        description="Expand (1x1, ReLU6) -> depthwise (ReLU6) -> linear project (1x1): shapes "
        "[C, H, W], MACs (multiply-accumulates; FLOPs = 2 x MACs), params (conv weights + BN) "
        "and peak activation memory at batch size 1.",
    )
    parser.add_argument("--input-size", type=int, required=True, metavar="H", help="input height = width")
    parser.add_argument("--in-channels", type=int, required=True, metavar="K", help="input channels k")
    parser.add_argument("--expansion", type=int, required=True, metavar="T", help="expansion factor t")
    parser.add_argument("--out-channels", type=int, required=True, metavar="K2", help="output channels k'")
    parser.add_argument("--stride", type=int, default=1, metavar="S", help="depthwise stride, 1 or 2 (default 1)")
    parser.add_argument("--kernel", type=int, default=3, metavar="DK", help="depthwise kernel (default 3)")
    parser.add_argument("--alpha", type=float, default=1.0, metavar="A",
                        help="width multiplier applied to k and k' (rounded to multiples of 8; default 1)")
    return parser


def run(args) -> tuple[dict, int]:
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


def render(result: dict) -> str:
    lines = [f"{'stage':<10} {'operator':<34} {'act':<7} {'input':>14} {'output':>14} {'MACs':>13} {'params':>9}"]
    for s in result["stages"]:
        lines.append(
            f"{s['name']:<10} {s['operator']:<34} {s['activation']:<7} {_shape(s['input_shape']):>14} "
            f"{_shape(s['output_shape']):>14} {s['macs']:>13,} {s['params']:>9,}"
        )
    lines.append(f"{'total':<10} {'':<34} {'':<7} {'':>14} {'':>14} {result['macs']:>13,} {result['params']:>9,}")
    lines.append(result["residual_reason"])
    lines.append(
        f"peak activations (naive): {result['peak_activation_bytes']:,} B fp32, "
        f"{result['peak_activation_bytes_fp16']:,} B fp16; streaming (section 5.1): "
        f"{result['streaming_peak_activation_bytes']:,} B fp32"
    )
    lines.append("MACs = multiply-accumulates; FLOPs = 2 x MACs. Shapes are [C, H, W].")
    return "\n".join(lines)
