"""Rule `equal_shares` (SPEC §6.2): worked example (the one of docs/equal-shares.md), reasons,
support read from approvals, points or pledges, payments in whole cents."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine import encode_settlement, settle
from cobudget.engine.settlement import EqualSharesExplanation, Settlement
from cobudget.engine.types import (
    BudgetLine,
    Challenge,
    EnvelopeInput,
    Lieu,
    Pledge,
    RuleParams,
    Support,
)

DOC = Path(__file__).resolve().parents[4] / "docs" / "equal-shares.md"
BLOCK = re.compile(r"^```json example\n(.*?)^```", re.S | re.M)


def challenge(cid: int, cents: int, *, consented: bool = True, proposer: int = 1) -> Challenge:
    return Challenge(
        id=cid,
        proposers=[proposer],
        consented=consented,
        budget_lines=[BudgetLine(id=cid, min_cents=cents, max_cents=cents)],
    )


def worked_example(**params: Any) -> EnvelopeInput:
    """300 € for 3 lieux; challenge 1 (150 €) wanted by lieux 1 and 2, challenge 2 (120 €) by
    lieux 2 and 3, challenge 3 (30 €) by lieu 3."""
    return EnvelopeInput(
        amount_cents=30000,
        rule="equal_shares",
        params=RuleParams(**params),
        lieux=[Lieu(id=1), Lieu(id=2), Lieu(id=3)],
        challenges=[challenge(1, 15000), challenge(2, 12000), challenge(3, 3000)],
        supports=[
            Support(lieu_id=1, challenge_id=1),
            Support(lieu_id=2, challenge_id=1),
            Support(lieu_id=2, challenge_id=2),
            Support(lieu_id=3, challenge_id=2),
            Support(lieu_id=3, challenge_id=3),
        ],
    )


def explanation(s: Settlement, cid: int) -> EqualSharesExplanation:
    found = next(c for c in s.challenges if c.challenge_id == cid).explanation
    assert isinstance(found, EqualSharesExplanation)
    return found


def payments(s: Settlement, cid: int) -> dict[int, int]:
    return {p.lieu_id: p.cents for p in explanation(s, cid).payments}


def test_worked_example_funds_all_three_challenges_after_add_one() -> None:
    s = settle(worked_example())
    assert [c.funded for c in s.challenges] == [True, True, True]
    assert [explanation(s, c).stage for c in (1, 2, 3)] == [
        "equal_shares",
        "equal_shares",
        "add_one",
    ]
    assert [explanation(s, c).round for c in (1, 2, 3)] == [1, 2, 3]
    assert [explanation(s, c).price_per_support for c in (1, 2, 3)] == ["1/2", "41/60", "1/1"]
    assert payments(s, 1) == {1: 7500, 2: 7500}
    assert payments(s, 2) == {2: 3800, 3: 8200}
    assert payments(s, 3) == {3: 3000}
    assert s.leftover_cents == 0


def _check(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            _check(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _check(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: the doc says {expected!r}, the engine {actual!r}"


def test_the_docs_worked_example_is_what_the_engine_computes() -> None:
    blocks = [json.loads(b) for b in BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    assert blocks, "docs/equal-shares.md has no json example"
    for block in blocks:
        inputs = msgspec.convert(block["input"], EnvelopeInput)
        actual = json.loads(encode_settlement(settle(inputs)))
        _check(block["expect"], actual, block["name"])


def test_challenges_not_consented_or_with_an_ineligible_proposer_are_never_bought() -> None:
    base = worked_example()
    inputs = msgspec.structs.replace(
        base,
        lieux=[Lieu(id=1), Lieu(id=2), Lieu(id=3, eligible=False)],
        challenges=[
            challenge(1, 15000, consented=False),
            challenge(2, 12000, proposer=3),
            challenge(3, 3000),
        ],
    )
    s = settle(inputs)
    assert explanation(s, 1).reasons == ["not_consented"]
    assert explanation(s, 2).reasons == ["proposer_not_eligible"]
    assert [c.funded for c in s.challenges] == [False, False, True]


def test_a_challenge_nobody_supports_is_bought_by_the_greedy_only_if_it_fits() -> None:
    inputs = msgspec.structs.replace(
        worked_example(), challenges=[*worked_example().challenges, challenge(4, 100)]
    )
    s = settle(inputs)
    # All 300 € go to challenges 1-3 after add-one: challenge 4 no longer fits.
    assert explanation(s, 4).reasons == ["no_support"]
    assert not next(c for c in s.challenges if c.challenge_id == 4).funded


def test_the_cost_defaults_to_the_minimums_less_own_fund_pledges() -> None:
    base = worked_example()
    own = Pledge(
        id=1,
        challenge_id=1,
        contributor_kind="lieu",
        contributor_id=1,
        source="own_funds",
        amount_cents=5000,
    )
    s = settle(msgspec.structs.replace(base, pledges=[own]))
    assert explanation(s, 1).cost_cents == 10000
    funded = next(c for c in s.challenges if c.challenge_id == 1)
    assert (funded.drawing_rights_cents, funded.own_funds_cents, funded.total_cents) == (
        10000,
        5000,
        15000,
    )
    assert s.pledges[0].captured_cents == 5000


def test_points_are_utilities_under_cardinal_utility() -> None:
    base = worked_example(support="points", utility="cardinal")
    supports = [
        msgspec.structs.replace(x, points=3 if x.challenge_id == 3 else 1) for x in base.supports
    ]
    s = settle(msgspec.structs.replace(base, supports=supports))
    assert explanation(s, 3).stage in ("equal_shares", "add_one")
    assert next(c for c in s.challenges if c.challenge_id == 3).funded


def test_drawing_right_pledges_can_be_read_as_support() -> None:
    base = worked_example(support="pledges")
    pledges = [
        Pledge(
            id=i,
            challenge_id=x.challenge_id,
            contributor_kind="lieu",
            contributor_id=x.lieu_id,
            source="drawing_rights",
            amount_cents=1000,
        )
        for i, x in enumerate(base.supports, start=1)
    ]
    s = settle(msgspec.structs.replace(base, supports=[], pledges=pledges))
    assert payments(s, 2) == {2: 3800, 3: 8200}
    # Drawing-right pledges say who supports what; the money moves by the MES payments.
    assert all(p.captured_cents == 0 for p in s.pledges)


@st.composite
def envelopes(draw: st.DrawFn) -> EnvelopeInput:
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 5))
    lieux = [Lieu(id=i, weight=draw(st.integers(1, 3))) for i in range(1, n + 1)]
    challenges = [challenge(c, draw(st.integers(0, 5000))) for c in range(1, m + 1)]
    pairs = draw(st.sets(st.tuples(st.integers(1, n), st.integers(1, m))))
    supports = [Support(lieu_id=a, challenge_id=b) for a, b in sorted(pairs)]
    return EnvelopeInput(
        amount_cents=draw(st.integers(0, 10000)),
        rule="equal_shares",
        params=RuleParams(unit_cents=draw(st.integers(1, 300))),
        lieux=lieux,
        challenges=challenges,
        supports=supports,
    )


@settings(max_examples=150, deadline=None)
@given(envelopes())
def test_whole_cent_payments_add_up_to_each_cost_and_round_the_exact_ones(
    inputs: EnvelopeInput,
) -> None:
    from fractions import Fraction

    s = settle(inputs)
    assert s.leftover_cents == inputs.amount_cents - sum(
        c.drawing_rights_cents for c in s.challenges
    )
    assert s.leftover_cents >= 0
    for c in s.challenges:
        e = c.explanation
        assert isinstance(e, EqualSharesExplanation)
        if e.payments:
            assert sum(p.cents for p in e.payments) == e.cost_cents
            assert sum(Fraction(p.exact) for p in e.payments) == e.cost_cents
            for p in e.payments:
                assert abs(Fraction(p.exact) - p.cents) < 1
    reordered = msgspec.structs.replace(
        inputs,
        lieux=inputs.lieux[::-1],
        challenges=inputs.challenges[::-1],
        supports=inputs.supports[::-1],
    )
    assert encode_settlement(settle(reordered)) == encode_settlement(s)
