"""Command line: `python -m mobilenet_viz <command> ... [--json]`.

Every command prints one JSON object with --json (the contract in DESIGN.md) or a readable table
without it. User errors (bad arguments, impossible configurations, unreadable files) exit with
status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

# name -> module under mobilenet_viz.commands (a module that is missing is simply not offered).
COMMANDS = {
    "conv": "conv",
    "block": "block",
    "arch": "arch",
    "classify": "classify",
    "weights": "weights",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage + message otherwise)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _available_commands() -> dict[str, object]:
    modules = {}
    for name, module in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(f"mobilenet_viz.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mobilenet_viz.commands.{module}":
                raise
    return modules


def build_parser(modules: dict[str, object]) -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m mobilenet_viz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in modules.values():
        command = module.add_parser(sub)
        command.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    modules = _available_commands()
    args = build_parser(modules).parse_args(argv)
    module = modules[args.command]
    try:
        result, status = module.run(args)
    except (ValueError, OSError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        sys.stderr.write(f"error: {message}\n")
        return 2
    render = getattr(module, "render", None)
    text = json.dumps(result) if args.json or render is None else render(result)
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `... | head` closed the pipe: not an error worth a traceback
        sys.stdout = None
    return status
