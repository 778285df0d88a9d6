"""Money helpers: the one place where an amount of cents is split (SPEC §6).

Every rule that divides cents among several parties calls `largest_remainder`, so rounding is
decided once: each party first gets the floor of its exact share, then the cents still missing
go one by one to the largest remainders, ties to the smallest key (id). The parts always add up
to the total exactly. `engine.rounding.round_table` rounds a table of exact payments
(`equal_shares`) the same way, column by column, while bounding what each payer pays in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(total_cents: int, weights: Sequence[int], keys: Sequence[int]) -> list[int]:
    """Split `total_cents` in proportion to `weights` (Hamilton's method), ties by smallest key.

    Returns one integer per weight, in the order given, summing to `total_cents`; a party never
    gets more than the ceiling of its exact share. Raises ValueError on a negative total or
    weight, on weights and keys of different lengths, or on a positive total with no weight
    (callers validate inputs first: this is a programming error, not bad input).
    """
    if len(weights) != len(keys):
        raise ValueError("weights and keys differ in length")
    if total_cents < 0:
        raise ValueError("negative total")
    weight_sum = 0
    for w in weights:
        if w < 0:
            raise ValueError("negative weight")
        weight_sum += w
    if weight_sum == 0:
        if total_cents:
            raise ValueError("positive total with no weight")
        return [0] * len(weights)
    shares: list[int] = []
    remainders: list[int] = []
    for w in weights:
        q, r = divmod(total_cents * w, weight_sum)
        shares.append(q)
        remainders.append(r)
    missing = total_cents - sum(shares)
    if missing:
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], keys[i]))
        for i in order[:missing]:
            shares[i] += 1
    return shares


def fraction_text(value: Fraction) -> str:
    """An exact fraction as the text "num/den" (always both parts, lowest terms), as
    explanations show it so that a reader can check it without floating point."""
    return f"{value.numerator}/{value.denominator}"


def ceil_div(a: int, b: int) -> int:
    """⌈a / b⌉ for a positive b, in integers."""
    return -(-a // b)
