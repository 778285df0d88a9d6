"""Range proofs in floats with outward margins (issue 19, step 4): `mes_interval.certify`, fast.

The same proof as `mes_interval` (docs/equal-shares.md, point 4), with the same contract: how many
rounds after k are proved to buy `sequence` in order and nothing else (-1: none). Only the
arithmetic differs. Each supporting group carries its four budget bounds (lower and upper, at
t = 0 and t = span) as floats, rounded outwards at every step, so no budget state is created and
every step is a few numpy operations over the groups concerned:

* a lower budget is always rounded down and an upper one up (`np.nextafter`, or `_below` and
  `_above`), and every sum is taken with a bound of its rounding error ((terms + 8)·2**-50 of
  the sum of magnitudes);
* c's upper price at the lower budgets is the float price, raised, then *checked*: the lower
  budgets, each paying min(budget, price·u), cover the cost with margin (the price function is
  increasing, so any price that covers it is an upper bound of the price);
* a lower bound of a price is a price formula F_S at the upper budgets, whatever S (docs, point
  3): S is found with floats, and the formula is taken rounded down;
* every comparison is between a bound rounded down and a bound rounded up, and a crossing round
  is taken below the crossing of the bounds.

A proof may start at a snapshot of the last exact run instead of the first purchase, where the
run's steps before it certainly keep their path over the whole range (`_snapshot`): the bounds
then come from the run's float budgets, widened by their error.

Floats find *and* bound here: a proof in floats is a proof. It proves less than the integer one
where two prices nearly tie (the margins are about 1e-13 of a price): the scan then runs exactly.
Only for elections whose supporters all give each project one utility (cost utilities); the
integer proof stays the reference, and the tests check both against exact runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cobudget.engine.mes_numpy import poor_prefix

if TYPE_CHECKING:
    from cobudget.engine.mes_prepare import Prepared
    from cobudget.engine.mes_run import Run, Snap

Floats = NDArray[np.float64]
# A generous bound of one rounding error, relatively.
EPS = 2.0**-50
DOWN = -np.inf
UP = np.inf
# An affine function of t on [0, span], as its values at both ends.
Line = tuple[float, float]


def applies(prep: Prepared) -> bool:
    """Whether every project's supporters give it one utility (the float proof's case), and
    every total of utilities is a whole number floats hold exactly."""
    return (
        all(len(movers) <= 1 for movers in prep.movers) and max(prep.total_sat, default=0) < 2**52
    )


def _sum_down(x: Floats) -> float:
    total = float(x.sum())
    return total - (len(x) + 8) * EPS * float(np.abs(x).sum())


def _sum_up(x: Floats) -> float:
    total = float(x.sum())
    return total + (len(x) + 8) * EPS * float(np.abs(x).sum())


def _down(x: float) -> float:
    return math.nextafter(x, -math.inf)


def _up(x: float) -> float:
    return math.nextafter(x, math.inf)


# Below: a float x that is an operation's result rounded to nearest is within half an ulp, at
# most |x|·2**-53, of the exact result; x - (|x|·2**-52 + the least subnormal) falls at least
# half an ulp below x even after its own rounding, so it is at most the exact result (and likewise
# above). Two ulps at most, for a few cheap operations where `np.nextafter` costs 5 ns an element.
TINY = 2.0**-1074


def _ulps(x: Floats) -> Floats:
    step = np.abs(x)
    step *= 2.0**-52
    step += TINY
    return step


def _below(x: Floats) -> Floats:
    """x, an array of results rounded to nearest, lowered to at most the exact results (in
    place)."""
    x -= _ulps(x)
    return x


def _above(x: Floats) -> Floats:
    """x raised to at least the exact results, as `_below` (in place)."""
    x += _ulps(x)
    return x


def _reach(gap0: float, gap1: float, span: int) -> int:
    """The largest whole t in [0, span] with the affine gap (lower bounds gap0 at t = 0, gap1
    at t = span) > 0 at every round of [0, t]; -1 if not at t = 0. Strict always: the gaps are
    between a bound rounded down and one rounded up, so 0 is never trusted."""
    if gap0 <= 0:
        return -1
    if gap1 > 0:
        return span
    crossing = span * gap0 / (gap0 - gap1)
    # Below the computed crossing by far more than its rounding errors.
    below = math.ceil(crossing * (1 - 2.0**-40)) - 1
    return max(-1, min(span, below))


def _reaches(gap0: Floats, gap1: Floats, span: int) -> NDArray[np.intp]:
    """`_reach` of each pair of gaps, in the same float operations."""
    # (Only where gap0 > 0 >= gap1 is the crossing read, and within [0, span] there.)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        crossing = span * gap0 / (gap0 - gap1)
        below = np.ceil(crossing * (1 - 2.0**-40)) - 1
    inside = np.maximum(-1.0, np.minimum(float(span), np.nan_to_num(below)))
    reach = np.where(gap1 > 0, float(span), inside)
    return np.where(gap0 <= 0, -1.0, reach).astype(np.intp)


def _rises_from(gap0: float, gap1: float, span: int) -> int:
    """For a rising gap negative at t = 0: the first whole round from which it is > 0."""
    crossing = span * (-gap0) / (gap1 - gap0)
    return int(crossing * (1 + 2.0**-40)) + 1


class _Bounds:
    """Per supporting group: lower and upper budgets, at both ends, as floats."""

    def __init__(
        self, prep: Prepared, k: int, span: int, resume: tuple[Run, Snap] | None = None
    ) -> None:
        self.prep = prep
        if prep.float_groups is None:
            prep.float_groups = [
                np.array(movers[0][1], dtype=np.intp) if movers else None for movers in prep.movers
            ]
            prep.float_counts = np.array(prep.mult, dtype=np.float64)
            prep.float_weights = np.array(prep.initial_state, dtype=np.intp)
            prep.float_group_counts = [
                None if g is None else prep.float_counts[g] for g in prep.float_groups
            ]
            # Each project's number of supporting voters (a whole number: exact as a float).
            prep.float_voters = [
                0.0 if c is None else float(c.sum()) for c in prep.float_group_counts
            ]
        if prep.float_alike is None:
            costs = np.array(prep.costs, dtype=np.float64)
            totals = np.array(prep.total_sat, dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):  # unsupported: not in MES
                low = np.nextafter(np.nextafter(costs, DOWN) / totals, DOWN)
            prep.float_alike = (costs, np.array(prep.float_voters), low)
        self.groups = prep.float_groups
        # Each project's supporting groups' numbers of voters.
        assert prep.float_group_counts is not None
        self.counts: list[Floats] = prep.float_group_counts
        assert prep.float_voters is not None
        self.voters: list[float] = prep.float_voters
        # Each weight's exact budget at both ends, correctly rounded, then rounded outwards.
        ends = [[0.0] * len(prep.weight_state), [0.0] * len(prep.weight_state)]
        for w, number in prep.weight_state.items():
            share, growth = prep.start(w, k)
            ends[0][number] = float(share)
            ends[1][number] = float(share + growth * span)
        start = np.array(ends[0], dtype=np.float64)
        end = np.array(ends[1], dtype=np.float64)
        # Where every voter starts with the same budget (one weight), the upper budget at
        # both ends before any purchase: until the first one, every supporter of every
        # project holds it (`alike`).
        self.top: Line | None = None
        if len(ends[0]) == 1:
            self.top = (float(np.nextafter(start, UP)[0]), float(np.nextafter(end, UP)[0]))
        self.alike = self.top is not None and resume is None
        if resume is not None:
            self._from_snapshot(k, span, *resume)
            return
        # Spread to the groups by their weight's number (`Prepared.initial_state`).
        weights = prep.float_weights
        self.lo0 = np.nextafter(start, DOWN)[weights]
        self.hi0 = np.nextafter(start, UP)[weights]
        self.lo1 = np.nextafter(end, DOWN)[weights]
        self.hi1 = np.nextafter(end, UP)[weights]

    def _from_snapshot(self, k: int, span: int, run: Run, snap: Snap) -> None:
        """The bounds before the snapshot's step, at rounds k and k + span, from the run's
        float budgets and growths (`Run.floats`, at round run.k, each within 3·2**-53 of the
        exact one; every growth is >= 0): budget + growth·rounds is then within 6·2**-53 of
        the exact budget, which the factors 1 -+ 2**-49 and one step outwards cover."""
        assert run.floats is not None and isinstance(snap.state, np.ndarray)
        budgets, growths = run.floats[0][: snap.states], run.floats[1][: snap.states]
        at0 = budgets + growths * float(k - run.k)
        at1 = budgets + growths * float(k + span - run.k)
        below, above = 1 - 2.0**-49, 1 + 2.0**-49
        self.lo0 = np.nextafter(at0 * below, DOWN)[snap.state]
        self.hi0 = np.nextafter(at0 * above, UP)[snap.state]
        self.lo1 = np.nextafter(at1 * below, DOWN)[snap.state]
        self.hi1 = np.nextafter(at1 * above, UP)[snap.state]

    def _utility(self, p: int) -> float:
        return float(self.prep.utils[self.prep.movers[p][0][0]])

    def gather(self, c: int) -> tuple[Floats, Floats, Floats, Floats]:
        """The four budget bounds of c's supporting groups (lower at both ends, then upper),
        gathered once for its price bounds and its payment."""
        g = self.groups[c]
        assert g is not None
        return self.lo0[g], self.lo1[g], self.hi0[g], self.hi1[g]

    def upper_price(self, p: int, lows: tuple[Floats, Floats], lower: list[Line]) -> Line | None:
        """p's price at the lower budgets at both ends (`lows`, from `gather`), raised and
        checked; None if they cannot certainly pay it at one end. `lower`: lower bounds of its
        price at the upper budgets, hence at most its price at the lower ones, where the
        search starts."""
        cost = float(self.prep.costs[p])
        u = self._utility(p)
        counts = self.counts[p]
        found = []
        total = float(self.prep.total_sat[p])
        for end, budgets in enumerate(lows):
            holds = budgets * counts
            if _sum_down(holds) < cost * (1 + 4 * EPS):
                return None
            start = max((low[end] for low in lower), default=0.0)
            climbed = _climb(budgets, holds, counts, cost, u, total, start, 8)
            if climbed is not None and climbed[2]:
                guess: float | None = climbed[1]
            else:  # not reached in a few turns: sort
                guess = _float_price(budgets, counts, cost, u, total)
            if guess is None:
                return None
            # Raised until, paying min(budget, rho·u), the lower budgets certainly cover the
            # cost: then rho is at least the price (the least rho that covers it). Only the
            # rich pay more as rho rises: a few raises, each 16 times the last, up to 1e-8.
            lift = 4 * (len(budgets) + 8) * EPS
            while True:
                rho = guess * (1 + lift) + 2.0**-1000
                if _sum_down(np.minimum(budgets, rho * u) * counts) >= cost * (1 + 4 * EPS):
                    break
                lift *= 16
                if lift > 1e-8:
                    return None
            found.append(rho)
        return found[0], found[1]

    def lower_price(
        self,
        p: int,
        span: int,
        known: list[Line] | None = None,
        beat: Line | None = None,
        highs: tuple[Floats, Floats] | None = None,
    ) -> tuple[list[Line], int]:
        """Lower bounds of p's price: F_S at the upper budgets, S the poor groups at t = 0 and
        at t = span as far as `_climb` finds them (each rounded down), and how many rounds the
        upper budgets certainly cannot pay p for (-1: they may at t = 0). `known`: lower
        bounds from an earlier step, where the search for the poor starts. With `beat` (the
        price p must stay above), the first bound is enough where it stays above `beat` over
        the whole range. `highs`: p's upper budgets at both ends, if already gathered."""
        if self.alike:
            return self._alike_price(p, span)
        if highs is None:
            g = self.groups[p]
            assert g is not None
            highs = (self.hi0[g], self.hi1[g])
        cost = float(self.prep.costs[p])
        u = self._utility(p)
        counts = self.counts[p]
        total = float(self.prep.total_sat[p])
        budgets = highs
        holds = (budgets[0] * counts, budgets[1] * counts)
        # Upper budgets are never negative: the sums of magnitudes are the sums.
        margin = 1 + (len(counts) + 8) * EPS
        short0 = _down(cost - float(holds[0].sum()) * margin)
        # (Where they may pay p at t = 0, the sum at t = span is not needed.)
        short1 = _down(cost - float(holds[1].sum()) * margin) if short0 > 0 else 0.0
        beyond = _reach(short0, short1, span)
        found: list[Line] = []
        if beyond == span:
            # Beyond its supporters' means over the whole range: no bound is needed.
            return found, beyond
        for first in (0, 1):
            start = max((low[first] for low in known), default=0.0) if known else 0.0
            climbed = _climb(budgets[first], holds[first], counts, cost, u, total, start, 6)
            if climbed is None:
                continue
            poor = climbed[0]
            # Sums as dot products with the 0/1 mask: the products are exact and adding an
            # exact 0 is exact, so the bound of a sum of the `terms` poor holds still applies.
            denom = total - u * float(counts @ poor)
            if denom <= 0:
                continue
            terms = int(np.count_nonzero(poor)) + 8
            values = [0.0, 0.0]
            for end in (0, 1):
                spent = float(holds[end] @ poor) * (1 + terms * EPS)
                values[end] = _down(_down(cost - spent) / denom)
            found.append((values[0], values[1]))
            if beat is not None and _above_until(found, beat, span) == span:
                break
        return found, beyond

    def _alike_price(self, p: int, span: int) -> tuple[list[Line], int]:
        """`lower_price` where every supporter of p holds the same upper budgets (`alike`):
        their sum is one product (n voters), and where they can pay p they all pay the same,
        rho·u = cost / n, so p's price is F_S with S empty, cost / total, at every round where
        it is affordable (and F_S is a lower bound of it whatever S, affordable or not). Its
        means and bound are those `beyond_at_start` and `alike_rivals` take for all projects."""
        beyond = int(self.beyond_at_start(span)[p])
        if beyond == span:
            return [], beyond
        low = float(self.prep.float_alike[2][p])
        return [(low, low)], beyond

    def beyond_at_start(self, span: int) -> NDArray[np.intp]:
        """Where every voter starts alike (`top`), how many rounds each project is certainly
        beyond its supporters' means before any purchase: their sum is one product each
        (`voters`·top), correctly rounded, so within (1 + 8)·EPS, as a sum of one term. For
        the whole range, it is so at every step, as budgets only fall."""
        assert self.top is not None
        costs, voters, _ = self.prep.float_alike
        margin = 1 + 9 * EPS
        short0 = np.nextafter(costs - self.top[0] * voters * margin, DOWN)
        short1 = np.nextafter(costs - self.top[1] * voters * margin, DOWN)
        return _reaches(short0, np.where(short0 > 0, short1, 0.0), span)

    def alike_rivals(
        self, alive: NDArray[np.bool_], high: Line, span: int
    ) -> tuple[NDArray[np.bool_], Floats, NDArray[np.intp]]:
        """The rivals' step before the first purchase, for all projects at once: which are
        beyond their supporters' means over the whole range, each one's bound (`_alike_price`)
        and how many rounds it certainly stays above `high`, c's upper price
        (`_above_until` of that one line, or beyond their means: the larger), in the same
        float operations as one by one."""
        low = self.prep.float_alike[2]
        beyond = self.beyond_at_start(span)
        gap0 = np.nextafter(low - high[0], DOWN)
        gap1 = np.nextafter(low - high[1], DOWN)
        held = np.maximum(_reaches(gap0, gap1, span), beyond)
        return alive & (beyond == span), low, held

    def pay(
        self, c: int, upper: Line, lower: Line, bounds: tuple[Floats, Floats, Floats, Floats]
    ) -> None:
        """c's supporters pay: new lower budgets (kept affine, or 0) and upper budgets, from
        their bounds before (`bounds`, from `gather`)."""
        self.alike = False
        g = self.groups[c]
        assert g is not None
        lo0, lo1, hi0, hi1 = bounds
        u = self._utility(c)
        up0, up1 = _up(upper[0] * u), _up(upper[1] * u)
        down0, down1 = max(0.0, _down(lower[0] * u)), max(0.0, _down(lower[1] * u))
        a0 = _below(lo0 - up0)
        a1 = _below(lo1 - up1)
        # max(0, a) is convex: bounded below by the line a or by 0; the larger on average.
        zero = a0 + a1 <= 0
        a0[zero] = 0.0
        a1[zero] = 0.0
        self.lo0[g] = a0
        self.lo1[g] = a1
        self.hi0[g] = np.maximum(0.0, _above(hi0 - down0))
        self.hi1[g] = np.maximum(0.0, _above(hi1 - down1))


def _float_price(
    budgets: Floats, counts: Floats, cost: float, u: float, total: float
) -> float | None:
    _, _, paid, heads, lo = poor_prefix(budgets, counts, cost, u, total)
    denom = total - u * float(heads[lo])
    if denom <= 0:
        return None
    return (cost - float(paid[lo])) / denom


def _climb(
    budgets: Floats,
    holds: Floats,
    counts: Floats,
    cost: float,
    u: float,
    total: float,
    start: float,
    turns: int,
) -> tuple[NDArray[np.bool_], float, bool] | None:
    """Poor groups found without sorting: from a price rho known to be at most the price,
    the groups holding less than rho·u are poor, and the price formula of those is again at
    most the price and at least rho. After at most `turns` turns: the poor set reached (or a
    subset of it: any subset gives a lower bound of the price), its formula, and whether the
    set stopped growing (then the formula is the float price). None if no formula is
    defined."""
    rho = max(start, cost / total)
    poor = budgets < rho * u
    many = int(np.count_nonzero(poor))
    for _ in range(turns):
        denom = total - u * float(counts @ poor)
        if denom <= 0:
            return None
        rho = (cost - float(holds @ poor)) / denom
        grown = budgets < rho * u
        more = int(np.count_nonzero(grown))
        if more <= many:
            return poor, rho, more == many
        poor, many = grown, more
    return poor, rho, False


def _above_until(lows: list[Line], high: Line, span: int) -> int:
    """The largest t such that max(lows) > high at every round of [0, t]; -1 if not at 0.
    Each gap is affine: it holds on [0, r] (falling) or from some round on (rising); the
    maximum holds wherever one of them does."""
    high0, high1 = high
    gaps = []
    for low0, low1 in lows:
        gap0 = math.nextafter(low0 - high0, -math.inf)
        gap1 = math.nextafter(low1 - high1, -math.inf)
        if gap0 > 0 and gap1 > 0:
            return span
        gaps.append((gap0, gap1))
    if not gaps:
        return -1
    reach = max(_reach(g0, g1, span) for g0, g1 in gaps)
    if reach < 0 or reach == span:
        return reach
    for g0, g1 in gaps:
        if g1 > 0 and g0 <= 0 and _rises_from(g0, g1, span) <= reach + 1:
            return span
    return reach


def _payer_bound(lows: list[Line]) -> Line:
    best: Line = (0.0, 0.0)
    score = 0.0
    for low in lows:
        if low[0] < 0 or low[1] < 0:
            continue
        if low[0] + low[1] > score:
            best, score = low, low[0] + low[1]
    return best


def certify(
    prep: Prepared, k: int, span: int, sequence: Sequence[int], run: Run | None = None
) -> int:
    """`mes_interval.certify` in floats with outward margins (see the module's docstring)."""
    return attempt(prep, k, span, sequence, run)[0]


# A proof starts at a snapshot of the last exact run only past this many of its steps: below,
# setting up from the snapshot costs more than the steps it saves.
RESUME_STEPS = 6


def _snapshot(run: Run | None, k: int, span: int, sequence: Sequence[int]) -> Snap | None:
    """The last snapshot of `run` (an exact tracked run at a round <= k) whose steps before it
    certainly keep their path at every round of [k, k + span] (its reach, as `still_valid`
    reads it) and buy the start of `sequence`: a proof may start there, the steps before it
    proved by the run."""
    if run is None or run.floats is None or run.k > k:
        return None
    for snap in reversed(run.snaps):
        steps = len(snap.bought)
        if steps < RESUME_STEPS:
            return None
        if (
            snap.k <= k
            and isinstance(snap.state, np.ndarray)
            and (not snap.reach_den or snap.reach_num > (k + span - snap.k) * snap.reach_den)
            and [p for p, _ in snap.bought] == list(sequence[:steps])
        ):
            return snap
    return None


# Closer than this (relatively) at round k, two bounds may stand for an exact tie, or a price
# for a cost just covered, which only the integer proof can settle.
NEAR = 1e-9


def attempt(
    prep: Prepared, k: int, span: int, sequence: Sequence[int], run: Run | None = None
) -> tuple[int, bool]:
    """`certify`, and, when it proves nothing, whether the integer proof might: only where
    the check that failed was close at round k (on Budapest 2024, the 105 proofs that failed
    in floats all failed in integers too, at 60 ms each). With `run`, the last exact run, the
    proof starts at its last snapshot that holds over the whole range (`_snapshot`), with the
    projects alive there and their bounds (each a price formula, affine in the round, hence a
    lower bound of the price at that step and every later one)."""
    snap = _snapshot(run, k, span, sequence)
    bound: dict[int, list[Line]] = {}
    lines = _Known(prep.m)
    if snap is None:
        b = _Bounds(prep, k, span)
        alive = np.zeros(prep.m, dtype=np.bool_)
        alive[prep.mes_projects] = True
        steps = sequence
    else:
        assert run is not None
        b = _Bounds(prep, k, span, (run, snap))
        alive = np.frombuffer(snap.alive, dtype=np.uint8).astype(np.bool_)
        if b.top is not None:
            # The run drops a project beyond its supporters' means only when it prices it.
            alive &= b.beyond_at_start(span) < span
        steps = sequence[len(snap.bought) :]
        at0, at1 = k - snap.k, k + span - snap.k
        for q in np.flatnonzero(alive).tolist():
            num, grows, den = snap.bound[q]
            lows = [(_down((num + grows * at0) / den), _down((num + grows * at1) / den))]
            bound[q] = lows
            lines.keep(q, lows)
    reach = span
    for c in steps:
        if not alive[c]:
            return -1, False
        alive[c] = False
        bounds = b.gather(c)
        lower, _ = b.lower_price(c, span, bound.get(c), highs=bounds[2:])
        upper = b.upper_price(c, bounds[:2], lower)
        if upper is None or not lower:
            return -1, True
        if b.alike:
            dropped, low, stays = b.alike_rivals(alive, upper, span)
            alive &= ~dropped
            rivals = np.flatnonzero(alive)
            least = int(stays[rivals].min(initial=span))
            if least < 0:
                first = rivals[stays[rivals] < 0][0]
                return -1, bool(low[first] >= upper[0] * (1 - NEAR))
            reach = min(reach, least)
            lines.first[0][rivals] = lines.first[1][rivals] = low[rivals]
            for q, at in zip(rivals.tolist(), low[rivals].tolist(), strict=True):
                bound[q] = [(at, at)]
            b.pay(c, upper, _payer_bound(lower), bounds)
            continue
        for q in lines.unsettled(alive, upper):
            known = bound.get(q)
            if known is not None and _above_until(known, upper, span) >= reach:
                continue
            fresh, short = b.lower_price(q, span, known, upper)
            if short == span:
                alive[q] = False  # for ever: the upper budgets only fall
                continue
            if fresh:
                bound[q] = fresh
                lines.keep(q, fresh)
            held = max(_above_until(fresh, upper, span), short)
            reach = min(reach, held)
            if reach < 0:
                best = max((low[0] for low in fresh), default=0.0)
                return -1, best >= upper[0] * (1 - NEAR)
        b.pay(c, upper, _payer_bound(lower), bounds)
    for q in np.flatnonzero(alive).tolist():
        reach = min(reach, b.lower_price(q, span)[1])
        if reach < 0:
            return -1, True
    return reach, False


class _Known:
    """The rivals' known lower bounds (at most two lines each) as arrays, so that those
    certainly above c's upper price over the whole range are passed over in a few numpy
    operations (on Budapest 2024, 78 % of the rivals looked at) rather than one by one."""

    def __init__(self, m: int) -> None:
        self.first = (np.full(m, DOWN), np.full(m, DOWN))
        self.second = (np.full(m, DOWN), np.full(m, DOWN))

    def keep(self, q: int, lows: list[Line]) -> None:
        for at, low in zip((self.first, self.second), (*lows, (DOWN, DOWN))[:2], strict=True):
            at[0][q], at[1][q] = low

    def unsettled(self, alive: NDArray[np.bool_], high: Line) -> list[int]:
        """The projects alive, in order, but those with a known line above `high` at both
        ends: `_above_until` would give the whole span for them (its gaps rounded down are
        > 0 exactly when they exceed the least subnormal)."""
        above = (self.first[0] - high[0] > TINY) & (self.first[1] - high[1] > TINY)
        above |= (self.second[0] - high[0] > TINY) & (self.second[1] - high[1] > TINY)
        return np.flatnonzero(alive & ~above).tolist()
