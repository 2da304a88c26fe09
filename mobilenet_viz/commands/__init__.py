"""CLI subcommands, one module each: `add_parser(subparsers)` and `run(args) -> (dict, exit_code)`.

`run` returns the JSON-able result (DESIGN.md's contract) and the exit status; `render(result)`
(optional) formats it for people when --json is not given.
"""

from __future__ import annotations

import argparse

from mobilenet_viz.analytic import costs


def number(text: str) -> float:
    """argparse type: a float, with a plain message when it is not one."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None


def alpha(text: str) -> float:
    """argparse type: a width multiplier, checked by the library's one rule (``costs.check_alpha``)."""
    value = number(text)
    try:
        return costs.check_alpha(value)
    except ValueError:
        lo, hi = costs.ALPHA_RANGE
        raise argparse.ArgumentTypeError(f"must be in ({lo:g}, {hi:g}], got {text}") from None
