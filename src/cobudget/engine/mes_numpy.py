"""numpy kernels for projects of many supporters, in one MES run (issue 19, step 3).

Floats find, integers decide (docs/equal-shares.md, point 9). Pricing a project of a few hundred
supporting groups or more is a sort of their budgets and two running sums: numpy does them
faster than Python's `Counter` and `sorted` over budget states, once a project has enough
supporters to repay the cost of each numpy call (about 15 µs). The exact values stay Python
integers in `mes_run`; this module only says, in floats, which supporters look poor, and counts
states. With `GROUPS = None` nothing here is used: the pure-Python path, the reference, runs
alone (the tests run both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cobudget.engine.mes_prepare import loop_large

if TYPE_CHECKING:
    from cobudget.engine.mes_prepare import Prepared

# A project whose supporters all give it one utility, with at least this many supporting groups,
# is priced and paid with numpy; None: never. Measured on the pabulib instances (docs).
GROUPS: int | None = 256

Ints = NDArray[np.intp]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


class Supporters:
    """One project's supporting groups, as arrays, and their numbers of voters."""

    __slots__ = ("counts", "fcounts", "groups", "ones")

    def __init__(self, groups: list[int], mult: Ints) -> None:
        self.groups: Ints = np.array(groups, dtype=np.intp)
        self.counts: Ints = mult[self.groups]
        self.fcounts: Floats = self.counts.astype(np.float64)
        # Every group of one voter: states are counted by `np.unique` alone.
        self.ones = bool((self.counts == 1).all())


def group_sizes(prep: Prepared) -> Ints:
    """Each group's number of voters, as an array (built once per election, kept on `prep`)."""
    if prep.mult_array is None:
        prep.mult_array = np.array(prep.mult, dtype=np.intp)
    sizes: Ints = prep.mult_array
    return sizes


def supporters(prep: Prepared) -> dict[int, Supporters]:
    """The projects priced with numpy and their supporters (built once per election and
    threshold, kept on `prep`)."""
    if GROUPS is None:
        return {}
    found = prep.arrays.get(GROUPS)
    if found is None:
        mult = group_sizes(prep)
        found = {
            p: Supporters(movers[0][1], mult)
            for p, movers in enumerate(prep.movers)
            if len(movers) == 1 and len(movers[0][1]) >= GROUPS and p in prep.mes_set
        }
        prep.arrays[GROUPS] = found
    return found


def every_supporters(prep: Prepared) -> dict[int, Supporters]:
    """`supporters` of every project of one utility, whatever its size (kept on `prep`; those
    of the projects priced with numpy are the same objects)."""
    found = prep.arrays.get(0)
    if found is None:
        priced = supporters(prep)
        mult = group_sizes(prep)
        found = {
            p: priced.get(p) or Supporters(movers[0][1], mult)
            for p, movers in enumerate(prep.movers)
            if len(movers) == 1 and p in prep.mes_set
        }
        prep.arrays[0] = found
    return found


class FewSupporters:
    """The projects of one utility priced without numpy (fewer than `GROUPS` supporting
    groups), with all their supporting groups in one array, project after project: what
    each project's supporters hold is one gather and one `np.add.reduceat` for all."""

    __slots__ = ("costs", "fcounts", "groups", "projects", "starts")

    def __init__(self, prep: Prepared) -> None:
        priced = supporters(prep)
        chosen = [(p, sup) for p, sup in every_supporters(prep).items() if p not in priced]
        self.projects: Ints = np.array([p for p, _ in chosen], dtype=np.intp)
        self.costs: Floats = np.array([float(prep.costs[p]) for p, _ in chosen])
        sizes = [len(sup.groups) for _, sup in chosen]
        self.starts: Ints = np.cumsum([0, *sizes[:-1]], dtype=np.intp)
        self.groups: Ints = np.concatenate([sup.groups for _, sup in chosen] or [_NONE])
        self.fcounts: Floats = np.concatenate([sup.fcounts for _, sup in chosen] or [np.zeros(0)])

    def held(self, state: Ints, fb: Floats) -> Floats:
        """What each project's supporters hold, as a float sum of products of floats (each
        within 3·2**-53 of the budget), as `budgets @ fcounts` is."""
        products = fb[state[self.groups]] * self.fcounts
        sums: Floats = np.add.reduceat(products, self.starts)
        return sums


def few_supporters(prep: Prepared) -> FewSupporters | None:
    """`FewSupporters` of the election (built once per election and threshold, kept on
    `prep`), or None if it has no such project."""
    few = prep.few_supporters.get(GROUPS)
    if few is None:
        few = prep.few_supporters[GROUPS] = FewSupporters(prep)
    return few if len(few.projects) else None


# `mes_prepare.Tally` with arrays of groups: counted per state from the run's state array.
ArrayTally = tuple[Ints, Ints, list[int]]


def array_tallies(prep: Prepared) -> list[list[ArrayTally]]:
    """Each project's `Prepared.tallies` as arrays, and its movers' groups as arrays (built
    once per election, kept on `prep`, from the movers' groups with numpy: the lists of
    `Prepared.tallies` are not built): a run that keeps its group -> state map as an array
    counts every project's supporters from it, with no list to keep in step."""
    if prep.array_tallies is None:
        mult = group_sizes(prep)
        prep.array_movers = [
            [np.array(groups, dtype=np.intp) for _, groups in movers] for movers in prep.movers
        ]
        prep.array_tallies = [
            [_array_plan(groups, mult[groups]) for groups in movers] for movers in prep.array_movers
        ]
    return prep.array_tallies


_NONE: Ints = np.zeros(0, dtype=np.intp)


def _array_plan(groups: Ints, sizes: Ints) -> ArrayTally:
    """`mes_prepare._plan` with arrays: the same groups, in the same order."""
    alone = sizes == 1
    ones = int(np.count_nonzero(alone))
    if loop_large(len(groups), ones, int(sizes.sum())):
        large = ~alone
        return groups[alone], groups[large], sizes[large].tolist()
    if ones == len(groups):
        return groups, _NONE, []
    return np.repeat(groups, sizes), _NONE, []


def tally(state: Ints, plan: ArrayTally) -> Counter[int]:
    """`mes_prepare.tally` over the run's state array."""
    counts = Counter(state[plan[0]].tolist())
    if plan[2]:
        get = counts.get
        for sigma, size in zip(state[plan[1]].tolist(), plan[2], strict=True):
            counts[sigma] = get(sigma, 0) + size
    return counts


class RunArrays:
    """A run's group -> budget state map, and each state's budget as a float, as arrays.

    A run that has them keeps no list of the map (every project's supporters are counted
    from the array, `tally`) and keeps its lists of float budgets (and, when tracked, of
    float growths per round) in step with `fb` and `fs`, which grow with the states
    (capacity doubled as needed)."""

    __slots__ = ("fb", "fs", "size", "state")

    def __init__(
        self, state: Iterable[int] | Ints, fbudget: list[float], fslope: list[float]
    ) -> None:
        # A copy: a run's map is its own (a snapshot's array is shared by later rounds).
        self.state: Ints = np.array(state, dtype=np.intp)
        self.size = len(fbudget)
        self.fb: Floats = np.empty(max(64, 2 * self.size))
        self.fb[: self.size] = fbudget
        self.fs: Floats = np.zeros(len(self.fb))
        if fslope:
            self.fs[: self.size] = fslope

    def extend(self, floats: list[float] | Floats, slopes: list[float] | None) -> None:
        """Append states' floats (growths: None for 0.0, as the arrays are zeros beyond `size`)."""
        end = self.size + len(floats)
        if end > len(self.fb):
            grown = np.empty(2 * end)
            grown[: self.size] = self.fb[: self.size]
            self.fb = grown
            grown = np.zeros(2 * end)
            grown[: self.size] = self.fs[: self.size]
            self.fs = grown
        self.fb[self.size : end] = floats
        if slopes is not None:
            self.fs[self.size : end] = slopes
        self.size = end


def poor_prefix(
    xs_of_groups: Floats, fcounts: Floats, cost: float, u: float, total: float
) -> tuple[Ints, Floats, Floats, Floats, int]:
    """The groups sorted by budget (`order`, and their budgets `xs`), the running sums of
    what they hold and of their voters (`paid[i]`, `heads[i]`: the first i groups), and the
    number of poor groups: the first i such that group i would pay rho·u if the i before it
    paid all they have (len(xs) if none). Groups of one state have one float budget, so they
    fall on one side: the condition does not change within a run of equal budgets."""
    order: Ints = np.argsort(xs_of_groups)
    xs = xs_of_groups[order]
    n = len(xs)
    paid = np.zeros(n + 1)
    np.cumsum(xs * fcounts[order], out=paid[1:])
    heads = np.zeros(n + 1)
    np.cumsum(fcounts[order], out=heads[1:])
    pays = (cost - paid[:-1]) * u <= xs * (total - u * heads[:-1])
    first = int(pays.argmax()) if n else 0
    return order, xs, paid, heads, first if n and pays[first] else n


# The poor groups (indices into a project's groups), what they hold and how many voters they
# have (float sums), the least float budget of the others, and the groups whose float is
# within a relative `slack` of it (the least budget is among their states, exactly).
Split = tuple[Ints, float, float, float, Ints]


def split_sorted(
    order: Ints, xs: Floats, paid: Floats, heads: Floats, lo: int, slack: float
) -> Split:
    """`poor_prefix`'s result as a `Split` (lo < len(xs))."""
    edge = float(xs[lo]) * (1 + slack)
    near = order[lo : int(np.searchsorted(xs, edge, side="right"))]
    return order[:lo], float(paid[lo]), float(heads[lo]), float(xs[lo]), near


def split_climb(
    budgets: Floats,
    held: Floats,
    fcounts: Floats,
    cost: float,
    u: float,
    total: float,
    low: float,
    slack: float,
) -> Split | None:
    """`poor_prefix` without a sort, from a guess `low` of rho·u from below (a project's last
    price: prices only rise within a run). The groups holding less than the guess are taken
    as poor and their price formula gives the next guess: any formula is a lower bound of
    the price, and while some poor group is left out the next guess is higher, so the poor
    set grows until it stops, where every poor group holds less than rho·u and every other
    at least as much: the poor prefix, in floats. A few masked sums a turn instead of a sort
    and two running sums (numpy calls cost more than their work at a thousand groups). None
    after `TURNS` turns, or where no group is left to pay: the sort decides."""
    poor = budgets < low
    voters = float(fcounts @ poor)
    for _ in range(TURNS):
        spent = float(held @ poor)
        rich = total - u * voters
        if rich <= 0:
            return None
        guess = (cost - spent) / rich * u
        grown = budgets < guess
        more = float(fcounts @ grown)
        if more == voters:
            # The same groups: the masks of two thresholds are nested, and every group has
            # voters.
            # The rich groups' budgets, the poor ones' as infinity (a masked `np.min` is
            # several times slower).
            rich_budgets = np.where(poor, np.inf, budgets)
            least = float(rich_budgets.min())
            if least == np.inf:
                return None
            near = np.flatnonzero(rich_budgets <= least * (1 + slack))
            return np.flatnonzero(poor), spent, voters, least, near
        poor, voters = grown, more
    return None


# How many turns `split_climb` takes before the sort decides.
TURNS = 6


def state_counts(states: Ints, counts: Ints, ones: bool, size: int) -> tuple[list[int], list[int]]:
    """The distinct states among `states`, in increasing order, and how many voters are in
    each (`size`: how many states the run has). Counted into an array of the run's states
    where it is not much longer than `states` (five times faster than a sort on Budapest
    2024's prices: the sums of counts are whole numbers far below 2**53, exact as floats);
    otherwise sorted, then cut where the state changes (`np.unique` does the same with more
    overhead per call)."""
    n = len(states)
    if size <= 4 * n + 1024:
        tally = np.bincount(states) if ones else np.bincount(states, weights=counts)
        present = np.flatnonzero(tally)
        return present.tolist(), tally[present].astype(np.intp).tolist()
    if ones:
        ordered = np.sort(states)
    else:
        order = np.argsort(states)
        ordered = states[order]
    starts = np.empty(n, dtype=np.bool_)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    if ones:
        many = np.diff(first, append=n)
    else:
        many = np.add.reduceat(counts[order], first) if n else first
    return ordered[first].tolist(), many.tolist()


def moved(states: Ints, size: int) -> Ints:
    """The distinct states of a purchase's payers, in increasing order (`size`: how many
    states the run has): marked in an array of the run's states, with no sort."""
    marks = np.zeros(size, dtype=np.bool_)
    marks[states] = True
    return np.flatnonzero(marks)


def outside(states: Ints, poor: list[int], size: int) -> Bools:
    """Which of `states` are not among `poor` (`size`: how many states the run has)."""
    marks = np.zeros(size, dtype=np.bool_)
    marks[poor] = True
    return ~marks[states]


def relabel(states: Ints, olds: Ints, rich: Bools, base: int, zero: int) -> Ints:
    """Each payer's new state, from its state among `olds` (distinct, increasing): the rich
    ones, in order, to the new states `base`, `base + 1`, ...; the others to `zero`."""
    table = np.empty(int(olds[-1]) + 1 if len(olds) else 0, dtype=np.intp)
    table[olds] = np.where(rich, np.cumsum(rich) + (base - 1), zero)
    return table[states]
