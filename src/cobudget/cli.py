"""The `cobudget` command line: each command lives in a module of `cobudget.commands`.

A command module exposes `register(subparsers)`, which adds its sub-commands and sets
`handler=` to a function `(argparse.Namespace) -> int` (the exit status). Modules are imported
only when the command line is built, so `cobudget settle` never loads the web stack.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "cobudget.commands.app",
    "cobudget.commands.documents",
    "cobudget.commands.engine",
    "cobudget.commands.pabulib",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cobudget", description="Cobudget des communs")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
