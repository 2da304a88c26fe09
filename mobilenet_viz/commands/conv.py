"""`conv`: standard vs depthwise separable cost of one layer (MobileNets section 3)."""

from __future__ import annotations

import argparse

from mobilenet_viz.analytic.costs import ConvConfig, compare
from mobilenet_viz.commands import alpha, number


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("conv", help="cost of a standard vs depthwise separable conv layer")
    p.add_argument(
        "--input-size", type=_positive_int, required=True, help="D_F, input height = width"
    )
    p.add_argument("--in-channels", type=_positive_int, required=True, help="M")
    p.add_argument("--out-channels", type=_positive_int, required=True, help="N")
    p.add_argument("--kernel", type=_positive_int, required=True, help="D_K")
    p.add_argument("--stride", type=_positive_int, default=1)
    p.add_argument("--padding", type=int, default=None, help="default D_K // 2 ('same')")
    p.add_argument("--alpha", type=alpha, default=1.0, help="width multiplier")
    p.add_argument("--rho", type=number, default=1.0, help="resolution multiplier (0, 1]")
    return p


def run(args) -> tuple[dict, int]:
    config = ConvConfig(
        input_size=args.input_size,
        in_channels=args.in_channels,
        out_channels=args.out_channels,
        kernel=args.kernel,
        stride=args.stride,
        padding=args.padding,
        alpha=args.alpha,
        rho=args.rho,
    )
    return compare(config).as_dict(), 0


def render(result: dict) -> str:
    rows = [f"{'layer':<12}{'MACs':>16}{'params':>14}"]
    for name in ("standard", "depthwise", "pointwise", "separable"):
        rows.append(f"{name:<12}{result[name]['macs']:>16,}{result[name]['params']:>14,}")
    rows.append(f"output size D_O = {result['output_size']}")
    rows.append(
        f"separable / standard = {result['ratio']:.4f} "
        f"(1/N + 1/D_K^2 = {result['paper_ratio']:.4f}; {1 / result['ratio']:.1f}x fewer MACs)"
    )
    return "\n".join(rows)
