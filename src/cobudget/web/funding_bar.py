"""A challenge's funding as a bar (issue 18): how far along its maximum the money goes, and
where its minimum stands, as shares ready for the template (templates hold no arithmetic).

The bar ends at the maximum, the budget a challenge may not exceed; the tick marks the minimum
it needs to be funded at all. The figures are written beside the bar by the template: the shares
here only place the picture. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

# The tick is drawn this far inside the ends, so a minimum equal to the maximum (or zero) is
# still seen whole rather than half cut by the edge of the picture.
EDGE = 0.5


@dataclass(frozen=True)
class FundingBar:
    amount_cents: int  # what fills the bar: pledged so far, or received once settled
    min_cents: int
    max_cents: int
    filled: float  # share of the bar filled, 0 to 100
    minimum_at: float  # where the minimum's tick stands, 0 to 100
    reached: bool  # the amount reaches the minimum


def _share(part: int, whole: int) -> float:
    return round(100 * min(max(part, 0), whole) / whole, 2)


def funding_bar(amount_cents: int, min_cents: int, max_cents: int) -> FundingBar:
    """The bar of `amount_cents` against a challenge's minimum and maximum. An amount above the
    maximum fills the bar (the figures beside it say the amount); a challenge without a budget
    yet has an empty bar."""
    whole = max(max_cents, min_cents, 1)
    return FundingBar(
        amount_cents=amount_cents,
        min_cents=min_cents,
        max_cents=max_cents,
        filled=_share(amount_cents, whole),
        minimum_at=min(max(_share(min_cents, whole), EDGE), 100 - EDGE),
        reached=amount_cents >= min_cents > 0,
    )
