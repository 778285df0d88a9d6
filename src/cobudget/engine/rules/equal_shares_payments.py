"""Who pays what under `equal_shares`, in whole cents, and each lieu's raise (SPEC §6.2, §6.4).

In the kept add-one round k, each lieu's budget in the method is its share of the virtual
envelope amount + k·n·unit (n lieux): its drawing rights plus the *raise* the add-one completion
gave every lieu alike (k units each with equal weights). In whole cents that budget is the
virtual envelope split by weight by largest remainder (never below the lieu's drawing rights),
and the raise is what it holds above the drawing rights.

- The challenges the method buys are paid by their supporters: the exact payments are rounded to
  whole cents by `rounding.round_table`, which keeps each challenge's cost and each lieu within its
  budget in cents. The exact budget is a fraction of a cent; in the rare case where lieux spent
  together the fractions of a cent that the rounding of their budgets gave to others, one of them
  pays one cent above its budget in cents, and that cent is counted in its raise, so that what a
  lieu paid never exceeds its drawing rights and its raise together.
- The challenges the greedy completion buys are paid from the drawing rights the method left
  unspent: each one's cost is split among the lieux in proportion to what is left of their
  drawing rights (largest remainder, ties by lieu id). The greedy spends at most what the
  envelope has left, and that is at most what the lieux have left of their drawing rights, so
  every euro of the envelope a challenge receives is paid by some lieu; the greedy never takes
  a lieu above its drawing rights.

So, per lieu: paid ≤ drawing rights + raise; over the lieux: Σ paid = the envelope money the
challenges receive = amount − leftover. The envelope's leftover is the only leftover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from cobudget.engine.money import largest_remainder
from cobudget.engine.rounding import round_table
from cobudget.engine.types import EnvelopeInput


@dataclass(frozen=True, slots=True)
class LieuPayments:
    """Whole-cent payments per bought challenge {challenge id: {lieu id: cents}}, and per lieu
    what it paid in all and the raise it was given."""

    by_challenge: dict[int, dict[int, int]]
    paid: dict[int, int]
    raised: dict[int, int]


def budgets(inputs: EnvelopeInput, rights: Mapping[int, int], rounds: int) -> dict[int, int]:
    """Each lieu's budget in the kept add-one round `rounds`, in whole cents: the virtual
    envelope amount + rounds·n·unit split by weight by largest remainder, ties by lieu id (with
    equal weights: its drawing rights + rounds units), never below its drawing rights."""
    lieux = sorted(inputs.lieux, key=lambda lieu: lieu.id)
    ids = [lieu.id for lieu in lieux]
    # All weights zero (an empty envelope): the method shares alike, as `solve` says.
    weights = [lieu.weight for lieu in lieux] if any(x.weight for x in lieux) else [1] * len(ids)
    virtual = inputs.amount_cents + rounds * len(ids) * inputs.params.unit_cents
    split = largest_remainder(virtual, weights, ids) if ids else []
    return {lieu: max(rights.get(lieu, 0), cents) for lieu, cents in zip(ids, split, strict=True)}


def pay(
    method: Sequence[tuple[int, dict[int, Fraction]]],
    greedy: Sequence[tuple[int, int]],
    rights: Mapping[int, int],
    budget: Mapping[int, int],
) -> LieuPayments:
    """Whole-cent payments of the challenges bought by the method, `method` = [(challenge id,
    {lieu id: exact payment})], and by the greedy completion, `greedy` = [(challenge id, cost)],
    each in the order bought; `budget` from `budgets`. See the module docstring."""
    rounded = round_table([exact for _, exact in method], budget)
    by_challenge = {cid: cents for (cid, _), cents in zip(method, rounded, strict=True)}
    paid = dict.fromkeys(rights, 0)
    for cents in rounded:
        for lieu, amount in cents.items():
            paid[lieu] += amount
    raised = {lieu: max(budget[lieu], paid[lieu]) - rights[lieu] for lieu in rights}
    ids = sorted(rights)
    room = [max(0, rights[lieu] - paid[lieu]) for lieu in ids]
    for cid, cost in greedy:
        shares = largest_remainder(cost, room, ids)
        by_challenge[cid] = {lieu: share for lieu, share in zip(ids, shares, strict=True) if share}
        for i, share in enumerate(shares):
            room[i] -= share
            paid[ids[i]] += share
    return LieuPayments(by_challenge, paid, raised)
