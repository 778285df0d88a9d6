"""The Method of Equal Shares core (`engine.mes`): worked example and properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine import mes_interval_floats, mes_run
from cobudget.engine.mes import MesProblem, MesResult, equal_shares
from cobudget.engine.mes_interval import certify, holds
from cobudget.engine.mes_prepare import Prepared
from cobudget.engine.mes_run import one_run

from .kernels import KERNELS, kernel_in_use
from .mes_strategies import problems


def outcome(result: MesResult) -> list[tuple[int, str, Fraction | None, dict[int, Fraction]]]:
    return [(p.project, p.phase, p.rho, p.payments) for p in result.purchases]


def test_worked_example_buys_all_three_after_thirteen_add_one_rounds() -> None:
    # docs/equal-shares.md: 3 voters, budget 300, costs 150 (voters 0, 1), 120 (1, 2), 30 (2).
    problem = MesProblem(
        costs=[150, 120, 30],
        budget=300,
        ballots=[{0: 150}, {0: 150, 1: 120}, {1: 120, 2: 30}],
        unit=1,
    )
    result = equal_shares(problem)
    assert result.rounds == 13
    assert result.start_budgets == [113, 113, 113]
    assert outcome(result) == [
        (0, "mes", Fraction(1, 2), {0: 75, 1: 75}),
        (1, "mes", Fraction(41, 60), {1: 38, 2: 82}),
        (2, "mes", Fraction(1), {2: 30}),
    ]
    assert result.base_selected == [0, 1]


def test_without_add_one_the_third_project_is_left_out() -> None:
    problem = MesProblem(
        costs=[150, 120, 30],
        budget=300,
        ballots=[{0: 150}, {0: 150, 1: 120}, {1: 120, 2: 30}],
        unit=None,
    )
    result = equal_shares(problem)
    assert [p.project for p in result.purchases if p.phase == "mes"] == [0, 1]
    assert [(u.project, u.reason) for u in result.unbought] == []  # the greedy takes it
    assert result.purchases[-1].phase == "greedy"


def test_ties_go_to_the_lower_project_number() -> None:
    problem = MesProblem(costs=[10, 10], budget=10, ballots=[{0: 10, 1: 10}] * 2, unit=None)
    result = equal_shares(problem)
    assert result.selected == [0]
    assert result.unbought[0].project == 1


def test_a_supported_project_of_cost_zero_is_free_and_an_unsupported_one_is_never_bought() -> None:
    # Project 1 costs nothing and has support only under points: it is taken for free. Project
    # 2 nobody supports: it would fit, and pabutools' greedy would add it; SPEC §6.2 does not.
    problem = MesProblem(costs=[6, 0, 4], budget=10, ballots=[{0: 1, 1: 1}, {0: 1}], unit=None)
    result = equal_shares(problem)
    assert [(p.project, p.phase) for p in result.purchases] == [(1, "free"), (0, "mes")]
    assert [(u.project, u.reason) for u in result.unbought] == [(2, "unsupported")]


@settings(max_examples=200, deadline=None)
@given(problems())
def test_the_greedy_completion_never_buys_a_project_no_voter_supports(problem: MesProblem) -> None:
    supported = {p for ballot in problem.ballots for p, u in ballot.items() if u > 0}
    assert set(equal_shares(problem).selected) <= supported


@KERNELS
@settings(max_examples=300, deadline=None)
@given(problems())
def test_jumping_add_one_rounds_gives_the_linear_scans_outcome(
    kernel: str, problem: MesProblem
) -> None:
    with kernel_in_use(kernel):
        fast = equal_shares(problem)
        slow = equal_shares(problem, jump=False)
        assert fast.rounds == slow.rounds
        assert outcome(fast) == outcome(slow)
        assert fast.unbought == slow.unbought


def assert_float_bounds_change_nothing(problem: MesProblem) -> None:
    """`equal_shares` as it runs, and with no project left with a float bound of its price,
    keep the same round, purchases, prices, payments and projects left out."""
    lazy = equal_shares(problem)
    mes_run.LAZY_LOSERS = False
    try:
        exact = equal_shares(problem)
    finally:
        mes_run.LAZY_LOSERS = True
    assert lazy.rounds == exact.rounds
    assert outcome(lazy) == outcome(exact)
    assert lazy.unbought == exact.unbought


@KERNELS
@settings(max_examples=300, deadline=None)
@given(problems(larger=True))
def test_losers_priced_by_a_float_bound_give_the_outcome_of_exact_prices(
    kernel: str,
    problem: MesProblem,
) -> None:
    with kernel_in_use(kernel):
        # engine.mes_run.price_single: a project that certainly loses a step may keep a float lower
        # bound of its price; with every price exact the outcome is the same, to the last payment.
        assert_float_bounds_change_nothing(problem)


# Found by a random search: a project keeps a float bound at one step, nothing moves its
# supporters, and at a later step the bound is at most the best price. Taking the bound for its
# price would buy the wrong project; it must be priced exactly first. In plain MES, and in one
# of the runs of an add-one scan.
FLOAT_BOUND_TRAPS = [
    MesProblem(
        costs=[2, 7, 9, 6, 11],
        budget=25,
        ballots=[{1: 7, 4: 11}, {0: 2}, {1: 7}, {1: 7}, {2: 9}] + [{2: 9, 4: 11}] * 2 + [{2: 9}],
        weights=[1, 3, 3, 2, 1, 3, 3, 1],
        unit=None,
    ),
    MesProblem(
        costs=[1, 6, 11, 3, 9, 14, 1],
        budget=5,
        ballots=[
            {1: 6, 3: 3, 5: 14},
            {2: 11, 6: 1},
            {5: 14, 6: 1},
            {2: 11, 3: 3, 5: 14},
            {0: 1, 1: 6, 2: 11},
            {5: 14},
            {0: 1, 6: 1},
        ],
        weights=[2, 2, 1, 1, 3, 1, 3],
        unit=1,
    ),
]


@KERNELS
@pytest.mark.parametrize("problem", FLOAT_BOUND_TRAPS)
def test_a_loser_left_with_a_float_bound_is_priced_exactly_before_it_may_win(
    kernel: str, problem: MesProblem
) -> None:
    with kernel_in_use(kernel):
        assert_float_bounds_change_nothing(problem)


@settings(max_examples=300, deadline=None)
@given(problems(larger=True))
def test_the_numpy_kernels_give_the_pure_python_outcome(problem: MesProblem) -> None:
    # engine.mes_numpy (issue 19, step 3): floats found by numpy change which exact path is
    # taken, never a round, a purchase, a price or a payment.
    with kernel_in_use("python"):
        reference = equal_shares(problem)
    for kernel in ("numpy", "mixed"):
        with kernel_in_use(kernel):
            fast = equal_shares(problem)
        assert fast.rounds == reference.rounds
        assert outcome(fast) == outcome(reference)
        assert fast.unbought == reference.unbought


@KERNELS
@settings(max_examples=150, deadline=None)
@given(problems(larger=True))
def test_the_floats_that_pick_the_sides_to_check_keep_every_reach(
    kernel: str, problem: MesProblem
) -> None:
    # mes_run.crossing: checking exactly only the supporters floats say may change side first
    # gives a tracked run the reach, and each snapshot the reach, of checking every one.
    prep = Prepared(problem)
    for k in (0, 1, 4, 19) if prep.n and prep.unit else ():
        with kernel_in_use(kernel):
            picked = one_run(prep, k, True, False)
            mes_run.CROSSING = None
            every = one_run(prep, k, True, False)
        assert (picked.reach, picked.bought) == (every.reach, every.bought)
        assert [(s.reach_num, s.reach_den) for s in picked.snaps] == [
            (s.reach_num, s.reach_den) for s in every.snaps
        ]


@KERNELS
@settings(max_examples=300, deadline=None)
@given(problems(larger=True), st.integers(0, 30))
def test_the_kept_round_replayed_from_its_sequence_pays_as_a_full_run(
    kernel: str, problem: MesProblem, k: int
) -> None:
    # engine.mes (issue 19, step 2): the kept round is replayed from the sequence the scan
    # proved it buys, pricing only those projects; prices and payments are a full run's.
    prep = Prepared(problem)
    if prep.n == 0:
        return
    with kernel_in_use(kernel):
        full = one_run(prep, k, False, True)
        replayed = one_run(prep, k, False, True, None, (), [p for p, _ in full.bought])
    assert [(p, Fraction(*rho)) for p, rho in replayed.bought] == [
        (p, Fraction(*rho)) for p, rho in full.bought
    ]
    assert replayed.payments == full.payments


@KERNELS
@settings(max_examples=200, deadline=None)
@given(problems())
def test_payments_add_up_to_each_cost_and_within_each_budget(
    kernel: str, problem: MesProblem
) -> None:
    with kernel_in_use(kernel):
        result = equal_shares(problem)
        spent = [Fraction(0)] * len(problem.ballots)
        for purchase in result.purchases:
            if purchase.phase == "mes":
                assert sum(purchase.payments.values()) == problem.costs[purchase.project]
                for voter, pay in purchase.payments.items():
                    assert pay >= 0
                    spent[voter] += pay
        assert all(s <= b for s, b in zip(spent, result.start_budgets, strict=True))
        assert sum(problem.costs[p] for p in result.selected) <= problem.budget


@KERNELS
@settings(max_examples=150, deadline=None)
@given(problems(), st.randoms(use_true_random=False))
def test_the_order_of_voters_does_not_matter(kernel: str, problem: MesProblem, rnd: object) -> None:
    with kernel_in_use(kernel):
        order = list(range(len(problem.ballots)))
        rnd.shuffle(order)  # type: ignore[attr-defined]
        weights = problem.weights
        shuffled = MesProblem(
            costs=problem.costs,
            budget=problem.budget,
            ballots=[problem.ballots[i] for i in order],
            weights=None if weights is None else [weights[i] for i in order],
            unit=problem.unit,
        )
        a = equal_shares(problem)
        b = equal_shares(shuffled)
        assert a.selected == b.selected
        assert a.rounds == b.rounds
        for pa, pb in zip(a.purchases, b.purchases, strict=True):
            assert pa.rho == pb.rho
            assert {order[v]: pay for v, pay in pb.payments.items()} == pa.payments


@KERNELS
@settings(max_examples=400, deadline=None)
@given(problems(), st.integers(0, 40), st.integers(0, 40))
def test_the_rounds_a_partial_proof_returns_buy_the_sequence_at_every_round(
    kernel: str, problem: MesProblem, k: int, span: int
) -> None:
    with kernel_in_use(kernel):
        # engine.mes_interval: when `certify` proves rounds k..k + T buy round k's sequence (the
        # whole span, or, issue 19 step 1, the part before a check stops holding), the plain run
        # at each of those rounds does buy it; `holds` is the whole span proved.
        if problem.unit is None:
            problem = MesProblem(problem.costs, problem.budget, problem.ballots, problem.weights, 1)
        prep = Prepared(problem)
        if prep.n == 0:
            return
        sequence = [p for p, _ in one_run(prep, k, False, False).bought]
        proved = certify(prep, k, span, sequence)
        assert -1 <= proved <= span
        assert holds(prep, k, span, sequence) == (proved == span)
        for t in range(proved + 1):
            assert [p for p, _ in one_run(prep, k + t, False, False).bought] == sequence


def test_a_range_of_rounds_is_proved_when_nothing_changes_and_refused_when_it_does() -> None:
    # The worked example: rounds 0..12 buy projects 0 and 1, round 13 all three.
    problem = MesProblem(
        costs=[150, 120, 30], budget=300, ballots=[{0: 150}, {0: 150, 1: 120}, {1: 120, 2: 30}]
    )
    prep = Prepared(problem)
    assert holds(prep, 0, 12, [0, 1])
    assert not holds(prep, 0, 13, [0, 1])
    assert holds(prep, 13, 50, [0, 1, 2])
    # Asked for more than holds, the proof keeps the rounds before the change: 0..12 of 0..40.
    assert 0 <= certify(prep, 0, 40, [0, 1]) <= 12


@settings(max_examples=400, deadline=None)
@given(problems(cardinal=False), st.integers(0, 40), st.integers(0, 40))
def test_the_rounds_a_proof_in_floats_proves_buy_the_sequence_at_every_round(
    problem: MesProblem, k: int, span: int
) -> None:
    # engine.mes_interval_floats (issue 19, step 4): bounds rounded outwards make a proof in
    # floats a proof; the plain run at each round it proves buys the sequence.
    if problem.unit is None:
        problem = MesProblem(problem.costs, problem.budget, problem.ballots, problem.weights, 1)
    prep = Prepared(problem)
    if prep.n == 0 or not mes_interval_floats.applies(prep):
        return
    sequence = [p for p, _ in one_run(prep, k, False, False).bought]
    proved = mes_interval_floats.certify(prep, k, span, sequence)
    assert -1 <= proved <= span
    for t in range(proved + 1):
        assert [p for p, _ in one_run(prep, k + t, False, False).bought] == sequence


@settings(max_examples=300, deadline=None)
@given(
    problems(cardinal=False, larger=True), st.integers(1, 30), st.integers(0, 8), st.integers(0, 40)
)
def test_a_proof_in_floats_from_a_snapshot_of_an_exact_run_proves_only_rounds_that_buy_the_sequence(
    problem: MesProblem, k: int, later: int, span: int
) -> None:
    # mes_interval_floats._snapshot (issue 19, step 5): a proof may start at the last
    # snapshot of the exact tracked run at round k that holds over the whole range, the steps
    # before it proved by the run. From every snapshot it may start at (any number of steps),
    # the plain run at each round it proves buys the sequence, and it starts from one exactly
    # where the run's reach covers the range.
    prep = Prepared(problem)
    if prep.n == 0 or prep.unit is None or not mes_interval_floats.applies(prep):
        return
    saved = mes_interval_floats.RESUME_STEPS
    mes_interval_floats.RESUME_STEPS = 1
    try:
        with kernel_in_use("numpy"):
            run = one_run(prep, k, True, False)
            start = k + later
            sequence = [p for p, _ in one_run(prep, start, False, False).bought]
            snap = mes_interval_floats._snapshot(run, start, span, sequence)
            proved = mes_interval_floats.certify(prep, start, span, sequence, run)
            exact = [
                [p for p, _ in one_run(prep, start + t, False, False).bought]
                for t in range(span + 1)
            ]
    finally:
        mes_interval_floats.RESUME_STEPS = saved
    assert -1 <= proved <= span
    assert all(bought == sequence for bought in exact[: proved + 1])
    if snap is not None:
        steps = len(snap.bought)
        assert steps >= 1 and all(bought[:steps] == sequence[:steps] for bought in exact)


def test_a_proof_in_floats_proves_what_no_tie_stands_in_the_way_of() -> None:
    # Two voters of budget 100 and 60 (one unit more each per round); project 0 (cost 100) is
    # bought first at every round, then project 1 (cost 50) by the second voter, until round
    # k where the first voter could also pay project 1 ... no tie between prices on the way.
    problem = MesProblem(costs=[100, 50, 90], budget=160, ballots=[{0: 100}, {0: 100, 1: 50}])
    prep = Prepared(problem)
    sequence = [p for p, _ in one_run(prep, 0, False, False).bought]
    proved = mes_interval_floats.certify(prep, 0, 10, sequence)
    assert proved == certify(prep, 0, 10, sequence)
    assert proved >= 0
