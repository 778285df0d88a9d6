"""`cobudget pabulib import FILE.pb` and `cobudget pabulib export INPUT.json` (SPEC §6.2, §7).

`import` prints the engine inputs (canonical JSON) of a pabulib instance, for the
`equal_shares` rule; `export` prints the pabulib text of the instance an envelope's inputs
define. Exit status: 0 done, 2 a file that cannot be read or represented exactly (the reason on
stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _import(args: argparse.Namespace) -> int:
    from cobudget.engine import encode_input
    from cobudget.engine.pabulib import PabulibError, parse_pb

    try:
        inputs = parse_pb(args.file.read_text(encoding="utf-8"))
    except (PabulibError, OSError, UnicodeDecodeError) as error:
        print(f"cannot import: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(encode_input(inputs).decode() + "\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from cobudget.engine import InvalidEnvelope, decode_input
    from cobudget.engine.pabulib import PabulibError, format_pb
    from cobudget.engine.validate import validate

    try:
        inputs = decode_input(args.input.read_bytes())
        validate(inputs)
        text = format_pb(inputs)
    except (InvalidEnvelope, PabulibError, OSError) as error:
        print(f"cannot export: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


def register(subparsers: Any) -> None:
    """Add `pabulib import` and `pabulib export` to the command line (see `cobudget.cli`)."""
    pabulib = subparsers.add_parser("pabulib", help="convert pabulib instances (.pb)")
    actions = pabulib.add_subparsers(dest="pabulib_command", required=True)
    read = actions.add_parser("import", help="print the engine inputs of a .pb file")
    read.add_argument("file", type=Path, metavar="FILE.pb")
    read.set_defaults(handler=_import)
    write = actions.add_parser("export", help="print an envelope's inputs as a .pb file")
    write.add_argument("input", type=Path, metavar="INPUT.json")
    write.set_defaults(handler=_export)
