"""`arch`: a MobileNet layer by layer (shapes, MACs, params) at a width multiplier and resolution."""

from __future__ import annotations

import argparse

from mobilenet_viz.analytic.architectures import MODELS, NUM_CLASSES_RANGE, RESOLUTION_RANGE, build
from mobilenet_viz.commands import alpha


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("arch", help="a MobileNet layer by layer: shapes, MACs and params")
    p.add_argument("model", choices=MODELS, help="which network")
    p.add_argument("--alpha", type=alpha, default=1.0, help="width multiplier (default 1.0)")
    p.add_argument(
        "--resolution", type=_whole, default=224,
        help=f"input height = width in pixels, {RESOLUTION_RANGE[0]}..{RESOLUTION_RANGE[1]} (default 224)",
    )  # fmt: skip
    p.add_argument(
        "--num-classes", type=_whole, default=1000,
        help=f"classifier outputs, {NUM_CLASSES_RANGE[0]}..{NUM_CLASSES_RANGE[1]} (default 1000)",
    )  # fmt: skip
    return p


def run(args) -> tuple[dict, int]:
    """Raises ValueError (exit 2, one line) for a resolution or class count out of range."""
    return build(args.model, args.alpha, args.resolution, args.num_classes).as_dict(), 0


def render(result: dict) -> str:
    head = f"{'layer':<28}{'operator':<20}{'input':>14}{'output':>14}{'MACs':>14}{'params':>11}"
    lines = [head, "-" * len(head)]
    for row in result["layers"]:
        shape_in = "x".join(map(str, row["input_shape"]))
        shape_out = "x".join(map(str, row["output_shape"]))
        lines.append(
            f"{row['name']:<28}{row['operator']:<20}{shape_in:>14}{shape_out:>14}"
            f"{row['macs']:>14,}{row['params']:>11,}"
        )
    lines.append("-" * len(head))
    lines.append(
        f"{'total':<76}{result['macs']:>14,}{result['params']:>11,}\n"
        f"MACs = multiply-accumulates of conv + FC layers (FLOPs = 2 x MACs = {result['flops']:,}); "
        "params include biases and BatchNorm."
    )
    return "\n".join(lines)
