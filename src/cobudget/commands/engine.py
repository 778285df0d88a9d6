"""`cobudget settle` and `cobudget verify`: the engine on the command line (SPEC §4, §7).

`settle INPUT.json` prints the settlement JSON; `verify INPUT.json SETTLEMENT.json` recomputes it
and says whether the published bytes are identical. Exit status: 0 identical (or settled),
1 different, 2 invalid input (the error's message on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _settle_bytes(path: Path) -> bytes:
    from cobudget.engine import decode_input, encode_settlement, settle

    return encode_settlement(settle(decode_input(path.read_bytes())))


def _settle(args: argparse.Namespace) -> int:
    from cobudget.engine import InvalidEnvelope

    try:
        data = _settle_bytes(args.input)
    except (InvalidEnvelope, OSError) as error:
        print(f"invalid input: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(data.decode() + "\n")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from cobudget.engine import InvalidEnvelope

    try:
        recomputed = _settle_bytes(args.input)
        published = args.settlement.read_bytes()
    except (InvalidEnvelope, OSError) as error:
        print(f"invalid input: {error}", file=sys.stderr)
        return 2
    # A settlement saved from `cobudget settle` ends with a newline; the bytes are the rest.
    if published.rstrip(b"\r\n") == recomputed:
        print("identical: the settlement is reproduced byte for byte")
        return 0
    print("different: recomputing the inputs does not give this settlement")
    return 1


def register(subparsers: Any) -> None:
    """Add `settle` and `verify` to the command line (see `cobudget.cli`)."""
    settle = subparsers.add_parser("settle", help="compute the settlement of an envelope")
    settle.add_argument("input", type=Path, metavar="INPUT.json")
    settle.set_defaults(handler=_settle)
    verify = subparsers.add_parser("verify", help="recompute a settlement and compare bytes")
    verify.add_argument("input", type=Path, metavar="INPUT.json")
    verify.add_argument("settlement", type=Path, metavar="SETTLEMENT.json")
    verify.set_defaults(handler=_verify)
