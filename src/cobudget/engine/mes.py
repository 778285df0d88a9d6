"""An exact, fast Method of Equal Shares with add-one and utilitarian greedy completion.

SPEC §6.2. This core works on a neutral representation (project costs, per-voter utilities,
voter weights, all integers) so that `rules.equal_shares` and the pabulib parity tests share it.
It computes exactly what pabutools computes (`method_of_equal_shares` with
`voter_budget_increment`, then `greedy_utilitarian_welfare`), with exact rationals
(`fractions.Fraction`), but much faster, for three reasons explained in `docs/equal-shares.md`:

* voters are handled as *budget states*: every voter with the same payment history has the same
  budget, so the price (rho) of a project is computed over a few buckets (state, utility), not
  over its thousands of supporters;
* a project's rho never decreases while budgets only fall, so the last computed rho is a lower
  bound and only projects whose bound is at most the current best are recomputed (lazy heap);
* every quantity of one run is an affine function of the add-one round k; the run records the
  interval of k on which every comparison it made keeps its sign, hence on which the outcome is
  the same, and the add-one scan jumps over that interval instead of trying each k.

Projects are numbered 0..m-1 and ties are broken by that number (the lower wins); callers give
the numbering that reproduces the reference's tie-breaking.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate, chain, repeat
from math import gcd
from operator import itemgetter, mul
from typing import Literal

from cobudget.engine.mes_interval import holds

Phase = Literal["free", "mes", "greedy"]

# Floats closer than this (relatively) may be in either order: exact arithmetic decides.
SLACK = 1e-9
Reason = Literal["unsupported", "unaffordable"]


@dataclass(frozen=True, slots=True)
class MesProblem:
    """An election for the core: costs, total budget, ballots as {project: utility}.

    `weights[i]` is voter i's share of the (virtual) envelope; with equal weights every voter
    starts at exactly budget/n, as in the reference. `unit` is the add-one step per voter, in the
    same unit as costs; `unit=None` runs plain MES (no add-one). A utility of 0 marks a project the
    voter listed but does not support (it counts for nothing in MES and in the greedy).
    """

    costs: Sequence[int]
    budget: int
    ballots: Sequence[Mapping[int, int]]
    weights: Sequence[int] | None = None
    unit: int | None = 1


@dataclass(frozen=True, slots=True)
class Purchase:
    """One selected project: when it was bought, at what price, and who paid what."""

    project: int
    phase: Phase
    round: int
    # Price per unit of utility; None outside the MES phase.
    rho: Fraction | None
    # Exact payment of each paying voter (voter index -> amount); empty outside the MES phase.
    payments: dict[int, Fraction]


@dataclass(frozen=True, slots=True)
class Unbought:
    """A project left out, why MES did not buy it, and what its supporters had left then."""

    project: int
    reason: Reason
    supporters_budget: Fraction


@dataclass(frozen=True, slots=True)
class MesResult:
    purchases: list[Purchase]
    unbought: list[Unbought]
    # The add-one round kept: every voter started with its budget at round `rounds`.
    rounds: int
    start_budgets: list[Fraction]
    # How many MES runs the add-one scan made (the linear scan makes rounds + 1 or + 2).
    runs: int
    spent: int = field(default=0)
    # Projects MES buys without add-one (round 0), to tell "equal shares" from "add-one".
    base_selected: list[int] = field(default_factory=list)

    @property
    def selected(self) -> list[int]:
        return [p.project for p in self.purchases]


class _Prepared:
    """Voters grouped by identical (ballot, weight), supporters per project: built once."""

    def __init__(self, problem: MesProblem) -> None:
        n = len(problem.ballots)
        m = len(problem.costs)
        weights = list(problem.weights) if problem.weights is not None else [1] * n
        if len(weights) != n:
            raise ValueError("one weight per ballot is needed")
        if n and not sum(weights):
            raise ValueError("the weights must not all be zero")
        self.n = n
        self.m = m
        self.costs = [int(c) for c in problem.costs]
        self.budget = int(problem.budget)
        self.unit = problem.unit
        self.weights = weights
        self.total_weight = sum(weights)
        # Identical ballots (as given) first, in C; then each distinct one is checked and put in
        # its sorted form, and groups are numbered in order of their first voter.
        raw: dict[tuple[int, tuple[tuple[int, int], ...]], list[int]] = {}
        given = zip(weights, [tuple(ballot.items()) for ballot in problem.ballots], strict=True)
        for voter, key in enumerate(given):
            found = raw.get(key)
            if found is None:
                raw[key] = [voter]
            else:
                found.append(voter)
        index: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}
        self.members: list[list[int]] = []
        self.group_weight: list[int] = []
        self.items: list[tuple[tuple[int, int], ...]] = []  # (project, utility), then number
        merged = False
        for (weight, pairs), voters in raw.items():
            least = 0
            if pairs:
                # Projects are distinct within a ballot: the least and greatest pairs hold the
                # least and greatest project.
                if min(pairs)[0] < 0 or max(pairs)[0] >= m:
                    bad = next(p for p, _ in pairs if not 0 <= p < m)
                    raise ValueError(f"ballot {voters[0]} names unknown project {bad}")
                least = min(map(itemgetter(1), pairs))
                if least < 0:
                    bad = next(p for p, u in pairs if u < 0)
                    raise ValueError(
                        f"ballot {voters[0]} gives a negative utility to project {bad}"
                    )
            items = tuple(sorted(pairs if least > 0 else (x for x in pairs if x[1] > 0)))
            key = (weight, items)
            g = index.get(key)
            if g is None:
                index[key] = len(self.members)
                self.members.append(voters)
                self.group_weight.append(weight)
                self.items.append(items)
            else:
                self.members[g].extend(voters)
                merged = True
        if merged:
            for voters in self.members:
                voters.sort()
        self.mult = mult = [len(ms) for ms in self.members]
        # Per project, its supporting groups and their utilities.
        self.supporters: list[list[int]] = [[] for _ in range(m)]
        given_utils: list[list[int]] = [[] for _ in range(m)]
        for g, items in enumerate(self.items):
            for p, u in items:
                self.supporters[p].append(g)
                given_utils[p].append(u)
        # Utilities are numbered (utils[number] is the utility).
        self.utils = sorted({u for us in given_utils for u in set(us)}) or [1]
        number = {u: i for i, u in enumerate(self.utils)}
        # What the reference feeds MES: supported projects of positive cost. Supported projects of
        # cost 0 are taken for free beforehand; the others are left to the greedy.
        self.mes_projects = [p for p in range(m) if self.supporters[p] and self.costs[p] > 0]
        self.free = [p for p in range(m) if self.supporters[p] and self.costs[p] == 0]
        # Each project's total utility (listed projects of utility 0 add nothing).
        self.total_sat = [
            sum(map(mul, map(mult.__getitem__, groups), us))
            for groups, us in zip(self.supporters, given_utils, strict=True)
        ]
        self.total_utility = self.total_sat
        # Per project and utility number: the supporting groups, each repeated by its size
        # (`by_utility`), and once each (`movers`: they move together).
        self.by_utility: list[list[tuple[int, list[int]]]] = []
        self.movers: list[list[tuple[int, list[int]]]] = []
        for groups, us in zip(self.supporters, given_utils, strict=True):
            split: dict[int, list[int]] = {}
            if len(set(us)) == 1:
                split[us[0]] = groups
            else:
                for g, u in zip(groups, us, strict=True):
                    split.setdefault(u, []).append(g)
            self.movers.append(sorted((number[u], gs) for u, gs in split.items()))
            self.by_utility.append(
                sorted(
                    (
                        number[u],
                        list(chain.from_iterable(map(repeat, gs, map(mult.__getitem__, gs)))),
                    )
                    for u, gs in split.items()
                )
            )
        # Budget state 0.. : one initial state per distinct weight.
        self.weight_state: dict[int, int] = {}
        for w in self.group_weight:
            self.weight_state.setdefault(w, len(self.weight_state))
        self.initial_state = [self.weight_state[w] for w in self.group_weight]

    def start(self, weight: int, k: int) -> tuple[Fraction, Fraction]:
        """A voter's starting budget at add-one round k, and its growth per round."""
        unit = self.unit or 0
        slope = Fraction(weight * unit * self.n, self.total_weight)
        return Fraction(weight * self.budget, self.total_weight) + slope * k, slope


@dataclass(slots=True)
class _Run:
    bought: list[tuple[int, Fraction]]
    # Exact payment of each paying group, per bought project (only when recorded).
    payments: list[dict[int, Fraction]]
    removed: dict[int, Fraction]
    # How many more rounds the run's outcome is certainly unchanged for: None = any number.
    reach: Fraction | None
    # The state before each step, to resume a later round from the first step that may change.
    snaps: list[_Snap]


@dataclass(slots=True)
class _Snap:
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
    state: list[int]
    alive: bytearray
    candidates: list[int]
    bound: list[tuple[int, int, int]]
    removed: dict[int, tuple[int, int]]
    bought: list[tuple[int, Fraction]]
    reach_num: int
    reach_den: int


class _Reach:
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


def _run(
    prep: _Prepared,
    k: int,
    track: bool,
    record: bool,
    resume: list[_Snap] | None = None,
    hints: Sequence[int] = (),
) -> _Run:
    """One MES run with every voter started at its round-k budget (SPEC §6.2).

    Voters with the same payment history share a budget *state*. Budgets are integers over one
    common denominator `scale`, rescaled lazily: state s was created at epoch epoch[s], and its
    budget now is value[s] * factor[epoch[s]] / scale (growing by slope[s] * factor[...] /
    scale per round). Buying at price rho = rest / (scale·denom) multiplies the scale by denom
    and every epoch's factor by denom, so no fraction is reduced in the hot loops. With
    `track`, every comparison narrows the run's reach (see `_Reach`) and the state before each
    step is kept; `resume` (snapshots of an earlier run whose last one is still valid at round
    k) restarts from that step instead of from scratch.
    """
    costs = prep.costs
    utils = prep.utils
    by_utility = prep.by_utility
    movers = prep.movers
    reach = _Reach()
    snaps: list[_Snap] = []
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
        state = list(snap.state)
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
        state = list(prep.initial_state)
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
    # Each state's budget as a float (the exact budget, correctly rounded), to sort and sum
    # budgets fast; every decision taken from floats is checked exactly (`price_single`).
    fbudget = [v * factor[e] / scale for v, e in zip(value, epoch, strict=True)]
    payments: list[dict[int, Fraction]] = []
    # Each priced project's price (rest, slope of rest, denom) and its buckets (budget, utility,
    # state, count), or for a single utility the lists they are built from when it is bought.
    price: dict[
        int,
        tuple[
            int,
            int,
            int,
            list[tuple[int, int, int, int]] | tuple[list[int] | None, int, list[int], list[int]],
        ],
    ] = {}
    total_sat = prep.total_sat

    def price_of(p: int) -> bool:
        """Compute p's price now (into lbf, bound, price); False, and p dropped, if its
        supporters cannot afford it."""
        if len(by_utility[p]) == 1:
            return price_single(p)
        buckets: list[tuple[int, int, int, int]] = []
        avail = 0
        for uid, members in by_utility[p]:
            # Everything below runs in C (Counter, map, zip, sum): supporters are repeated by
            # multiplicity, counted by budget state, and the states' budgets read at the
            # current scale.
            counts = Counter(map(state.__getitem__, members))
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
        for uid, _ in by_utility[p]:
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

    def price_single(p: int) -> bool:
        """`price_of` when all of p's supporters give it the same utility (cost utilities).

        The budgets are read as floats (`fbudget`, each the exact budget correctly rounded) to
        tell, in C, whether p is affordable and which buckets are poor; the price is then
        computed exactly from the poor buckets alone, and checked exactly: every poor bucket
        pays less than rho·u and the least of the others at least rho·u, which makes it the
        price. Near a tie between floats, the exact computation decides.
        """
        uid, members = by_utility[p][0]
        counts = Counter(map(state.__getitem__, members))
        states = list(counts)
        cnts = list(counts.values())
        floats = list(map(fbudget.__getitem__, states))
        cost = costs[p]
        favail = sum(map(mul, floats, cnts))
        if favail < cost * (1 - SLACK) and not (track or record):
            # Certainly unaffordable; how much its supporters hold exactly is only reported
            # by the recorded run, and only tracked runs need its growth.
            alive[p] = 0
            removed[p] = (0, 1)
            return False
        if favail <= cost * (1 + SLACK):
            return price_single_exact(p, states, cnts)
        u = utils[uid]
        n = len(floats)
        order = sorted(range(n), key=floats.__getitem__)
        xs = list(map(floats.__getitem__, order))
        cs = list(map(cnts.__getitem__, order))
        paid = list(accumulate(map(mul, xs, cs), initial=0.0))
        heads = list(accumulate(cs, initial=0))
        # The first bucket that pays rho·u: the poor are a prefix of the budgets in increasing
        # order, and "bucket i pays rho·u when the i before it pay all they have" holds from
        # some i on (each poor bucket added lowers that price), so bisect.
        fu = float(u)
        ftotal = float(total_sat[p])
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if (cost - paid[mid]) * fu <= xs[mid] * (ftotal - fu * heads[mid]):
                hi = mid
            else:
                lo = mid + 1
        npoor = lo
        poor = list(map(states.__getitem__, order[:npoor]))
        factors = list(map(factor.__getitem__, map(epoch.__getitem__, poor)))
        values = list(map(mul, map(value.__getitem__, poor), factors))
        rest = cost * scale - sum(map(mul, values, cs))
        denom = total_sat[p] - u * heads[npoor]
        if denom <= 0 or (values and not max(values) * denom < rest * u):
            return price_single_exact(p, states, cnts)
        if npoor < n:
            # The least budget among the rich, exactly: floats within SLACK of the least float
            # may be in either order.
            edge = xs[npoor] * (1 + SLACK)
            least = -1
            for i in order[npoor:]:
                if floats[i] > edge:
                    break
                sigma = states[i]
                v = value[sigma] * factor[epoch[sigma]]
                if least < 0 or v < least:
                    least = v
            if rest * u > least * denom:
                return price_single_exact(p, states, cnts)
        rest_s = 0
        if track:
            grow = map(mul, map(slope.__getitem__, poor), factors)
            rest_s = -sum(map(mul, grow, cs))
        price[p] = (rest, rest_s, denom, (None, u, states, cnts))
        bound[p] = (rest, rest_s, scale * denom)
        lbf[p] = rest / (scale * denom)
        return True

    def price_single_exact(p: int, states: list[int], cnts: list[int]) -> bool:
        """`price_single` in exact arithmetic throughout."""
        uid = by_utility[p][0][0]
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
        price[p] = (rest, rest_s, denom, (values, u, states, cnts))
        bound[p] = (rest, rest_s, scale * denom)
        lbf[p] = rest / (scale * denom)
        return True

    def unaffordable(p: int, avail: int, states: list[int], cnts: list[int]) -> None:
        alive[p] = 0
        removed[p] = (avail, scale)
        if track:
            avail_s = sum(
                [slope[s] * factor[epoch[s]] * c for s, c in zip(states, cnts, strict=True)]
            )
            reach.keep(avail - costs[p] * scale, avail_s, True)

    while heap:
        if track and reach.den and reach.num <= reach.den:
            # The next round to run is k + 1 whatever the later steps find, and it resumes at
            # this step at the latest: the rest of the run needs no tracking.
            track = False
        if track:
            snaps.append(
                _Snap(
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
                    list(state),
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
            if p == hinted or not price_of(p):
                continue
            evaluated.append(p)
            num, _, den = bound[p]
            if best is None:
                better = True
            else:
                left, right = num * best[1], best[0] * den
                better = left < right or (left == right and p < chosen)
            if better:
                best, bestf, chosen = (num, den), lbf[p], p
        if hinted >= 0:
            heap = [entry for entry in heap if entry[1] != hinted]
            heapq.heapify(heap)
        for p in evaluated:
            if p != chosen:
                heapq.heappush(heap, (lbf[p], p))
        if best is None:
            break
        alive[chosen] = 0
        rest, rest_s, denom, chosen_buckets = price[chosen]
        if track:
            if isinstance(chosen_buckets, tuple):
                values_c, u_c, states_c, cnts_c = chosen_buckets
                if values_c is None:
                    factors_c = map(factor.__getitem__, map(epoch.__getitem__, states_c))
                    values_c = list(map(mul, map(value.__getitem__, states_c), factors_c))
                chosen_buckets = list(zip(values_c, repeat(u_c), states_c, cnts_c, strict=False))
            # The chosen price must stay exact: every bucket of its supporters keeps its side
            # (pays all it has, or pays rho per unit of utility) ...
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
                if q not in evaluated and reach.cut_by(d, ds):
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
        bought.append((chosen, Fraction(*best)))
        # New budgets are (v·denom - rest·u) / (scale·denom): divide out what denom shares with
        # rest and every u, so that the common denominator grows as little as possible.
        common = gcd(rest, rest_s, denom)
        if common > 1:
            rest, rest_s, denom = rest // common, rest_s // common, denom // common
        shared = gcd(denom, *(utils[uid] for uid, _ in by_utility[chosen]))
        grow = denom // shared
        if grow > 1:
            factor = [f * grow for f in factor]
            scale *= grow
        now = len(factor)
        factor.append(1)
        paid: dict[int, Fraction] = {}
        for uid, groups in movers[chosen]:
            u = utils[uid] // shared
            cut = rest * u
            olds = list(map(state.__getitem__, groups))
            sigmas = list(dict.fromkeys(olds))
            factors = list(map(factor.__getitem__, map(epoch.__getitem__, sigmas)))
            values = list(map(mul, map(value.__getitem__, sigmas), factors))
            # Rich states pay rho·u and move to a new state; the poor pay all they have.
            rich = [i for i, v in enumerate(values) if v >= cut]
            base = len(value)
            if len(rich) < len(sigmas):
                if zero < 0:
                    zero = base
                    value.append(0)
                    slope.append(0)
                    epoch.append(0)
                    fbudget.append(0.0)
                    base += 1
                new_state = dict.fromkeys(sigmas, zero)
            else:
                new_state = {}
            movers_to = range(base, base + len(rich))
            new_state.update(zip([sigmas[i] for i in rich], movers_to, strict=True))
            news = [values[i] - cut for i in rich]
            value.extend(news)
            fbudget.extend([x / scale for x in news])
            epoch.extend(repeat(now, len(rich)))
            if track:
                slope.extend([slope[sigmas[i]] * factors[i] - rest_s * u for i in rich])
            else:
                slope.extend(repeat(0, len(rich)))
            deque(map(state.__setitem__, groups, map(new_state.__getitem__, olds)), maxlen=0)
            if record:
                exact = {sigma: Fraction(v, scale) for sigma, v in zip(sigmas, values, strict=True)}
                exact.update((sigmas[i], Fraction(cut, scale)) for i in rich)
                paid.update(zip(groups, map(exact.__getitem__, olds), strict=True))
        payments.append(paid)
    short = {p: Fraction(a, b) for p, (a, b) in removed.items()} if record else {}
    return _Run(bought, payments, short, reach.fraction(), snaps)


def _outcome_cost(prep: _Prepared, run: _Run) -> int:
    return sum(prep.costs[p] for p, _ in run.bought)


def _exhaustive(prep: _Prepared, run: _Run) -> bool:
    """The reference's test: no MES project left out would still fit in the budget."""
    spent = _outcome_cost(prep, run)
    chosen = {p for p, _ in run.bought}
    return all(p in chosen or prep.costs[p] + spent > prep.budget for p in prep.mes_projects)


def _still_valid(snaps: list[_Snap], k: int) -> list[_Snap] | None:
    """The snapshots up to the last one whose steps before it keep their path at round k."""
    for i in range(len(snaps) - 1, -1, -1):
        snap = snaps[i]
        if not snap.reach_den or snap.reach_num > (k - snap.k) * snap.reach_den:
            return snaps[: i + 1]
    return None


def _next_round(k: int, reach: Fraction | None) -> int | None:
    """The first round after k whose outcome may differ from round k's (None: none ever)."""
    if reach is None:
        return None
    step = -(-reach.numerator // reach.denominator)  # ceil
    return k + max(1, step)


class _Leaper:
    """When to try proving a range of rounds (`mes_interval.holds`) and how long a range.

    A proof costs about one run. The span doubles after each success and halves after each
    failure; after failures in a row, the next attempt waits 2, 4, 8, ... rounds, so that an
    election whose outcome changes at nearly every round costs only a few failed attempts.
    """

    def __init__(self) -> None:
        self.span = 2
        self.fails = 0
        self.retry = 0

    def next_round(self, prep: _Prepared, k: int, nxt: int, sequence: list[int]) -> int:
        """The next round to run after round k, where the exact run's reach gave `nxt`."""
        if k < self.retry or k + self.span < nxt:
            return nxt
        if holds(prep, k, self.span, sequence):
            nxt = k + self.span + 1
            self.span *= 2
            self.fails = 0
            return nxt
        self.span = max(1, self.span // 2)
        self.fails += 1
        self.retry = k + (1 << self.fails)
        return nxt


def equal_shares(problem: MesProblem, *, jump: bool = True) -> MesResult:
    """MES, add-one completion, then utilitarian greedy completion, as the reference does.

    With `problem.unit` set, round k starts each voter at its share of budget + k·unit·n and
    keeps the first k whose outcome is exhaustive, or k - 1 when round k's outcome exceeds the
    budget. `jump=False` tries every k (the reference's linear scan, kept for the tests); with
    `jump=True` the scan skips rounds proven to give the same outcome (docs/equal-shares.md).
    """
    prep = _Prepared(problem)
    if prep.n == 0:
        return _complete(prep, None, 0, 0, [])
    runs = 0
    kept = 0
    base: list[int] = []
    if prep.unit is not None:
        k = 0
        resume: list[_Snap] | None = None
        hints: list[int] = []
        leaper = _Leaper()
        while True:
            run = _run(prep, k, jump, False, resume, hints)
            runs += 1
            if k == 0:
                base = [p for p, _ in run.bought]
            if _outcome_cost(prep, run) > prep.budget:
                # Round 0 never overspends (voters hold exactly the budget), so k >= 1 here;
                # rounds kept + 1 .. k - 1 gave round kept's outcome, hence so does k - 1.
                kept = k - 1
                break
            kept = k
            if _exhaustive(prep, run):
                break
            nxt = k + 1 if not jump else _next_round(k, run.reach)
            if nxt is None:
                # No comparison of the run can ever change: every later round gives the same
                # outcome, so the reference's scan would never stop. Keep this one.
                break
            if jump:
                nxt = leaper.next_round(prep, k, nxt, [p for p, _ in run.bought])
            k = nxt
            resume = _still_valid(run.snaps, k) if jump else None
            hints = [p for p, _ in run.bought]
    final = _run(prep, kept, False, True, None, hints if prep.unit is not None else [])
    runs += 1
    if prep.unit is None:
        base = [p for p, _ in final.bought]
    return _complete(prep, final, kept, runs, base)


def _complete(prep: _Prepared, run: _Run | None, k: int, runs: int, base: list[int]) -> MesResult:
    """Free projects, the kept MES run, then the greedy by utility per cost (ties by number)."""
    purchases: list[Purchase] = []
    rnd = 0
    chosen: set[int] = set()
    if run is not None:
        for p in prep.free:
            rnd += 1
            purchases.append(Purchase(p, "free", rnd, None, {}))
            chosen.add(p)
        for (p, rho), paid in zip(run.bought, run.payments, strict=True):
            rnd += 1
            pays = {v: pay for g, pay in paid.items() for v in prep.members[g]}
            purchases.append(Purchase(p, "mes", rnd, rho, pays))
            chosen.add(p)
    spent = sum(prep.costs[p] for p in chosen)
    left = prep.budget - spent

    def density(p: int) -> tuple[int, Fraction, int]:
        sat = prep.total_utility[p]
        if sat <= 0:
            return (1, Fraction(0), p)
        if prep.costs[p] == 0:
            return (-1, Fraction(0), p)
        return (0, -Fraction(sat, prep.costs[p]), p)

    for p in sorted((p for p in range(prep.m) if p not in chosen), key=density):
        if prep.costs[p] <= left:
            rnd += 1
            left -= prep.costs[p]
            purchases.append(Purchase(p, "greedy", rnd, None, {}))
            chosen.add(p)
    unbought: list[Unbought] = []
    removed = run.removed if run is not None else {}
    for p in range(prep.m):
        if p in chosen:
            continue
        if not prep.supporters[p]:
            unbought.append(Unbought(p, "unsupported", Fraction(0)))
        else:
            unbought.append(Unbought(p, "unaffordable", removed.get(p, Fraction(0))))
    share = {w: prep.start(w, k)[0] for w in prep.weight_state}
    starts = [share[w] for w in prep.weights]
    return MesResult(purchases, unbought, k, starts, runs, prep.budget - left, base + prep.free)
