"""Canonical bytes of the inputs and of a settlement, and the digest that ties them (SPEC §4, §6).

The canonical form of an `EnvelopeInput` sorts every list by id (supports by lieu then
challenge; a challenge's budget lines by id; its co-proposers by id after the proposing lieu,
which stays first because it means something) and encodes it as msgspec JSON, every field
present, in declaration order. The settlement's `inputs_digest` is the SHA-256 of those bytes,
so two stores of the same envelope, whatever their row order, give the same digest. A
settlement made since receipts exist (issue 20) also carries the envelope's chain of receipts
(`chain`: writes and head), last, so the digest covers it; inputs without one leave the field
out.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec

from cobudget.engine.errors import InvalidEnvelope
from cobudget.engine.settlement import Settlement
from cobudget.engine.types import Challenge, EnvelopeFields, EnvelopeInput

_ENCODER = msgspec.json.Encoder()
_INPUT_DECODER = msgspec.json.Decoder(EnvelopeInput)
_SETTLEMENT_DECODER = msgspec.json.Decoder(Settlement)


def _canonical_challenge(challenge: Challenge) -> Challenge:
    proposers = challenge.proposers[:1] + sorted(challenge.proposers[1:])
    lines = sorted(challenge.budget_lines, key=lambda line: line.id)
    return msgspec.structs.replace(challenge, proposers=proposers, budget_lines=lines)


def canonical(inputs: EnvelopeInput) -> EnvelopeInput:
    """The same inputs with every list in canonical order."""
    return msgspec.structs.replace(
        inputs,
        lieux=sorted(inputs.lieux, key=lambda x: x.id),
        cofunders=sorted(inputs.cofunders, key=lambda x: x.id),
        challenges=sorted((_canonical_challenge(c) for c in inputs.challenges), key=lambda x: x.id),
        pledges=sorted(inputs.pledges, key=lambda x: x.id),
        supports=sorted(inputs.supports, key=lambda s: (s.lieu_id, s.challenge_id)),
    )


def encode_input(inputs: EnvelopeInput) -> bytes:
    """Canonical bytes of the inputs: what the digest covers and what an export holds.

    Without a chain of receipts the field is left out, so inputs published before receipts
    existed (issue 20) encode, and so verify, exactly as they did."""
    ordered = canonical(inputs)
    if ordered.chain is None:
        fields = {name: getattr(ordered, name) for name in EnvelopeFields.__struct_fields__}
        return _ENCODER.encode(EnvelopeFields(**fields))
    return _ENCODER.encode(ordered)


def digest(inputs: EnvelopeInput) -> str:
    """SHA-256 (hex) of the canonical bytes of the inputs."""
    return hashlib.sha256(encode_input(inputs)).hexdigest()


def encode_settlement(settlement: Settlement) -> bytes:
    """Settlement bytes (msgspec JSON). Deterministic: rules build settlements with
    `settlement.assemble`, which sorts every list by id."""
    return _ENCODER.encode(settlement)


def decode_settlement(data: bytes) -> Settlement:
    """Read settlement bytes back. Raises InvalidEnvelope("settlement", "malformed")."""
    try:
        return _SETTLEMENT_DECODER.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise InvalidEnvelope("settlement", "malformed", message=str(error)) from error


_SINGULAR = {
    "lieux": "lieu",
    "cofunders": "cofunder",
    "challenges": "challenge",
    "pledges": "pledge",
    "supports": "support",
    "budget_lines": "budget line",
}
_STEP = re.compile(r"\.(\w+)\[(\d+)\]")


def _item_at(raw: Any, path: str) -> str:
    """Name the item a msgspec error path points at ("$.challenges[0].budget_lines[2]" →
    "challenge 3 budget line 7"), using ids from the raw JSON where it has them."""
    names: list[str] = []
    node = raw
    for field, index in _STEP.findall(path):
        try:
            node = node[field][int(index)]
        except (KeyError, IndexError, TypeError):
            break
        ident = node.get("id") if isinstance(node, dict) else None
        label = _SINGULAR.get(field, field)
        names.append(f"{label} {ident}" if isinstance(ident, int) else f"{label} #{index}")
    return " ".join(names) or "envelope"


def decode_input(data: bytes | str) -> EnvelopeInput:
    """Decode JSON inputs strictly: unknown fields, floats where cents go, missing fields and
    malformed JSON all raise InvalidEnvelope naming the item (e.g. "pledge 12")."""
    try:
        return _INPUT_DECODER.decode(data)
    except msgspec.ValidationError as error:
        message = str(error)
        match = re.search(r"at `(\$[^`]*)`", message)
        path = match.group(1) if match else "$"
        try:
            raw = msgspec.json.decode(data)
        except msgspec.DecodeError:  # pragma: no cover - validated above
            raw = None
        raise InvalidEnvelope(_item_at(raw, path), "malformed", message=message) from error
    except msgspec.DecodeError as error:
        raise InvalidEnvelope("input", "malformed_json", message=str(error)) from error
