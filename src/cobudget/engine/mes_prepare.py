"""The Method of Equal Shares core, step 1: the election read once (`engine.mes`).

Voters with the same ballot and weight form one group (they pay alike for ever); per project,
its supporting groups, split by utility (`movers`: they move together when they pay), and how
to count them per budget state fastest (`tallies`).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import chain, compress, repeat
from operator import itemgetter, mul
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cobudget.engine.mes import MesProblem
    from cobudget.engine.mes_numpy import Supporters


# How to count a project's supporters by budget state: groups counted once each in C, then
# larger groups added with their sizes in a loop (groups, sizes).
Tally = tuple[list[int], list[int], list[int]]

# A loop turn costs about as much as counting this many voters in C.
_LOOP_COST = 3


def _plan(groups: list[int], mult: list[int]) -> Tally:
    """Count in C over the groups repeated by size, unless a few large groups make counting
    the one-voter groups in C and adding the others in a loop cheaper (a few popular ballots
    shared by thousands of voters: Wrocław 2018 has 1,467 groups for 100,954 supporters)."""
    sizes = list(map(mult.__getitem__, groups))
    total = sum(sizes)
    alone = sizes.count(1)
    if alone + _LOOP_COST * (len(groups) - alone) < total:
        ones = list(compress(groups, map((1).__eq__, sizes)))
        large = list(compress(groups, map((1).__ne__, sizes)))
        return ones, large, [mult[g] for g in large]
    if total == len(groups):  # every group of one voter
        return list(groups), [], []
    return list(chain.from_iterable(map(repeat, groups, sizes))), [], []


def tally(state: list[int], plan: Tally) -> Counter[int]:
    """How many supporters are in each budget state (`plan` from `Prepared.tallies`)."""
    counts = Counter(map(state.__getitem__, plan[0]))
    if plan[1]:
        get = counts.get
        for sigma, size in zip(map(state.__getitem__, plan[1]), plan[2], strict=True):
            counts[sigma] = get(sigma, 0) + size
    return counts


class Prepared:
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
            # Projects are distinct within a ballot: sorted, its first and last pairs hold the
            # least and greatest project.
            items = tuple(sorted(pairs))
            if items:
                if items[0][0] < 0 or items[-1][0] >= m:
                    bad = next(p for p, _ in items if not 0 <= p < m)
                    raise ValueError(f"ballot {voters[0]} names unknown project {bad}")
                least = min(map(itemgetter(1), items))
                if least < 0:
                    bad = next(p for p, u in pairs if u < 0)
                    raise ValueError(
                        f"ballot {voters[0]} gives a negative utility to project {bad}"
                    )
                if least == 0:
                    items = tuple(x for x in items if x[1] > 0)
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
        # (The lists' bound methods, looked up once: 180,000 supports on Amsterdam.)
        to_supporters = [groups.append for groups in self.supporters]
        to_utils = [us.append for us in given_utils]
        for g, items in enumerate(self.items):
            for p, u in items:
                to_supporters[p](g)
                to_utils[p](u)
        # Utilities are numbered (utils[number] is the utility).
        self.utils = sorted({u for us in given_utils for u in set(us)}) or [1]
        number = {u: i for i, u in enumerate(self.utils)}
        # What the reference feeds MES: supported projects of positive cost. Supported projects of
        # cost 0 are taken for free beforehand; unsupported ones are never bought (SPEC §6.2).
        self.mes_projects = [p for p in range(m) if self.supporters[p] and self.costs[p] > 0]
        self.free = [p for p in range(m) if self.supporters[p] and self.costs[p] == 0]
        self.mes_set = frozenset(self.mes_projects)
        # The supporters of the projects priced with numpy, per threshold (`mes_numpy`).
        self.arrays: dict[int, dict[int, Supporters]] = {}
        # Each project's supporting groups, each group's size and each group's weight number,
        # for the proofs in floats (`mes_interval_floats`), built by the first one.
        self.float_groups: list[Any] | None = None
        self.float_counts: Any = None
        self.float_group_counts: list[Any] | None = None
        self.float_voters: list[float] | None = None
        # Each project's cost, total utility, supporting voters and price bound before any
        # purchase, as arrays, for the proofs' first step (`mes_interval_floats`).
        self.float_alike: Any = None
        self.float_weights: Any = None
        # `tallies` and `movers`' groups as arrays, for the runs that price with numpy
        # (`mes_numpy.array_tallies`), built by the first one.
        self.array_tallies: list[Any] | None = None
        self.array_movers: list[Any] = []
        # Each project's total utility (listed projects of utility 0 add nothing).
        self.total_sat = [
            sum(map(mul, map(mult.__getitem__, groups), us))
            for groups, us in zip(self.supporters, given_utils, strict=True)
        ]
        # Per project and utility number: the supporting groups (`movers`: they move together).
        self.movers: list[list[tuple[int, list[int]]]] = []
        for groups, us in zip(self.supporters, given_utils, strict=True):
            split: dict[int, list[int]] = {}
            if len(set(us)) == 1:
                split[us[0]] = groups
            else:
                for g, u in zip(groups, us, strict=True):
                    split.setdefault(u, []).append(g)
            self.movers.append(sorted((number[u], gs) for u, gs in split.items()))
        # How to count each project's supporters per budget state (`tally`), per utility, in
        # the order of `movers`.
        self.tallies: list[list[Tally]] = [[_plan(gs, mult) for _, gs in mv] for mv in self.movers]
        # Budget state 0.. : one initial state per distinct weight.
        self.weight_state: dict[int, int] = {}
        for w in self.group_weight:
            self.weight_state.setdefault(w, len(self.weight_state))
        self.initial_state = [self.weight_state[w] for w in self.group_weight]
        self._neighbors: dict[int, frozenset[int] | None] = {}

    def neighbors(self, c: int) -> frozenset[int] | None:
        """The projects some supporter of c also supports (c included), whose prices buying c
        may change; None when c has more supporting groups than there are projects (then
        nearly every project is one: not worth listing)."""
        if c not in self._neighbors:
            groups = [g for _, gs in self.movers[c] for g in gs]
            ballots = chain.from_iterable(map(self.items.__getitem__, groups))
            self._neighbors[c] = (
                frozenset(map(itemgetter(0), ballots)) if len(groups) <= self.m else None
            )
        return self._neighbors[c]

    def start(self, weight: int, k: int) -> tuple[Fraction, Fraction]:
        """A voter's starting budget at add-one round k, and its growth per round."""
        unit = self.unit or 0
        slope = Fraction(weight * unit * self.n, self.total_weight)
        return Fraction(weight * self.budget, self.total_weight) + slope * k, slope
