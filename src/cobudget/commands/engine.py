"""`cobudget settle` and `cobudget verify`: the engine on the command line (SPEC §4, §7).

`settle INPUT.json` prints the settlement JSON; `verify INPUT.json SETTLEMENT.json` recomputes it
and says whether the published bytes are identical; `verify BUNDLE.json` does the same with the
settlement export that holds both (`{"digest", "inputs", "settlement", "receipts"}`, byte for
byte), and also recomputes the chain of receipts from the journal in the bundle and checks that
the pledges it leaves are exactly the settlement's (issue 20; a settlement published before
receipts existed is said to predate them). `verify --receipt CODE BUNDLE.json` says whether a
receipt is in the chain, and what it recorded.
Exit status: 0 identical (or settled, or found), 1 different (or a broken chain, or not found),
2 invalid input (the message on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec

from cobudget.engine import receipts
from cobudget.engine.types import EnvelopeInput


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
    """The settlement export: the canonical inputs and the settlement, kept as raw bytes, and
    the journal of receipts (absent from bundles made before receipts existed)."""

    inputs: msgspec.Raw
    settlement: msgspec.Raw
    digest: str = ""
    receipts: list[receipts.Entry] | None = None


_ERRORS = (OSError, msgspec.DecodeError, msgspec.ValidationError)


def _verify(args: argparse.Namespace) -> int:
    from cobudget.engine import InvalidEnvelope, decode_input, encode_settlement, settle

    if args.receipt is not None:
        return _find_receipt(args)
    bundle = None
    try:
        if args.settlement is None:
            bundle = msgspec.json.decode(args.input.read_bytes(), type=Bundle)
            inputs = decode_input(bytes(bundle.inputs))
            published = bytes(bundle.settlement)
            recomputed = encode_settlement(settle(inputs))
        else:
            recomputed = _settle_bytes(args.input)
            published = args.settlement.read_bytes()
    except (InvalidEnvelope, *_ERRORS) as error:
        print(f"invalid input: {error}", file=sys.stderr)
        return 2
    # A settlement saved from `cobudget settle` ends with a newline; the bytes are the rest.
    identical = published.rstrip(b"\r\n") == recomputed
    if identical:
        print("identical: the settlement is reproduced byte for byte")
    else:
        print("different: recomputing the inputs does not give this settlement")
    if bundle is None:
        return 0 if identical else 1
    complete = _check_receipts(inputs, bundle.receipts)
    return 0 if identical and complete else 1


_REASONS = {
    "hash_mismatch": "its record does not hash to the hash stated (the record was changed)",
    "prev_mismatch": "it does not follow the record before it (a record before it was changed,"
    " removed or moved)",
    "seq_out_of_order": "the records are not in the order of their numbers",
    "missing": "this number is missing from the journal",
    "envelope_mismatch": "this record belongs to another envelope",
    "head_mismatch": "the last record is not the one the settlement committed to",
    "count_mismatch": "the journal does not hold the number of writes the settlement committed to",
}


def _chain_ok(inputs: EnvelopeInput, entries: list[receipts.Entry] | None) -> bool:
    """Say whether the journal is the chain the settlement's inputs committed to."""
    chain = inputs.chain
    assert chain is not None
    if entries is None:
        print("receipts: the bundle holds no journal of receipts")
        return False
    first = entries[0].record.envelope if entries else None
    try:
        receipts.check_head(
            entries, receipts.Head(writes=chain.writes, head=chain.head), envelope=first
        )
    except receipts.ChainBroken as broken:
        reason = _REASONS.get(broken.reason, broken.reason)
        detail = f" ({broken.detail})" if broken.detail else ""
        print(f"receipts: the chain breaks at seq {broken.seq}: {reason}{detail}")
        return False
    return True


def _check_receipts(inputs: EnvelopeInput, entries: list[receipts.Entry] | None) -> bool:
    """Recompute the chain and replay it against the settlement's pledges and support."""
    if inputs.chain is None:
        print("receipts: this settlement predates receipts; there is no chain to check")
        return True
    if not _chain_ok(inputs, entries):
        return False
    assert entries is not None
    problems = receipts.differences((e.record for e in entries), inputs)
    if problems:
        print("receipts: the journal does not leave the settlement's pledges:")
        for problem in problems[:20]:
            print(f"  {problem}")
        if len(problems) > 20:
            print(f"  … and {len(problems) - 20} more")
        return False
    print(
        f"receipts: {inputs.chain.writes} writes chained, head {inputs.chain.head}; the pledges "
        "and support they leave are exactly the settlement's"
    )
    return True


def _find_receipt(args: argparse.Namespace) -> int:
    """`verify --receipt CODE BUNDLE.json`: is this receipt in the chain, and what it says."""
    from cobudget.engine import InvalidEnvelope, decode_input, decode_settlement, digest

    code = receipts.code_key(args.receipt)
    if code is None:
        print(f"invalid receipt: {args.receipt!r} is not 16 characters of base 32", file=sys.stderr)
        return 2
    try:
        bundle = msgspec.json.decode(args.input.read_bytes(), type=Bundle)
        inputs = decode_input(bytes(bundle.inputs))
        settlement = decode_settlement(bytes(bundle.settlement))
    except (InvalidEnvelope, *_ERRORS) as error:
        print(f"invalid input: {error}", file=sys.stderr)
        return 2
    if settlement.inputs_digest != digest(inputs):
        print("different: the settlement was not computed from these inputs")
        return 1
    if inputs.chain is None:
        print("not found: this settlement predates receipts")
        return 1
    if not _chain_ok(inputs, bundle.receipts):
        return 1
    found = receipts.find(bundle.receipts or [], code)
    shown = receipts.grouped(code)
    if found is None:
        print(f"not found: receipt {shown} is not in this envelope's chain")
        return 1
    r = found.record
    print(
        f"found: receipt {shown} is write {r.seq} of {inputs.chain.writes} of envelope "
        f"{r.envelope}, in the chain the settlement committed to"
    )
    print(
        f"  {r.kind}: {r.unit}, challenge {r.challenge}, {r.source}, amount {r.amount}, at {r.at}"
    )
    return 0


def register(subparsers: Any) -> None:
    """Add `settle` and `verify` to the command line (see `cobudget.cli`)."""
    settle = subparsers.add_parser("settle", help="compute the settlement of an envelope")
    settle.add_argument("input", type=Path, metavar="INPUT.json")
    settle.set_defaults(handler=_settle)
    verify = subparsers.add_parser("verify", help="recompute a settlement and compare bytes")
    verify.add_argument("input", type=Path, metavar="INPUT.json | BUNDLE.json")
    verify.add_argument("settlement", type=Path, metavar="SETTLEMENT.json", nargs="?")
    verify.add_argument(
        "--receipt", metavar="CODE", help="say whether this receipt is in the bundle's chain"
    )
    verify.set_defaults(handler=_verify)
