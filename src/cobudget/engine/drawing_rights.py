"""Drawing rights: each member lieu's share of the envelope (SPEC §6)."""

from __future__ import annotations

from collections.abc import Sequence

from cobudget.engine.money import largest_remainder
from cobudget.engine.types import Lieu


def drawing_rights(amount_cents: int, lieux: Sequence[Lieu]) -> dict[int, int]:
    """Split the envelope among lieux by weight, largest remainder, ties by lieu id.

    The shares add up to `amount_cents` exactly. Returns {lieu id: cents}. Inputs are assumed
    validated (`engine.validate`): non-negative weights, some weight if the amount is positive.
    """
    ordered = sorted(lieux, key=lambda lieu: lieu.id)
    ids = [lieu.id for lieu in ordered]
    shares = largest_remainder(amount_cents, [lieu.weight for lieu in ordered], ids)
    return dict(zip(ids, shares, strict=True))
