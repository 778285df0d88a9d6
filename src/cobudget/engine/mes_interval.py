"""Proving that a whole range of add-one rounds buys the same projects in the same order.

An exact run at round k (`engine.mes`) gives its decision sequence: the projects bought, in
order. `certify(prep, k, span, sequence)` proves that every round k + t, 0 <= t <= T, makes the
very same decisions, for the largest T <= span it can (-1: none). The add-one scan can then skip
all those rounds: their outcome is round k's (docs/equal-shares.md, "Proving a whole range of
rounds"). A check that holds only on part of the range shortens T instead of failing the proof.

How. Each budget state carries a lower and an upper bound of its budget, both affine in t on
[0, span]; an affine function is kept as its values at t = 0 and t = span, and every check is a
check at both ends. At the start they are the exact budgets (share + t·unit). At each step of
the sequence, for the project c the exact run bought:

* an upper bound of c's price: its price computed from the lower budgets, which is a convex
  function of t (the lower budgets are affine), so it lies below its chord, the affine function
  through its values at both ends;
* lower bounds of a price: the price formula F_S(b) = (cost - sum of S's budgets) / (sum of
  the others' utilities) taken at the upper budgets, with S the poor buckets at t = 0 or at
  t = span (the tangents at both ends). Any F_S is at most the true price whatever the
  budgets, and it falls as the budgets rise;
* c is affordable at both ends of the lower budgets, hence everywhere between;
* every other project q still in the running has lower bounds (kept from an earlier step: the
  upper budgets only fall, so they stay bounds) whose maximum is at least c's upper bound at
  every t (strictly when q's number is lower, the tie-break), or q is unaffordable at both ends
  of the upper budgets: then c is bought at every t;
* the new budgets of c's supporters: lower bound max(0, lower - upper price · u) (this one is
  kept affine: it is taken as the affine part or 0), upper bound max(0, upper - lower price · u),
  which is convex, hence below its chord.

After the last step, every project left must be unaffordable at both ends of the upper budgets.

Budgets are integers in units of 1/`scale` of a cost unit, with `scale` a multiple of the total
weight, so the starting budgets are exact; each payment bound is rounded outwards (the lower
budget down, the upper budget up), which keeps every bound valid. Failing to prove is always
allowed: the scan then goes on round by round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from typing import TYPE_CHECKING

from cobudget.engine.mes_prepare import tally

if TYPE_CHECKING:
    from cobudget.engine.mes_prepare import Prepared

# Budgets are counted in units of 1 / (total weight · 2**PRECISION) of a cost unit.
PRECISION = 40

# A price rest / denom, as (rest, denom) with denom > 0.
Price = tuple[int, int]
# An affine function of t on [0, span], as its values at both ends.
Affine = tuple[Price, Price]
# A bucket: (budget, utility, count, state).
Bucket = tuple[int, int, int, int]
# A project's supporters: per utility, how many are in each budget state.
Hist = list[tuple[int, Counter[int]]]


def _buckets(hist: Hist, values: list[int]) -> list[Bucket]:
    return [(values[s], u, cnt, s) for u, c in hist for s, cnt in c.items()]


def _price(cost: int, total: int, buckets: list[Bucket], common: int) -> tuple[Price, int] | None:
    """The price at which the buckets pay `cost`, and how many buckets (first in `buckets`,
    which it sorts by budget per utility) pay all they have; None if they cannot pay it.
    `common` is a common multiple of the utilities (1 when there is only one)."""
    if sum([b[0] * b[2] for b in buckets]) < cost:
        return None
    if common == 1:
        buckets.sort()
    else:
        buckets.sort(key=lambda b: b[0] * (common // b[1]))
    rest = cost
    denom = total
    poor = 0
    for v, u, cnt, _ in buckets:
        if rest * u <= v * denom:
            break
        rest -= cnt * v
        denom -= cnt * u
        poor += 1
    return (rest, denom), poor


def _at_least(a: Price, b: Price, strict: bool) -> bool:
    """a >= b (a > b when strict)."""
    left = a[0] * b[1]
    right = b[0] * a[1]
    return left > right if strict else left >= right


def _above(lows: list[Affine], high: Affine, strict: bool) -> bool:
    """max(lows) >= high everywhere on [0, span] (> when strict)."""
    if not lows:
        return False
    if len(lows) == 1 or lows[0] == lows[1]:
        low = lows[0]
        return _at_least(low[0], high[0], strict) and _at_least(low[1], high[1], strict)
    if not (_at_least(lows[0][0], high[0], strict) and _at_least(lows[1][1], high[1], strict)):
        return False
    if _at_least(lows[0][1], high[1], strict) or _at_least(lows[1][0], high[0], strict):
        return True  # one of the two is above everywhere
    # The maximum of two affine functions minus an affine function is convex: its minimum is
    # where the two cross.
    a0, a1 = (Fraction(*x) for x in lows[0])
    b0, b1 = (Fraction(*x) for x in lows[1])
    c0, c1 = (Fraction(*x) for x in high)
    s = (b0 - a0) / ((a1 - a0) - (b1 - b0))
    gap = a0 + s * (a1 - a0) - (c0 + s * (c1 - c0))
    return gap > 0 if strict else gap >= 0


def _reach(gap0: Fraction, gap1: Fraction, span: int, strict: bool) -> int:
    """The largest whole t in [0, span] such that the affine gap (gap0 at t = 0, gap1 at
    t = span) is >= 0 (> 0 when strict) at every point of [0, t]; -1 if it is not at t = 0.
    Where the gap crosses zero, only the rounds strictly below the crossing are kept."""
    if (gap0 <= 0) if strict else (gap0 < 0):
        return -1
    if (gap1 > 0) if strict else (gap1 >= 0):
        return span
    # gap0 > 0 >= gap1 (or >= 0 > gap1): the crossing s·span, 0 < s <= 1.
    crossing = span * gap0 / (gap0 - gap1)
    below = -(-crossing.numerator // crossing.denominator) - 1  # the last t < crossing
    return max(-1, min(span, below))


def _gap(low: Affine, high: Affine) -> tuple[Fraction, Fraction]:
    return (
        Fraction(*low[0]) - Fraction(*high[0]),
        Fraction(*low[1]) - Fraction(*high[1]),
    )


def _above_until(lows: list[Affine], high: Affine, strict: bool, span: int) -> int:
    """The largest t such that max(lows) >= high (> when strict) at every round of [0, t];
    -1 if not at t = 0.

    Each gap low - high is affine: it holds on [0, r] (it falls, `_reach`), or from some round
    l to span (it rises from below). The maximum holds wherever one of them does."""
    if _above(lows, high, strict):
        return span  # the whole range, checked at both ends in integers (the usual case)
    if not lows:
        return -1
    gaps = [_gap(low, high) for low in lows]
    reach = max(_reach(g0, g1, span, strict) for g0, g1 in gaps)
    if reach < 0 or reach == span:
        return reach
    for g0, g1 in gaps:
        if g1 > g0 and ((g0 <= 0) if strict else (g0 < 0)):
            crossing = span * (-g0) / (g1 - g0)  # where it reaches 0, rising
            start = crossing.numerator // crossing.denominator + 1  # the first round past it
            if start <= reach + 1:
                return span  # it holds from there to the end: no round in between fails
    return reach


def _payer_bound(lows: list[Affine]) -> Affine:
    """One affine lower bound of a positive price, nowhere negative: the larger on average of
    the two tangents, or zero."""
    best: Affine = ((0, 1), (0, 1))
    score = Fraction(0)
    for low in lows:
        if low[0][0] < 0 or low[1][0] < 0:
            continue
        mean = Fraction(*low[0]) + Fraction(*low[1])
        if mean > score:
            best, score = low, mean
    return best


class _Bounds:
    """Budget states with lower and upper budgets at both ends of the range of rounds."""

    def __init__(self, prep: Prepared, k: int, span: int) -> None:
        unit = prep.unit or 0
        self.prep = prep
        self.scale = prep.total_weight << PRECISION
        one = 1 << PRECISION  # scale / total weight
        self.lo0: list[int] = []
        self.lo1: list[int] = []
        self.hi0: list[int] = []
        self.hi1: list[int] = []
        for w in prep.weight_state:
            start = w * (prep.budget + k * unit * prep.n) * one
            end = start + w * span * unit * prep.n * one
            self.lo0.append(start)
            self.lo1.append(end)
            self.hi0.append(start)
            self.hi1.append(end)
        self.state = list(prep.initial_state)
        self.zero = -1
        self.common = [
            lcm(*(prep.utils[uid] for uid, _ in by)) if len(by) > 1 else 1 for by in prep.movers
        ]

    def hist(self, p: int) -> Hist:
        utils = self.prep.utils
        return [
            (utils[uid], tally(self.state, plan))
            for (uid, _), plan in zip(self.prep.movers[p], self.prep.tallies[p], strict=True)
        ]

    def upper_price(self, p: int, hist: Hist) -> Affine | None:
        """p's price at the lower budgets at both ends (its chord bounds it above); None if
        the lower budgets cannot pay it at one end."""
        cost = self.prep.costs[p] * self.scale
        total = self.prep.total_sat[p]
        ends = []
        for values in (self.lo0, self.lo1):
            found = _price(cost, total, _buckets(hist, values), self.common[p])
            if found is None:
                return None
            ends.append(found[0])
        return ends[0], ends[1]

    def lower_price(self, p: int, hist: Hist) -> list[Affine]:
        """Lower bounds of p's price: F_S at the upper budgets, for S the poor buckets at
        t = 0 and for S the poor buckets at t = span (the tangents at both ends of a convex
        function); empty if the upper budgets cannot pay p at either end."""
        cost = self.prep.costs[p] * self.scale
        total = self.prep.total_sat[p]
        found: list[Affine] = []
        for first, second in ((self.hi0, self.hi1), (self.hi1, self.hi0)):
            buckets = _buckets(hist, first)
            priced = _price(cost, total, buckets, self.common[p])
            if priced is None:
                continue
            at_first, poor = priced
            rest = cost
            denom = total
            for _, u, cnt, s in buckets[:poor]:
                rest -= second[s] * cnt
                denom -= u * cnt
            at_second = (rest, denom)
            found.append((at_first, at_second) if first is self.hi0 else (at_second, at_first))
        return found

    def unaffordable_until(self, p: int, hist: Hist, span: int) -> int:
        """The largest t such that the upper budgets cannot pay p on [0, t] (their sum is
        affine in t); -1 if they can at t = 0."""
        cost = self.prep.costs[p] * self.scale
        ends = [
            sum([values[s] * cnt for _, c in hist for s, cnt in c.items()])
            for values in (self.hi0, self.hi1)
        ]
        if ends[0] >= cost:
            return -1
        if ends[1] < cost:
            return span
        return _reach(Fraction(cost - ends[0]), Fraction(cost - ends[1]), span, True)

    def pay(self, c: int, upper: Affine, lower: Affine) -> None:
        """c's supporters pay: new lower and upper budgets, rounded outwards."""
        prep = self.prep
        lo0, lo1, hi0, hi1, state = self.lo0, self.lo1, self.hi0, self.hi1, self.state
        for uid, groups in prep.movers[c]:
            u = prep.utils[uid]
            # Upper payments round up (lower budgets down), lower payments round down.
            up0 = -((-upper[0][0] * u) // upper[0][1])
            up1 = -((-upper[1][0] * u) // upper[1][1])
            down0 = (lower[0][0] * u) // lower[0][1]
            down1 = (lower[1][0] * u) // lower[1][1]
            new_state: dict[int, int] = {}
            for sigma in {state[g] for g in groups}:
                a0 = lo0[sigma] - up0
                a1 = lo1[sigma] - up1
                if a0 + a1 <= 0:
                    # max(0, a) is convex: bounded below by the affine a or by 0, not by its
                    # chord. Keep the one that is larger on average.
                    a0 = a1 = 0
                b0 = max(0, hi0[sigma] - down0)
                b1 = max(0, hi1[sigma] - down1)
                if not (a0 or a1 or b0 or b1):
                    if self.zero < 0:
                        self.zero = self._new(0, 0, 0, 0)
                    new_state[sigma] = self.zero
                else:
                    new_state[sigma] = self._new(a0, a1, b0, b1)
            for g in groups:
                state[g] = new_state[state[g]]

    def _new(self, a0: int, a1: int, b0: int, b1: int) -> int:
        self.lo0.append(a0)
        self.lo1.append(a1)
        self.hi0.append(b0)
        self.hi1.append(b1)
        return len(self.lo0) - 1


def certify(prep: Prepared, k: int, span: int, sequence: Sequence[int]) -> int:
    """How many rounds after k are proved to buy `sequence` in order and nothing else: the
    largest T <= span such that every round k + t, 0 <= t <= T, does; -1 when none is proved.

    Every check below compares affine functions of t over [0, span], and every bound stays a
    bound on any part of that range: where a check stops holding at some t, the rounds before
    it are still proved, so the proof keeps going with a shorter reach instead of failing."""
    b = _Bounds(prep, k, span)
    reach = span
    alive = set(prep.mes_projects)
    # Per project: lower bounds of its price, valid from then on (the upper budgets only fall).
    bound: dict[int, list[Affine]] = {}
    for c in sequence:
        if c not in alive:
            return -1
        alive.discard(c)
        hist_c = b.hist(c)
        upper = b.upper_price(c, hist_c)
        lower = b.lower_price(c, hist_c)
        if upper is None or not lower:
            return -1
        # c must be the cheapest at every t: every other project's lower bound is at least
        # c's upper bound (strictly if it wins ties), or it cannot be paid.
        for q in sorted(alive):
            strict = q < c
            known = bound.get(q)
            if known is not None and _above_until(known, upper, strict, span) >= reach:
                continue
            hist_q = b.hist(q)
            fresh = b.lower_price(q, hist_q)
            if not fresh:
                alive.discard(q)  # for ever: the upper budgets only fall
                continue
            bound[q] = fresh
            held = max(
                _above_until(fresh, upper, strict, span), b.unaffordable_until(q, hist_q, span)
            )
            reach = min(reach, held)
            if reach < 0:
                return -1
        b.pay(c, upper, _payer_bound(lower))
    for q in alive:
        reach = min(reach, b.unaffordable_until(q, b.hist(q), span))
        if reach < 0:
            return -1
    return reach


def holds(prep: Prepared, k: int, span: int, sequence: Sequence[int]) -> bool:
    """Whether every round k + t, 0 <= t <= span, buys `sequence` in order and nothing else."""
    return certify(prep, k, span, sequence) == span
