"""CLI subcommands, one module each: `add_parser(subparsers)` and `run(args) -> (dict, exit_code)`.

`run` returns the JSON-able result (DESIGN.md's contract) and the exit status; `render(result)`
(optional) formats it for people when --json is not given.
"""
