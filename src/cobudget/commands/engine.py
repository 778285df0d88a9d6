"""`cobudget settle` and `cobudget verify`: the engine on the command line (SPEC §4, §7).

`settle INPUT.json` prints the settlement JSON; `verify INPUT.json SETTLEMENT.json` recomputes it
and says whether the published bytes are identical; `verify BUNDLE.json` does the same with the
settlement export that holds both (`{"digest", "inputs", "settlement"}`, byte for byte).
Exit status: 0 identical (or settled), 1 different, 2 invalid input (the message on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec


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


class Bundle(msgspec.Struct):
    """The settlement export: the canonical inputs and the settlement, kept as raw bytes."""

    inputs: msgspec.Raw
    settlement: msgspec.Raw
    digest: str = ""


def _bundle_parts(path: Path) -> tuple[bytes, bytes]:
    """(inputs, settlement) bytes exactly as they stand in a settlement export."""
    bundle = msgspec.json.decode(path.read_bytes(), type=Bundle)
    return bytes(bundle.inputs), bytes(bundle.settlement)


def _verify(args: argparse.Namespace) -> int:
    from cobudget.engine import InvalidEnvelope, decode_input, encode_settlement, settle

    try:
        if args.settlement is None:
            inputs, published = _bundle_parts(args.input)
            recomputed = encode_settlement(settle(decode_input(inputs)))
        else:
            recomputed = _settle_bytes(args.input)
            published = args.settlement.read_bytes()
    except (InvalidEnvelope, OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
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
    verify.add_argument("input", type=Path, metavar="INPUT.json | BUNDLE.json")
    verify.add_argument("settlement", type=Path, metavar="SETTLEMENT.json", nargs="?")
    verify.set_defaults(handler=_verify)
