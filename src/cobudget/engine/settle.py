"""The engine's entry point: validate once, then settle under the envelope's rule (SPEC §6)."""

from __future__ import annotations

from cobudget.engine.settlement import Settlement
from cobudget.engine.types import EnvelopeInput
from cobudget.engine.validate import validate


def settle(inputs: EnvelopeInput) -> Settlement:
    """Compute the settlement of an envelope (SPEC §6.1–6.3).

    Pure and deterministic: the same inputs, in any order, give a settlement that encodes to
    the same bytes. Raises InvalidEnvelope, naming the item, when the inputs cannot be settled.
    Each rule module is imported here, when needed, so that one rule's module is not needed to
    settle under another.
    """
    validate(inputs)
    if inputs.rule == "cofunding":
        from cobudget.engine.rules import cofunding

        return cofunding.settle(inputs)
    if inputs.rule == "matching":
        from cobudget.engine.rules import matching

        return matching.settle(inputs)
    from cobudget.engine.rules import equal_shares  # type: ignore[attr-defined,unused-ignore]

    result: Settlement = equal_shares.settle(inputs)
    return result


def settle_encoded(inputs: bytes) -> tuple[bytes | None, str | None]:
    """Canonical input bytes in, settlement bytes out, or the refusal as "item: reason": only
    bytes and strings, so that a run can cross into a worker process and back cheaply."""
    from cobudget.engine.canonical import decode_input, encode_settlement
    from cobudget.engine.errors import InvalidEnvelope

    try:
        return encode_settlement(settle(decode_input(inputs))), None
    except InvalidEnvelope as error:
        return None, f"{error.item}: {error.reason}"
