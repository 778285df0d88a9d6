"""An exact, fast Method of Equal Shares with add-one and utilitarian greedy completion.

SPEC §6.2. This core works on a neutral representation (project costs, per-voter utilities,
voter weights, all integers) so that `rules.equal_shares` and the pabulib parity tests share it.
It computes exactly what pabutools computes (`method_of_equal_shares` with
`voter_budget_increment`, then `greedy_utilitarian_welfare`), with exact rationals, but much
faster, for reasons explained in `docs/equal-shares.md`; with one difference, on purpose (SPEC
§6.2): the greedy completion never buys a project no voter supports, where pabutools' greedy
takes such projects last, when they still fit (docs/equal-shares.md, "What differs"):

* voters are handled as *budget states*: every voter with the same payment history has the same
  budget, so the price (rho) of a project is computed over a few buckets (state, utility), not
  over its thousands of supporters (`mes_prepare` groups them, `mes_run` runs MES);
* a project's rho never decreases while budgets only fall, so the last computed rho is a lower
  bound and only projects whose bound is at most the current best are recomputed (lazy heap);
  floats find the poor buckets and order the heap, exact integers decide;
* every quantity of one run is an affine function of the add-one round k; the run records the
  interval of k on which every comparison it made keeps its sign, hence on which the outcome is
  the same, and the add-one scan jumps over that interval instead of trying each k;
* bounds of the budgets over a whole range of rounds prove, when they can, that the range buys
  the same projects in the same order (`mes_interval`): the scan skips it at once.

This module holds the types, the add-one scan and the completions. Projects are numbered
0..m-1 and ties are broken by that number (the lower wins); callers give the numbering that
reproduces the reference's tie-breaking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from cobudget.engine import mes_interval_floats
from cobudget.engine.mes_interval import certify
from cobudget.engine.mes_prepare import Prepared
from cobudget.engine.mes_run import Run, Snap, next_round, one_run, still_valid

# Whether range proofs run in floats with outward margins where they apply
# (`mes_interval_floats`); the integer proof (`mes_interval`) is the reference.
FLOAT_PROOFS = True

Phase = Literal["free", "mes", "greedy"]
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


def _outcome_cost(prep: Prepared, run: Run) -> int:
    return sum(prep.costs[p] for p, _ in run.bought)


def _exhaustive(prep: Prepared, run: Run) -> bool:
    """The reference's test: no MES project left out would still fit in the budget."""
    spent = _outcome_cost(prep, run)
    chosen = {p for p, _ in run.bought}
    return all(p in chosen or prep.costs[p] + spent > prep.budget for p in prep.mes_projects)


class _Leaper:
    """When to try proving a range of rounds (`mes_interval.certify`) and how long a range.

    A proof costs about one or two runs, so it is only tried when it would skip at least
    `GAIN` times the rounds the exact run's reach skips. A proof may prove only the first part
    of its range; the next range is then tried at once from the first round it did not reach,
    half as long (down to `SPAN`), unless it proved fewer than `GAIN` rounds; after a full
    success, at once too, twice as long. Exact runs take over where a proof proves nothing,
    and the span then halves; after failures in a row, the next attempt waits 2, 8, 32, ...
    rounds, so that an election whose outcome changes at nearly every round costs only a few
    failed attempts (Wieliczka 2023: 4 in 150 rounds, where waits of 2, 4, 8, ... made 7,
    each about as costly as two exact runs, all failed).
    """

    SPAN = 8
    GAIN = 4
    LONGEST = 1 << 40

    def __init__(self, prep: Prepared) -> None:
        self.span = self.SPAN
        self.fails = 0
        self.retry = 0
        self.floats = FLOAT_PROOFS and mes_interval_floats.applies(prep)

    def certify(self, prep: Prepared, k: int, span: int, sequence: list[int], run: Run) -> int:
        """The proof in floats where it applies (from a snapshot of `run`, the last exact
        run, where one holds over the range), and in integers where it proves nothing for a
        check close at round k (an exact tie between two prices, which floats cannot tell from
        a near one)."""
        if self.floats:
            proved, near = mes_interval_floats.attempt(prep, k, span, sequence, run)
            if proved >= 0 or not near:
                return proved
        return certify(prep, k, span, sequence)

    def next_round(self, prep: Prepared, k: int, nxt: int, sequence: list[int], run: Run) -> int:
        """The next round to run after round k, where `run`, the exact run there, reached
        `nxt`."""
        if k < self.retry or self.span < self.GAIN * (nxt - k):
            return nxt
        proved = self.certify(prep, k, self.span, sequence, run)
        if proved < 0 or k + proved + 1 <= nxt:
            self.span = max(self.SPAN, self.span // 2)
            self._wait(k)
            return nxt
        if proved < self.span and k + proved + 1 - nxt < self.GAIN:
            # A few rounds past the exact run's reach do not repay a proof: as a failure,
            # the next attempt waits (Wieliczka 2023: 15 partial proofs gained 8 rounds).
            self._wait(k)
            return k + proved + 1
        # The whole range, or the rounds before the first one the proof could not reach
        # (issue 19, step 1): either is a jump past the exact run's reach. The next range is
        # tried at once from the first round not proved, with no exact run between: the
        # sequence that held is the likeliest to hold on. After a whole range it is twice as
        # long; after part of one, half as long, as the bounds over a shorter range are
        # tighter (step 1 again).
        self.fails = 0
        while True:
            k += proved + 1
            if proved == self.span:
                if self.span >= self.LONGEST:
                    return k
                self.span *= 2
            elif proved + 1 < self.GAIN:
                # A partial proof of a few rounds: the exact runs take over from there.
                return k
            else:
                self.span = max(self.SPAN, self.span // 2)
            proved = self.certify(prep, k, self.span, sequence, run)
            if proved < 0:
                return k

    def _wait(self, k: int) -> None:
        self.fails += 1
        self.retry = k + (1 << (2 * self.fails - 1))


def equal_shares(problem: MesProblem, *, jump: bool = True) -> MesResult:
    """MES, add-one completion, then utilitarian greedy completion, as the reference does.

    With `problem.unit` set, round k starts each voter at its share of budget + k·unit·n and
    keeps the first k whose outcome is exhaustive, or k - 1 when round k's outcome exceeds the
    budget. `jump=False` tries every k (the reference's linear scan, kept for the tests); with
    `jump=True` the scan skips rounds proven to give the same outcome (docs/equal-shares.md).
    """
    prep = Prepared(problem)
    if prep.n == 0:
        return _complete(prep, None, 0, 0, [])
    runs = 0
    kept = 0
    base: list[int] = []
    sequence: list[int] | None = None
    if prep.unit is not None:
        k = 0
        resume: list[Snap] | None = None
        hints: list[int] = []
        leaper = _Leaper(prep)
        while True:
            run = one_run(prep, k, jump and k > 0, False, resume, hints)
            runs += 1
            bought = [p for p, _ in run.bought]
            if k == 0:
                base = bought
            if _outcome_cost(prep, run) > prep.budget:
                # Round 0 never overspends (voters hold exactly the budget), so k >= 1 here;
                # rounds kept + 1 .. k - 1 gave round kept's outcome, hence so does k - 1:
                # the sequence the previous run bought.
                kept = k - 1
                sequence = hints
                break
            kept = k
            sequence = bought
            if _exhaustive(prep, run):
                break
            nxt = k + 1 if not jump or k == 0 else next_round(k, run.reach)
            if nxt is None:
                # No comparison of the run can ever change: every later round gives the same
                # outcome, so the reference's scan would never stop. Keep this one.
                break
            if jump:
                nxt = leaper.next_round(prep, k, nxt, bought, run)
            k = nxt
            resume = still_valid(run.snaps, k) if jump else None
            hints = bought
    # The kept round's payments: its known sequence replayed, only the projects it buys priced.
    final = one_run(prep, kept, False, True, None, (), sequence)
    runs += 1
    if prep.unit is None:
        base = [p for p, _ in final.bought]
    return _complete(prep, final, kept, runs, base)


def _complete(prep: Prepared, run: Run | None, k: int, runs: int, base: list[int]) -> MesResult:
    """Free projects, the kept MES run, then the greedy by utility per cost (ties by number),
    over the projects some voter supports only: pabutools' greedy also takes, last, those no
    one supports (their density is 0), which SPEC §6.2 forbids."""
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
            purchases.append(Purchase(p, "mes", rnd, Fraction(*rho), pays))
            chosen.add(p)
    spent = sum(prep.costs[p] for p in chosen)
    left = prep.budget - spent

    def density(p: int) -> tuple[Fraction, int]:
        # Supported projects of cost 0 were taken for free: every cost here is positive.
        return (-Fraction(prep.total_sat[p], prep.costs[p]), p)

    supported = (p for p in range(prep.m) if p not in chosen and prep.supporters[p])
    for p in sorted(supported, key=density):
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
