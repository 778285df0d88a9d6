"""The Method of Equal Shares core, step 1: the election read once (`engine.mes`).

Voters with the same ballot and weight form one group (they pay alike for ever); per project,
its supporting groups, split by utility (`movers`: they move together when they pay), and how
to count them per budget state fastest (`tallies`).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from functools import cached_property
from itertools import chain, compress, repeat
from operator import mul
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cobudget.engine.mes import MesProblem
    from cobudget.engine.mes_numpy import Supporters


# How to count a project's supporters by budget state: groups counted once each in C, then
# larger groups added with their sizes in a loop (groups, sizes).
Tally = tuple[list[int], list[int], list[int]]

# A loop turn costs about as much as counting this many voters in C.
_LOOP_COST = 3


def loop_large(groups: int, alone: int, total: int) -> bool:
    """Whether to count a project's `alone` one-voter groups in C and add its other groups
    with their sizes in a loop (`groups` groups, `total` voters), rather than count in C over
    the groups repeated by size: where a few large groups hold many voters (a few popular
    ballots shared by thousands of voters: Wrocław 2018 has 1,467 groups for 100,954
    supporters)."""
    return alone + _LOOP_COST * (groups - alone) < total


def _plan(groups: list[int], mult: list[int]) -> Tally:
    """Count in C over the groups repeated by size, unless `loop_large`."""
    sizes = list(map(mult.__getitem__, groups))
    total = sum(sizes)
    alone = sizes.count(1)
    if loop_large(len(groups), alone, total):
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
        # Identical ballots (as given) first, keyed by their projects and their utilities as two
        # tuples of ints (no pair per support: Amsterdam has 180,000 supports in 10,000
        # ballots, nearly all distinct); then each distinct one is checked and put in its sorted
        # form, and groups are numbered in order of their first voter.
        raw: dict[tuple[int, tuple[int, ...], tuple[int, ...]], list[int]] = {}
        given = zip(
            weights,
            [tuple(ballot) for ballot in problem.ballots],
            [tuple(ballot.values()) for ballot in problem.ballots],
            strict=True,
        )
        for voter, key in enumerate(given):
            found = raw.get(key)
            if found is None:
                raw[key] = [voter]
            else:
                found.append(voter)
        index: dict[tuple[int, tuple[int, ...], tuple[int, ...]], int] = {}
        self.members: list[list[int]] = []
        self.group_weight: list[int] = []
        # Each group's projects, in increasing order, and its utility for each.
        self.projects: list[tuple[int, ...]] = []
        self.utilities: list[tuple[int, ...]] = []
        merged = False
        for (weight, listed, valued), voters in raw.items():
            # Projects are distinct within a ballot: sorted, the first and last are the least
            # and the greatest.
            projects = tuple(sorted(listed))
            utilities = valued
            if projects != listed:
                utilities = tuple(map(dict(zip(listed, valued, strict=True)).__getitem__, projects))
            if projects:
                if projects[0] < 0 or projects[-1] >= m:
                    bad = next(p for p in projects if not 0 <= p < m)
                    raise ValueError(f"ballot {voters[0]} names unknown project {bad}")
                least = min(utilities)
                if least < 0:
                    bad = next(p for p, u in zip(listed, valued, strict=True) if u < 0)
                    raise ValueError(
                        f"ballot {voters[0]} gives a negative utility to project {bad}"
                    )
                if least == 0:
                    kept = [i for i, u in enumerate(utilities) if u > 0]
                    projects = tuple(map(projects.__getitem__, kept))
                    utilities = tuple(map(utilities.__getitem__, kept))
            key = (weight, projects, utilities)
            g = index.get(key)
            if g is None:
                index[key] = len(self.members)
                self.members.append(voters)
                self.group_weight.append(weight)
                self.projects.append(projects)
                self.utilities.append(utilities)
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
        for g, (projects, utilities) in enumerate(zip(self.projects, self.utilities, strict=True)):
            for p, u in zip(projects, utilities, strict=True):
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
        # Each group's number of voters as an array, and, per threshold, the supporters of the
        # projects of few supporters in one array (`mes_numpy`), built when first needed.
        self.mult_array: Any = None
        self.few_supporters: dict[int | None, Any] = {}
        # Each project's total utility (listed projects of utility 0 add nothing): its one
        # utility times its supporting voters, where it has one.
        self.total_sat = [
            us[0] * sum(map(mult.__getitem__, groups))
            if us and us.count(us[0]) == len(us)
            else sum(map(mul, map(mult.__getitem__, groups), us))
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
        # Budget state 0.. : one initial state per distinct weight.
        self.weight_state: dict[int, int] = {}
        for w in self.group_weight:
            self.weight_state.setdefault(w, len(self.weight_state))
        self.initial_state = [self.weight_state[w] for w in self.group_weight]
        self._neighbors: dict[int, frozenset[int] | None] = {}

    @cached_property
    def tallies(self) -> list[list[Tally]]:
        """How to count each project's supporters per budget state (`tally`), per utility, in
        the order of `movers`: built when first needed, as a run that prices with numpy counts
        from arrays instead (`mes_numpy.array_tallies`)."""
        return [[_plan(gs, self.mult) for _, gs in mv] for mv in self.movers]

    def neighbors(self, c: int) -> frozenset[int] | None:
        """The projects some supporter of c also supports (c included), whose prices buying c
        may change; None when c has more supporting groups than there are projects (then
        nearly every project is one: not worth listing)."""
        if c not in self._neighbors:
            groups = [g for _, gs in self.movers[c] for g in gs]
            ballots = chain.from_iterable(map(self.projects.__getitem__, groups))
            self._neighbors[c] = frozenset(ballots) if len(groups) <= self.m else None
        return self._neighbors[c]

    def start(self, weight: int, k: int) -> tuple[Fraction, Fraction]:
        """A voter's starting budget at add-one round k, and its growth per round."""
        unit = self.unit or 0
        slope = Fraction(weight * unit * self.n, self.total_weight)
        return Fraction(weight * self.budget, self.total_weight) + slope * k, slope
