"""The Method of Equal Shares core, step 2: one run of MES at one add-one round (`engine.mes`).

Budget states, exact budgets over a lazily rescaled common denominator, lazy prices, and, when
tracked, the reach of the run: how many more rounds its decisions certainly keep
(docs/equal-shares.md, "Why it is fast").
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate, compress, filterfalse, islice, repeat
from math import gcd
from operator import mul, not_, sub, truediv

import numpy as np

from cobudget.engine import mes_numpy
from cobudget.engine.mes_prepare import Prepared, tally

# Floats closer than this (relatively) may be in either order: exact arithmetic decides.
SLACK = 1e-9
# A generous bound of one rounding error of a float, relatively (2**-52 is two of them).
EPS = 2.0**-50
INF = float("inf")
# Whether a project that certainly loses a step may keep a float lower bound instead of its
# exact price (`price_single`); the tests compare with every price exact.
LAZY_LOSERS = True
# A project bought at a tracked step with at least this many supporting states has its
# supporters' sides checked exactly only where floats say one may bound the reach (`crossing`);
# None: every one, always (the tests compare both).
CROSSING: int | None = 32


@dataclass(slots=True)
class Run:
    # The projects bought in order, each with its price rho as (numerator, denominator).
    bought: list[tuple[int, tuple[int, int]]]
    # Exact payment of each paying group, per bought project (only when recorded).
    payments: list[dict[int, Fraction]]
    removed: dict[int, Fraction]
    # How many more rounds the run's outcome is certainly unchanged for: None = any number.
    reach: Fraction | None
    # The state before each step, to resume a later round from the first step that may change.
    snaps: list[Snap]
    # The round run, and, for a tracked run that prices with numpy, each state's budget and
    # growth per round at that round as floats (`RunArrays`: each within 3·2**-53 of the
    # exact one), from which a range proof may start at a snapshot (`mes_interval_floats`).
    k: int = 0
    floats: tuple[mes_numpy.Floats, mes_numpy.Floats] | None = None


@dataclass(slots=True)
class Snap:
    """A run's state before one of its steps, at round k, with the reach of the steps before."""

    k: int
    scale: int
    value: list[int]
    slope: list[int]
    epoch: list[int]
    factor: list[int]
    states: int
    epochs: int
    zero: int
    # The group -> state map: a list, or an array when the run prices with numpy.
    state: list[int] | mes_numpy.Ints
    alive: bytearray
    candidates: list[int]
    bound: list[tuple[int, int, int]]
    removed: dict[int, tuple[int, int]]
    bought: list[tuple[int, tuple[int, int]]]
    reach_num: int
    reach_den: int


class Reach:
    """How many more rounds a run's outcome is certainly unchanged for, as a fraction num/den
    (den = 0 means without limit). Every comparison the run makes narrows it."""

    __slots__ = ("den", "num")

    def __init__(self) -> None:
        self.num = 1
        self.den = 0

    def keep(self, d: int, ds: int, strict: bool) -> None:
        """The sign of d + ds·t must stay as it is at t = 0 for 0 < t < reach.

        `strict` constraints hold with d < 0 (d > 0); the others with d >= 0, where d = 0 may
        stay as long as the value does not go below zero.
        """
        if not ds:
            return
        if not d:
            if strict or ds < 0:
                self.num, self.den = 0, 1
            return
        if (d > 0) == (ds > 0):
            return
        num, den = abs(d), abs(ds)
        if not self.den or num * self.den < self.num * den:
            self.num, self.den = num, den

    def cut_by(self, d: int, ds: int) -> bool:
        """Whether `keep(d, ds, False)` would narrow the reach."""
        if not ds or (d > 0 and ds > 0):
            return False
        if not d:
            return ds < 0 and (self.den == 0 or self.num > 0)
        return not self.den or abs(d) * self.den < self.num * abs(ds)

    def fraction(self) -> Fraction | None:
        return Fraction(self.num, self.den) if self.den else None


def one_run(
    prep: Prepared,
    k: int,
    track: bool,
    record: bool,
    resume: list[Snap] | None = None,
    hints: Sequence[int] = (),
    forced: Sequence[int] | None = None,
) -> Run:
    """One MES run with every voter started at its round-k budget (SPEC §6.2).

    Voters with the same payment history share a budget *state*. Budgets are integers over one
    common denominator `scale`, rescaled lazily: state s was created at epoch epoch[s], and its
    budget now is value[s] * factor[epoch[s]] / scale (growing by slope[s] * factor[...] /
    scale per round). Buying at price rho = rest / (scale·denom) multiplies the scale by denom
    and every epoch's factor by denom, so no fraction is reduced in the hot loops. With
    `track`, every comparison narrows the run's reach (see `Reach`) and the state before each
    step is kept; `resume` (snapshots of an earlier run whose last one is still valid at round
    k) restarts from that step instead of from scratch. With `forced`, the sequence the scan
    proved round k buys, the run prices only those projects: the kept round replayed, with
    `record` (what the supporters of the projects left out hold is then taken at the end).
    """
    costs = prep.costs
    utils = prep.utils
    movers = prep.movers
    reach = Reach()
    snaps: list[Snap] = []
    # Each candidate's lower bound of its price as a float (exactly: bound[p][0] / bound[p][2]),
    # the key of the heap. Floats only order the candidates: a lower bound at most the best price
    # is at most it as floats too (rounding keeps the order), so popping by floats pops every
    # candidate the exact heap would, and the prices themselves are compared exactly.
    lbf: list[float] = [0.0] * prep.m
    heap: list[tuple[float, int]] = []
    if resume:
        snaps = resume[:-1]
        snap = resume[-1]
        delta = k - snap.k
        scale = snap.scale
        states = snap.states
        value = [v + s * delta for v, s in zip(snap.value[:states], snap.slope, strict=False)]
        slope = snap.slope[:states]
        epoch = snap.epoch[:states]
        factor = snap.factor[: snap.epochs]
        zero = snap.zero
        start_state: list[int] | mes_numpy.Ints = snap.state
        alive = bytearray(snap.alive)
        bound = [(a + s * delta, s, d) for a, s, d in snap.bound]
        removed = dict(snap.removed)
        bought = list(snap.bought)
        if snap.reach_den:
            reach.num, reach.den = snap.reach_num - delta * snap.reach_den, snap.reach_den
        for p in snap.candidates:
            a, _, d = bound[p]
            lbf[p] = a / d
            heap.append((lbf[p], p))
    else:
        unit = prep.unit or 0
        scale = prep.total_weight
        value = []
        slope = []
        for w in prep.weight_state:
            value.append(w * (prep.budget + k * unit * prep.n))
            slope.append(w * unit * prep.n)
        epoch = [0] * len(value)
        factor = [1]
        zero = -1
        start_state = prep.initial_state
        alive = bytearray(prep.m)
        # Each candidate's last price formula, value and growth per round: (num, slope num, den).
        bound = [(0, 0, 1)] * prep.m
        for p in prep.mes_projects:
            alive[p] = 1
            lbf[p] = costs[p] / prep.total_sat[p]
            bound[p] = (costs[p], 0, prep.total_sat[p])
            heap.append((lbf[p], p))
        removed = {}
        bought = []
    heapq.heapify(heap)
    # Each state's budget as a float, to sort and sum budgets fast: within 3·2**-53 of the
    # exact budget relatively (`as_floats`); every decision taken from floats is checked
    # exactly (`price_single`), or taken with margins of 2**-50 per term (EPS), far above it.
    fbudget = as_floats(list(map(mul, value, map(factor.__getitem__, epoch))), scale)
    # When tracked, each state's growth per round as a float likewise (0.0 for the states
    # made once tracking has stopped): a project certainly beyond its supporters' means
    # bounds the reach from floats (`beyond_means`).
    fslope = (
        as_floats(list(map(mul, slope, map(factor.__getitem__, epoch))), scale) if track else []
    )
    # The projects of many supporters, priced with numpy (`mes_numpy`), and the arrays it
    # reads: the group -> state map (then the only one) and the floats, kept in step with
    # `fbudget` and `fslope`.
    big = mes_numpy.supporters(prep)
    arrays = mes_numpy.RunArrays(start_state, fbudget, fslope) if big else None
    # Whether `fbudget` is kept in step with the states: where the run keeps arrays, only
    # `price_single` reads it, for the projects of few supporters (Amsterdam has none, and
    # half a million new states' floats in its runs).
    float_lists = arrays is None or mes_numpy.few_supporters(prep) is not None
    everyone = mes_numpy.every_supporters(prep) if big else {}
    # The group -> state map as a list, when the run keeps no array of it.
    state: list[int] = []
    if arrays is not None:
        plans = mes_numpy.array_tallies(prep)

        def count(p: int, i: int) -> Counter[int]:
            assert arrays is not None
            return mes_numpy.tally(arrays.state, plans[p][i])

    else:
        state = start_state.tolist() if isinstance(start_state, np.ndarray) else list(start_state)
        tallies = prep.tallies

        def count(p: int, i: int) -> Counter[int]:
            return tally(state, tallies[p][i])

    # Each project's movers' groups as arrays (when the run keeps the map as one).
    groups_of = prep.array_movers
    # How many buckets of each project were poor when last priced: where to look first.
    poor_before = [0] * prep.m
    payments: list[dict[int, Fraction]] = []
    # Each priced project's price (rest, slope of rest, denom) and, for a tracked step that
    # buys it, its supporters: buckets (budget, utility, state, count), or for a single utility
    # the utility and the states (None: found from the state array when it is bought).
    price: dict[
        int,
        tuple[int, int, int, list[tuple[int, int, int, int]] | tuple[int, Iterable[int] | None]],
    ] = {}
    total_sat = prep.total_sat
    # When each project was last priced, and when a purchase last moved some of its supporters
    # (or, `moved_all`, possibly all of them), on one clock: a project priced since keeps its
    # price exactly, as its supporters' budgets have not moved.
    clock = 0
    priced_at = [0] * prep.m
    moved_at = [0] * prep.m
    moved_all = 0
    # Projects whose bound is only a lower bound of their price (`price_single`).
    inexact = bytearray(prep.m)
    # The states a price found poor (exactly: they hold less than rho·u), and when: if p is
    # bought at that price, they pay all they have and every other state pays rho·u, so
    # paying needs the exact budgets of the others only.
    poor_at: dict[int, tuple[int, list[int]]] = {}

    def price_of(p: int, above: float = INF) -> bool:
        """Compute p's price now (into lbf, bound, price); False, and p dropped, if its
        supporters cannot afford it. A project whose price is certainly above the price
        `above` (a float) may get only a lower bound above it instead (see `price_single`)."""
        nonlocal clock
        clock += 1
        priced_at[p] = clock
        inexact[p] = 0
        if len(movers[p]) == 1:
            if p in big:
                return price_big(p, above)
            return price_single(p, above)
        buckets: list[tuple[int, int, int, int]] = []
        avail = 0
        for i, (uid, _) in enumerate(movers[p]):
            # Everything below runs in C (Counter, map, zip, sum), but for large groups:
            # supporters counted by budget state, and the states' budgets read at the
            # current scale.
            counts = count(p, i)
            states = list(counts)
            factors = map(factor.__getitem__, map(epoch.__getitem__, states))
            values = list(map(mul, map(value.__getitem__, states), factors))
            avail += sum(map(mul, values, counts.values()))
            buckets += zip(values, repeat(utils[uid]), states, counts.values())
        cost_scaled = costs[p] * scale
        if avail < cost_scaled:
            unaffordable(p, avail, [b[2] for b in buckets], [b[3] for b in buckets])
            return False
        common = 1
        for uid, _ in movers[p]:
            common = common * utils[uid] // gcd(common, utils[uid])
        buckets.sort(key=lambda b: b[0] * (common // b[1]))
        rest = cost_scaled
        rest_s = 0
        denom = total_sat[p]
        for v, u, sigma, cnt in buckets:
            if rest * u <= v * denom:
                break
            rest -= cnt * v
            rest_s -= cnt * slope[sigma] * factor[epoch[sigma]]
            denom -= cnt * u
        price[p] = (rest, rest_s, denom, buckets)
        bound[p] = (rest, rest_s, scale * denom)
        lbf[p] = rest / (scale * denom)
        return True

    def price_single(p: int, above: float) -> bool:
        """`price_of` when all of p's supporters give it the same utility (cost utilities).

        The budgets are read as floats (`fbudget`, each within 3·2**-53 of the exact budget) to
        sort the states and tell, in C, which are poor; the price is then computed exactly
        from the poor states alone, and checked exactly: every poor state pays less than rho·u
        and the least of the others at least rho·u, which makes it the price (and p
        affordable). Near a tie between floats, or if the floats say p is beyond its
        supporters' means, the exact computation decides.

        At a step that does not track the run's reach, a project that certainly costs more
        than `above` (the best price of the step, as a float) and that its supporters can
        certainly afford cannot be bought at this step, so its exact price is not needed: the
        price formula of the float-poor states, computed in floats less its rounding error, is
        a lower bound of its price (any price formula is one, whatever states it takes as
        poor); if that bound is above `above` it becomes the project's bound, marked inexact:
        it is priced exactly before it can be chosen. At a tracked step, only `loses` keeps
        such a bound, as a line valid at every later round too (`keep_bound`).
        """
        uid = movers[p][0][0]
        cost = costs[p]
        u = utils[uid]
        if arrays is not None and not record:
            # Certainly unaffordable, from the state array before any count (half of
            # Wieliczka 2023's prices): as `price_big`.
            sup = everyone[p]
            sg = arrays.state[sup.groups]
            budgets = arrays.fb[sg]
            spread = float(budgets @ sup.fcounts)
            if spread < cost * (1 - SLACK):
                grows = float(arrays.fs[sg] @ sup.fcounts) if track else 0.0
                return beyond_means(p, spread, grows, len(sg))
            # A certain loser, from a few masked sums over its groups before any count
            # (as `price_big`): nine in ten of the projects `float_bound` keeps below.
            if above < INF and loses(
                p, sg, budgets, budgets if sup.ones else budgets * sup.fcounts, spread, sup, above
            ):
                return True
        counts = count(p, 0)
        if not record and arrays is None:
            # Certainly unaffordable: found from one float sum, before any sort (as `price_big`).
            sizes = counts.values()
            held = sum(map(mul, map(fbudget.__getitem__, counts), sizes))
            if held < cost * (1 - SLACK):
                grows = sum(map(mul, map(fslope.__getitem__, counts), sizes)) if track else 0.0
                return beyond_means(p, held, grows, len(counts))
        order = sorted(counts, key=fbudget.__getitem__)
        n = len(order)
        # The first state that pays rho·u: the poor are a prefix of the budgets in increasing
        # order, and "state i pays rho·u when the i before it pay all they have" holds from
        # some i on (each poor state added lowers that price), so bisect, over running sums of
        # the first m states, m growing until the first payer is among them.
        fu = float(u)
        ftotal = float(total_sat[p])
        m = min(n, max(64, 2 * poor_before[p]))
        while True:
            head = order[:m]
            xs = list(map(fbudget.__getitem__, head))
            cs = list(map(counts.__getitem__, head))
            paid = list(accumulate(map(mul, xs, cs), initial=0.0))
            heads = list(accumulate(cs, initial=0))
            lo, hi = 0, m
            while lo < hi:
                mid = (lo + hi) // 2
                if (cost - paid[mid]) * fu <= xs[mid] * (ftotal - fu * heads[mid]):
                    hi = mid
                else:
                    lo = mid + 1
            if lo < m or m == n:
                break
            m = min(n, 4 * m)
        if lo == n:
            # Everyone would pay all they have: not enough, or only just.
            if paid[n] < cost * (1 - SLACK) and not record:
                # Certainly unaffordable; how much its supporters hold exactly is only
                # reported by the recorded run.
                grows = sum(map(mul, map(fslope.__getitem__, order), cs)) if track else 0.0
                return beyond_means(p, paid[n], grows, n)
            return price_single_exact(p, list(counts), list(counts.values()))
        npoor = lo
        poor_before[p] = npoor
        # The utility of the rich: the price is (cost - what the poor hold) / denom.
        denom = total_sat[p] - u * heads[npoor]
        if (
            above < INF
            and denom > 0
            and float_bound(p, paid[npoor], denom, npoor, xs[npoor], above)
        ):
            return True
        poor = head[:npoor]
        factors = list(map(factor.__getitem__, map(epoch.__getitem__, poor)))
        values = list(map(mul, map(value.__getitem__, poor), factors))
        rest = cost * scale - sum(map(mul, values, cs))
        if denom <= 0 or (values and not max(values) * denom < rest * u):
            return price_single_exact(p, list(counts), list(counts.values()))
        # The least budget among the rich, exactly: floats within SLACK of the least float
        # may be in either order.
        edge = xs[npoor] * (1 + SLACK)
        least = -1
        for sigma in islice(order, npoor, None):
            if fbudget[sigma] > edge:
                break
            v = value[sigma] * factor[epoch[sigma]]
            if least < 0 or v < least:
                least = v
        if rest * u > least * denom:
            return price_single_exact(p, list(counts), list(counts.values()))
        return keep(p, rest, denom, poor, factors, cs, (u, counts))

    def float_bound(
        p: int, spent: float, denom: int, terms: int, least: float, above: float
    ) -> bool:
        """Keep a float lower bound of p's price, marked inexact, if it certainly loses to the
        best price `above` (`price_single`): `spent` is what the float-poor hold (a float sum of
        `terms` products), `denom` the utility of the rest, `least` the least float of the rest.

        |float formula - exact formula| <= (terms + 3)·2**-52·(cost + spent) / rich (sums of
        correctly rounded products of floats within 3·2**-53 of the budgets), plus a few
        roundings of the quotient: taken with a wide
        margin. Only where p is certainly affordable (the rich, each holding at least the least
        of their floats, cover the rest by a margin): where the exact price would find it
        unaffordable, it is found so at the same step."""
        cost = costs[p]
        rich = float(denom)
        if track:
            # A tracked step needs a bound at every later round too (`loses` keeps one).
            return False
        low = (cost - spent) / rich - (terms + 8) * EPS * (cost + spent) / rich
        sure = (cost - spent) * utils[movers[p][0][0]] <= least * rich * (1 - SLACK)
        if not (sure and low > above * (1 + EPS)):
            return False
        return keep_bound(p, low)

    def keep_bound(p: int, low: float, fall: float = 0.0) -> bool:
        """Keep the line `low` - `fall`·rounds as p's bound, marked inexact: a lower bound of
        its price at this round, and with `fall`, at every later round too (`loses`)."""
        lbf[p] = low
        a, b = low.as_integer_ratio()
        c, d = fall.as_integer_ratio()
        bound[p] = (a * d, -c * b, b * d)
        inexact[p] = 1
        return True

    def keep(
        p: int,
        rest: int,
        denom: int,
        poor: list[int],
        factors: list[int],
        cs: list[int],
        held: tuple[int, Iterable[int] | None],
    ) -> bool:
        """Keep p's exact price rest / (scale·denom), and its growth per round when tracked
        (the poor states pay all they have, and their budgets grow)."""
        rest_s = 0
        if track:
            grow = map(mul, map(slope.__getitem__, poor), factors)
            rest_s = -sum(map(mul, grow, cs))
        price[p] = (rest, rest_s, denom, held)
        poor_at[p] = (priced_at[p], poor)
        bound[p] = (rest, rest_s, scale * denom)
        lbf[p] = rest / (scale * denom)
        return True

    def price_big(p: int, above: float) -> bool:
        """`price_single` for a project of many supporters: its supporting groups sorted by
        float budget and the poor ones found by numpy, then the same exact checks, over the
        distinct states of the poor groups (`mes_numpy.poor_prefix`, or `split_climb` from its
        last price, with no sort)."""
        assert arrays is not None
        sup = big[p]
        u = utils[movers[p][0][0]]
        cost = costs[p]
        fu = float(u)
        sg = arrays.state[sup.groups]
        budgets = arrays.fb[sg]
        held = budgets if sup.ones else budgets * sup.fcounts
        total = float(held.sum())
        if total < cost * (1 - SLACK) and not record:
            # Certainly unaffordable (as in `price_single`), found before any sort.
            grows = float(arrays.fs[sg] @ sup.fcounts) if track else 0.0
            return beyond_means(p, total, grows, len(budgets))
        if above < INF and not record and loses(p, sg, budgets, held, total, sup, above):
            return True
        # Its last price (a lower bound of its price now) says where to look first.
        split = None
        if lbf[p] > 0:
            split = mes_numpy.split_climb(
                budgets, held, sup.fcounts, float(cost), fu, float(total_sat[p]), lbf[p] * fu, SLACK
            )
        if split is None:
            order, xs, paid, heads, lo = mes_numpy.poor_prefix(
                budgets, sup.fcounts, float(cost), fu, float(total_sat[p])
            )
            n = len(xs)
            if lo == n:
                if paid[n] < cost * (1 - SLACK) and not record:
                    grows = float(arrays.fs[sg] @ sup.fcounts) if track else 0.0
                    return beyond_means(p, float(paid[n]), grows, n)
                return price_single_exact(p, *every_state(sg, sup))
            split = mes_numpy.split_sorted(order, xs, paid, heads, lo, SLACK)
        poor_groups, spent, voters, least_float, near_groups = split
        # Counts of voters are whole numbers far below 2**53: exact as floats.
        denom = total_sat[p] - u * int(voters)
        # A float sum of the poor groups' products (over all groups, with zeros for the rich,
        # for `split_climb`; at least as many as their states).
        terms = len(budgets)
        if above < INF and denom > 0 and float_bound(p, spent, denom, terms, least_float, above):
            return True
        poor, cs = mes_numpy.state_counts(
            sg[poor_groups], sup.counts[poor_groups], sup.ones, arrays.size
        )
        factors = list(map(factor.__getitem__, map(epoch.__getitem__, poor)))
        values = list(map(mul, map(value.__getitem__, poor), factors))
        rest = cost * scale - sum(map(mul, values, cs))
        if denom <= 0 or (values and not max(values) * denom < rest * u):
            return price_single_exact(p, *every_state(sg, sup))
        # The least budget among the rich, exactly, over the states whose float is within
        # SLACK of the least float.
        near = set(sg[near_groups].tolist())
        least = min([value[s] * factor[epoch[s]] for s in near])
        if rest * u > least * denom:
            return price_single_exact(p, *every_state(sg, sup))
        return keep(p, rest, denom, poor, factors, cs, (u, None))

    def every_state(sg: mes_numpy.Ints, sup: mes_numpy.Supporters) -> tuple[list[int], list[int]]:
        """A project's supporting states and their voters, for its exact price."""
        assert arrays is not None
        return mes_numpy.state_counts(sg, sup.counts, sup.ones, arrays.size)

    def loses(
        p: int,
        sg: mes_numpy.Ints,
        budgets: mes_numpy.Floats,
        held: mes_numpy.Floats,
        total: float,
        sup: mes_numpy.Supporters,
        above: float,
    ) -> bool:
        """`float_bound` for a project of many supporters, without sorting them: the groups
        holding less than `above`·u are taken as poor. Their price formula is a lower bound of
        the price, as any is, and it is above `above` whenever the price is (with these poor,
        the formula at rho = `above` would cover at most what min(budget, rho·u) covers), so
        one pass says whether p certainly loses. Kept only where p is also certainly
        affordable, as in `float_bound`; otherwise the sorted path decides."""
        u = utils[movers[p][0][0]]
        cost = costs[p]
        # `held`: what each group holds; sums of at most len(budgets) correctly rounded
        # products (of floats within 3·2**-53 of the budgets), in any order, with `total`
        # among them.
        margin = (len(budgets) + 8) * EPS
        if total * (1 - margin) < cost * (1 + SLACK):
            return False
        poor = budgets < above * u
        spent = float(held @ poor)
        voters = int(np.count_nonzero(poor)) if sup.ones else int(sup.counts @ poor)
        rich = float(total_sat[p] - u * voters)
        if rich <= 0:
            return False
        low = (cost - spent) / rich - margin * (cost + spent) / rich
        if not low > above * (1 + EPS):
            return False
        if not track:
            return keep_bound(p, low)
        # A tracked step: the same formula at the rounds after this one, where the poor
        # groups hold more (their growths per round are ≥ 0, `fs` within 3·2**-53 of the
        # exact ones), so it falls by what they gain over the rich utility per round, taken
        # high: a line below the formula, hence below the price, at this round and every
        # later one, as the run's reach needs (the rivals' loop prices p exactly where this
        # line would cut the reach).
        assert arrays is not None
        growths = arrays.fs[sg]
        gained = float((growths if sup.ones else growths * sup.fcounts) @ poor)
        fall = gained * (1 + margin) / rich * (1 + 4 * EPS)
        return keep_bound(p, low, fall)

    def price_single_exact(p: int, states: list[int], cnts: list[int]) -> bool:
        """`price_single` in exact arithmetic throughout."""
        uid = movers[p][0][0]
        factors = map(factor.__getitem__, map(epoch.__getitem__, states))
        values = list(map(mul, map(value.__getitem__, states), factors))
        avail = sum(map(mul, values, cnts))
        cost_scaled = costs[p] * scale
        if avail < cost_scaled:
            unaffordable(p, avail, states, cnts)
            return False
        u = utils[uid]
        rest = cost_scaled
        rest_s = 0
        denom = total_sat[p]
        for i in sorted(range(len(values)), key=values.__getitem__):
            v = values[i]
            if rest * u <= v * denom:
                break
            cnt = cnts[i]
            sigma = states[i]
            rest -= cnt * v
            rest_s -= cnt * slope[sigma] * factor[epoch[sigma]]
            denom -= cnt * u
        price[p] = (rest, rest_s, denom, (u, states))
        bound[p] = (rest, rest_s, scale * denom)
        lbf[p] = rest / (scale * denom)
        return True

    def beyond_means(p: int, held: float, grows: float, terms: int) -> bool:
        """Drop p, which its supporters certainly cannot afford: they hold `held` (a float sum
        of `terms` products of floats within 3·2**-53 of the budgets, far below the cost).
        When tracked, what they hold grows by `grows` per round (a sum of correctly rounded
        floats), and p stays beyond their means for at least (cost - held) / grows rounds,
        both taken with a margin above their rounding errors: the reach kept is at most the
        exact one (`unaffordable`)."""
        alive[p] = 0
        removed[p] = (0, 1)
        if track and grows > 0:
            # Growths are never negative (a rich state's growth only rises when it pays), and
            # each is 0 or far above the least float: the sums of magnitudes are the sums, and
            # a sum of 0.0 is an exact 0 (no growth: no limit, as `Reach.keep` has it). The
            # cost's own rounding and the subtraction's are within 4·EPS of the cost.
            margin = (terms + 8) * EPS
            short = costs[p] - held * (1 + margin) - 4 * EPS * costs[p]
            a, b = short.as_integer_ratio()
            c, d = (grows * (1 + margin)).as_integer_ratio()
            reach.keep(-a * d, c * b, True)
        return False

    def crossing(states: list[int], u: int, rest: int, rest_s: int, denom: int) -> list[int]:
        """The states, all of utility u for the project bought at price rest / (scale·denom)
        (growing by rest_s / (scale·denom) a round), whose side may bound the reach: those
        the floats cannot tell (a budget within 1e-6 of rho·u, or a growth within 1e-6 of
        rho's), and those whose side certainly changes, at the first round that may happen,
        within 1e-7 relatively. Every other one certainly keeps its side longer (its float
        crossing, within 1e-9 of the exact one, is later by more), so `Reach.keep` over these
        alone gives the same reach."""
        n = len(states)
        if CROSSING is None or n < CROSSING:
            return states
        if arrays is not None:
            at = np.array(states, dtype=np.intp)
            budgets, growths = arrays.fb[at], arrays.fs[at]
        else:
            budgets = np.fromiter(map(fbudget.__getitem__, states), np.float64, n)
            growths = np.fromiter(map(fslope.__getitem__, states), np.float64, n)
        full = scale * denom
        pays = rest / full * u
        grows = rest_s / full * u
        left = budgets - pays
        drift = growths - grows
        unsure = (np.abs(left) <= 1e-6 * (budgets + abs(pays))) | (
            np.abs(drift) <= 1e-6 * (np.abs(growths) + abs(grows))
        )
        toward = np.flatnonzero(((left > 0) != (drift > 0)) & ~unsure)
        pick = np.flatnonzero(unsure)
        if len(toward):
            times = np.abs(left[toward] / drift[toward])
            first = toward[times <= times.min() * (1 + 1e-7)]
            pick = np.concatenate((pick, first))
        return [states[i] for i in pick.tolist()]

    def unaffordable(p: int, avail: int, states: list[int], cnts: list[int]) -> None:
        alive[p] = 0
        removed[p] = (avail, scale)
        if track:
            avail_s = sum(
                [slope[s] * factor[epoch[s]] * c for s, c in zip(states, cnts, strict=True)]
            )
            reach.keep(avail - costs[p] * scale, avail_s, True)

    # The projects of few supporters, for `drop_beyond_means` (None: not now, or done).
    # (A recorded run reports what the supporters of each project left out hold exactly.)
    few = mes_numpy.few_supporters(prep) if arrays is not None and not record else None

    def drop_beyond_means() -> None:
        """Drop at once every candidate of few supporters that they certainly cannot afford
        now (as `beyond_means`, from one float sum per project over the state array): they
        never can later in the run, as budgets only fall. Done once, at the first step that
        does not track the run's reach, where a drop needs no reach kept: on Wieliczka 2023,
        28 of a run's 33 such projects were otherwise found one by one, each when it came up."""
        nonlocal heap
        assert arrays is not None and few is not None
        held = few.held(arrays.state, arrays.fb)
        candidates = np.frombuffer(alive, dtype=np.uint8)[few.projects].astype(np.bool_)
        beyond = candidates & (held < few.costs * (1 - SLACK))
        if beyond.any():
            for p, spread in zip(few.projects[beyond].tolist(), held[beyond].tolist(), strict=True):
                beyond_means(p, spread, 0.0, 0)  # untracked: nothing to keep but the drop
            heap = [entry for entry in heap if alive[entry[1]]]
            heapq.heapify(heap)

    while heap:
        if track and reach.den and reach.num <= reach.den:
            # The next round to run is k + 1 whatever the later steps find, and it resumes at
            # this step at the latest: the rest of the run needs no tracking.
            track = False
        if not track and few is not None:
            drop_beyond_means()
            few = None
            if not heap:
                break
        if track:
            snaps.append(
                Snap(
                    k,
                    scale,
                    # States are only ever appended: a snapshot keeps the lists and lengths.
                    value,
                    slope,
                    epoch,
                    factor,
                    len(value),
                    len(factor),
                    zero,
                    arrays.state.copy() if arrays is not None else list(state),
                    bytearray(alive),
                    [p for _, p in heap],
                    list(bound),
                    dict(removed),
                    list(bought),
                    reach.num,
                    reach.den,
                )
            )
        best: tuple[int, int] | None = None  # the best price, exactly: num / den
        bestf = 0.0
        chosen = -1
        evaluated: list[int] = []
        step = len(bought)
        began = clock
        if forced is not None:
            # The kept round replayed (`engine.mes`): its sequence is known, so only the
            # projects it buys are priced, exactly.
            if step == len(forced):
                break
            chosen = forced[step]
            if not price_of(chosen):
                raise AssertionError(f"project {chosen} is not affordable at step {step}")
            best = (bound[chosen][0], bound[chosen][2])
        else:
            hinted = -1
            if step < len(hints) and alive[hints[step]]:
                # The project an earlier round bought at this step is likely the cheapest again:
                # pricing it first sets a tight best price, so fewer others need pricing.
                hinted = hints[step]
                if price_of(hinted):
                    chosen, best, bestf = hinted, (bound[hinted][0], bound[hinted][2]), lbf[hinted]
                    evaluated.append(hinted)
            while heap and (best is None or heap[0][0] <= bestf):
                _, p = heapq.heappop(heap)
                if p == hinted:
                    hinted = -1  # its entry is out of the heap
                    continue
                if priced_at[p] <= max(moved_at[p], moved_all) and not price_of(
                    p, INF if best is None or not LAZY_LOSERS else bestf
                ):
                    continue
                num, _, den = bound[p]
                if inexact[p] and (best is None or num * best[1] <= best[0] * den):
                    # Only a lower bound, from an earlier step, and it may win: its price decides.
                    if not price_of(p):
                        continue
                    num, _, den = bound[p]
                if best is None:
                    better = True
                else:
                    left, right = num * best[1], best[0] * den
                    better = left < right or (left == right and p < chosen)
                evaluated.append(p)
                if better:
                    best, bestf, chosen = (num, den), lbf[p], p
            if hinted >= 0:
                # Its entry is still in the heap (it lost, or costs more than the best price).
                heap = [entry for entry in heap if entry[1] != hinted]
                heapq.heapify(heap)
            for p in evaluated:
                if p != chosen:
                    heapq.heappush(heap, (lbf[p], p))
        if best is None:
            break
        if priced_at[chosen] <= began:
            # Its price, unchanged, was computed at an earlier step, in the scale of then.
            price_of(chosen)
        alive[chosen] = 0
        rest, rest_s, denom, chosen_buckets = price[chosen]
        if track:
            # The chosen price must stay exact: every bucket of its supporters keeps its side
            # (pays all it has, or pays rho per unit of utility) ...
            if isinstance(chosen_buckets, tuple):
                u_c, held = chosen_buckets
                if held is None:
                    # `price_big` keeps none: found now (nothing moved its supporters since).
                    assert arrays is not None
                    sides = mes_numpy.moved(arrays.state[big[chosen].groups], arrays.size)
                    states_c: list[int] = sides.tolist()
                else:
                    # `price_single` keeps its supporters' counts, `price_single_exact` a list.
                    states_c = list(held)
                for sigma in crossing(states_c, u_c, rest, rest_s, denom):
                    f = factor[epoch[sigma]]
                    d = value[sigma] * f * denom - rest * u_c
                    reach.keep(d, slope[sigma] * f * denom - rest_s * u_c, d < 0)
            else:
                for _, u, sigma, _ in chosen_buckets:
                    f = factor[epoch[sigma]]
                    d = value[sigma] * f * denom - rest * u
                    reach.keep(d, slope[sigma] * f * denom - rest_s * u, d < 0)
            # ... and it must stay the cheapest: any price formula of a project is a lower
            # bound of its price at every round (docs/equal-shares.md), so comparing bounds
            # suffices, whether just computed or left from an earlier step. A bound left from
            # an earlier step that would cut the reach is refreshed first.
            stale = False
            b, bs, bd = bound[chosen]
            for _, q in heap:
                a, as_, ad = bound[q]
                d = a * bd - b * ad
                ds = as_ * bd - bs * ad
                if (inexact[q] or q not in evaluated) and reach.cut_by(d, ds):
                    stale = True
                    if not price_of(q):
                        continue
                    a, as_, ad = bound[q]
                    d = a * bd - b * ad
                    ds = as_ * bd - bs * ad
                reach.keep(d, ds, False)
            if stale:
                heap = [(lbf[q], q) for _, q in heap if alive[q]]
                heapq.heapify(heap)
        bought.append((chosen, best))
        # New budgets are (v·denom - rest·u) / (scale·denom): divide out what denom shares with
        # rest and every u, so that the common denominator grows as little as possible.
        common = gcd(rest, rest_s, denom)
        if common > 1:
            rest, rest_s, denom = rest // common, rest_s // common, denom // common
        shared = gcd(denom, *(utils[uid] for uid, _ in movers[chosen]))
        grow = denom // shared
        if grow > 1:
            factor = [f * grow for f in factor]
            scale *= grow
        now = len(factor)
        factor.append(1)
        paid: dict[int, Fraction] = {}
        payers = big.get(chosen)
        found = poor_at.get(chosen)
        if found is None or found[0] != priced_at[chosen] or record:
            found = None
        for i, (uid, groups) in enumerate(movers[chosen]):
            u = utils[uid] // shared
            cut = rest * u
            # The payers' states (`sigmas`); with numpy, also as an array and, once known, which
            # of them are rich as a mask.
            moved: mes_numpy.Ints | None = None
            rich_mask: mes_numpy.Bools | None = None
            if payers is not None:
                assert arrays is not None
                olds_at = arrays.state[payers.groups]
                moved = mes_numpy.moved(olds_at, arrays.size)
                sigmas = moved.tolist()
            else:
                if arrays is None:
                    olds = list(map(state.__getitem__, groups))
                else:
                    olds = arrays.state[groups_of[chosen][i]].tolist()
                sigmas = list(dict.fromkeys(olds))
            # Rich states pay rho·u and move to a new state; the poor pay all they have. (In C:
            # compress, map.)
            if found is not None:
                # The poor are those the price found (nothing has moved them since).
                if moved is not None:
                    rich_mask = mes_numpy.outside(moved, found[1], len(value))
                    rich = moved[rich_mask].tolist()
                else:
                    rich = list(filterfalse(set(found[1]).__contains__, sigmas))
                factors = list(map(factor.__getitem__, map(epoch.__getitem__, rich)))
                rich_values: list[int] = list(map(mul, map(value.__getitem__, rich), factors))
                rich_factors: Iterable[int] = factors
            else:
                factors = list(map(factor.__getitem__, map(epoch.__getitem__, sigmas)))
                values = list(map(mul, map(value.__getitem__, sigmas), factors))
                is_rich = list(map(cut.__le__, values))
                rich = list(compress(sigmas, is_rich))
                rich_values = list(compress(values, is_rich))
                rich_factors = compress(factors, is_rich)
                if moved is not None:
                    rich_mask = np.array(is_rich, dtype=np.bool_)
            base = len(value)
            if len(rich) < len(sigmas) and zero < 0:
                zero = base
                value.append(0)
                slope.append(0)
                epoch.append(0)
                if float_lists:
                    fbudget.append(0.0)
                if fslope:
                    fslope.append(0.0)
                if arrays is not None:
                    arrays.extend([0.0], None)
                base += 1
            news = list(map(sub, rich_values, repeat(cut)))
            value.extend(news)
            floats: list[float] | mes_numpy.Floats
            if arrays is None:
                floats = as_floats(news, scale)
                fbudget.extend(floats)
            else:
                floats = float_array(news, scale)
                if float_lists:
                    fbudget.extend(floats.tolist())
            epoch.extend(repeat(now, len(rich)))
            fslopes: list[float] | None = None
            if track:
                grown = map(mul, map(slope.__getitem__, rich), rich_factors)
                slopes = list(map(sub, grown, repeat(rest_s * u)))
                slope.extend(slopes)
                fslopes = list(map(truediv, slopes, repeat(scale)))
            else:
                slope.extend(repeat(0, len(rich)))
            if fslope:
                fslope.extend(fslopes if fslopes is not None else repeat(0.0, len(rich)))
            if arrays is not None:
                arrays.extend(floats, fslopes)
            if moved is not None:
                assert arrays is not None and payers is not None and rich_mask is not None
                arrays.state[payers.groups] = mes_numpy.relabel(
                    olds_at, moved, rich_mask, base, zero
                )
                if record:
                    olds = olds_at.tolist()
            else:
                # Every payer moves: a rich state to its own new one, a poor one to `zero`.
                new_state = dict.fromkeys(sigmas, zero) if len(rich) < len(sigmas) else {}
                new_state.update(zip(rich, range(base, base + len(rich)), strict=True))
                now_in = list(map(new_state.__getitem__, olds))
                if arrays is None:
                    deque(map(state.__setitem__, groups, now_in), maxlen=0)
                else:
                    arrays.state[groups_of[chosen][i]] = now_in
            if record:
                # The poor pay what they have, the rich all the same amount.
                # (The poor picked out in C: thousands of payers per purchase on Amsterdam.)
                exact = dict(
                    zip(
                        compress(sigmas, map(not_, is_rich)),
                        map(Fraction, compress(values, map(not_, is_rich)), repeat(scale)),
                        strict=True,
                    )
                )
                exact.update(zip(rich, repeat(Fraction(cut, scale))))
                paid.update(zip(groups, map(exact.__getitem__, olds), strict=True))
        payments.append(paid)
        clock += 1
        near = prep.neighbors(chosen)
        if near is None:
            moved_all = clock
        else:
            for q in near:
                moved_at[q] = clock
    if forced is not None:
        # What the supporters of each project left out hold at the end (none was priced).
        for p in prep.mes_projects:
            if alive[p]:
                held = Counter[int]()
                for i in range(len(movers[p])):
                    held.update(count(p, i))
                avail = sum(value[s] * factor[epoch[s]] * c for s, c in held.items())
                removed[p] = (avail, scale)
    short = {p: Fraction(a, b) for p, (a, b) in removed.items()} if record else {}
    at_k = (arrays.fb, arrays.fs) if arrays is not None and snaps else None
    return Run(bought, payments, short, reach.fraction(), snaps, k, at_k)


def as_floats(values: list[int], scale: int) -> list[float]:
    """values[i] / scale as floats, for budgets: float(v) / float(scale), three correct
    roundings, so within 3·2**-53 of the quotient relatively (three times faster than the
    correctly rounded int / int at a few hundred bits). Correctly rounded instead where the
    operands leave the float range or the quotient could be subnormal."""
    if scale.bit_length() <= 960:
        fs = float(scale)
        try:
            return [float(v) / fs for v in values]
        except OverflowError:
            pass
    return list(map(truediv, values, repeat(scale)))


def float_array(values: list[int], scale: int) -> mes_numpy.Floats:
    """`as_floats` as an array, converted in one C loop: numpy converts each int as `float`
    does (correctly rounded), so the floats are the same."""
    if scale.bit_length() <= 960:
        try:
            floats: mes_numpy.Floats = np.fromiter(values, np.float64, len(values)) / float(scale)
            return floats
        except OverflowError:
            pass
    return np.array(as_floats(values, scale), dtype=np.float64)


def still_valid(snaps: list[Snap], k: int) -> list[Snap] | None:
    """The snapshots up to the last one whose steps before it keep their path at round k."""
    for i in range(len(snaps) - 1, -1, -1):
        snap = snaps[i]
        if not snap.reach_den or snap.reach_num > (k - snap.k) * snap.reach_den:
            return snaps[: i + 1]
    return None


def next_round(k: int, reach: Fraction | None) -> int | None:
    """The first round after k whose outcome may differ from round k's (None: none ever)."""
    if reach is None:
        return None
    step = -(-reach.numerator // reach.denominator)  # ceil
    return k + max(1, step)
