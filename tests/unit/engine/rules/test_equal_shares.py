"""Rule `equal_shares` (SPEC §6.2): worked example (the one of docs/equal-shares.md), reasons,
support read from approvals, points or pledges, payments in whole cents."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import given, settings

from cobudget.engine import encode_settlement, settle
from cobudget.engine.rules.equal_shares import utilities_by_lieu
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

from ..strategies import equal_shares_envelopes

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


def test_a_challenge_nobody_supports_is_never_bought_even_where_it_fits() -> None:
    inputs = msgspec.structs.replace(
        worked_example(),
        amount_cents=40000,
        challenges=[*worked_example().challenges, challenge(4, 100)],
    )
    s = settle(inputs)
    # 300 € go to challenges 1-3; challenge 4 (1 €) would fit in the 100 € left, and
    # pabutools' greedy would buy it: SPEC §6.2 says no lieu supports it, so it stays out.
    assert explanation(s, 4).reasons == ["no_support"]
    assert not next(c for c in s.challenges if c.challenge_id == 4).funded
    assert s.leftover_cents == 10000


def test_a_fresh_envelope_without_any_support_funds_nothing_and_keeps_everything() -> None:
    # Issue 13, point 6: three challenges were funded "by the greedy completion" on an envelope
    # that nobody had supported yet.
    s = settle(msgspec.structs.replace(worked_example(), supports=[]))
    assert not any(c.funded for c in s.challenges)
    assert {explanation(s, c).reasons[0] for c in (1, 2, 3)} == {"no_support"}
    assert s.leftover_cents == 30000 and not s.transfers
    assert [(x.spent_cents, x.raise_cents) for x in s.lieux] == [(0, 0)] * 3


def test_the_greedy_completion_is_paid_by_the_lieux_from_their_unspent_drawing_rights() -> None:
    # 300 € for three lieux; lieu 1 alone wants challenge 1 (200 €), lieu 2 alone challenge 2
    # (200 €). Raising every budget to 200 € would buy both (400 €, more than the envelope):
    # add-one keeps round 99 (199 € each), where neither can be bought. The greedy buys
    # challenge 1 (the tie goes to the smaller id) with the drawing rights nobody spent, in
    # proportion to them; challenge 2 no longer fits.
    inputs = msgspec.structs.replace(
        worked_example(),
        challenges=[challenge(1, 20000), challenge(2, 20000)],
        supports=[Support(lieu_id=1, challenge_id=1), Support(lieu_id=2, challenge_id=2)],
    )
    s = settle(inputs)
    assert explanation(s, 1).stage == "greedy"
    assert explanation(s, 1).price_per_support is None
    assert payments(s, 1) == {1: 6667, 2: 6667, 3: 6666}
    assert explanation(s, 2).reasons == ["not_affordable"]
    assert [(x.drawing_rights_cents, x.raise_cents, x.spent_cents) for x in s.lieux] == [
        (10000, 9900, 6667),
        (10000, 9900, 6667),
        (10000, 9900, 6666),
    ]
    assert s.leftover_cents == 10000


def test_a_cent_lieux_pay_together_from_fractions_of_their_budgets_counts_in_one_raise() -> None:
    # 6 cents for 4 lieux: each holds 1,5 cent in the method; drawing rights 2, 2, 1, 1. Lieux 3
    # and 4 buy three 1-cent challenges between them (1,5 cent each): one of them pays 2 cents
    # with 1 cent of drawing rights, and that cent is its raise, so that paid ≤ rights + raise.
    inputs = EnvelopeInput(
        amount_cents=6,
        rule="equal_shares",
        params=RuleParams(unit_cents=1),
        lieux=[Lieu(id=i) for i in (1, 2, 3, 4)],
        challenges=[challenge(1, 1), challenge(2, 1), challenge(3, 1)],
        supports=[
            Support(lieu_id=3, challenge_id=1),
            Support(lieu_id=4, challenge_id=1),
            Support(lieu_id=3, challenge_id=2),
            Support(lieu_id=4, challenge_id=3),
        ],
    )
    s = settle(inputs)
    assert all(c.funded for c in s.challenges)
    assert [(x.drawing_rights_cents, x.raise_cents, x.spent_cents) for x in s.lieux] == [
        (2, 0, 0),
        (2, 0, 0),
        (1, 1, 2),
        (1, 0, 1),
    ]


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


@settings(max_examples=150, deadline=None)
@given(equal_shares_envelopes())
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


def _supported(inputs: EnvelopeInput) -> set[int]:
    """The challenges some lieu supports, read from the inputs: approved; given points (under
    cost utilities, listed with any points, as in pabulib); pledged to from drawing rights."""
    if inputs.params.support == "pledges":
        return {p.challenge_id for p in inputs.pledges if p.source == "drawing_rights"}
    if inputs.params.support == "points" and inputs.params.utility == "cardinal":
        return {x.challenge_id for x in inputs.supports if x.points > 0}
    return {x.challenge_id for x in inputs.supports}


FAST = settings(max_examples=200, deadline=None)


@FAST
@given(equal_shares_envelopes())
def test_equal_shares_never_funds_a_challenge_no_lieu_supports(inputs: EnvelopeInput) -> None:
    s = settle(inputs)
    supported = _supported(inputs)
    for c in s.challenges:
        if c.funded:
            assert c.challenge_id in supported
        if c.challenge_id not in supported:
            assert not c.funded
            assert explanation(s, c.challenge_id).reasons[-1] in (
                "no_support",
                "not_consented",
                "proposer_not_eligible",
            )
    utilities = utilities_by_lieu(inputs).values()
    assert {cid for given in utilities for cid, u in given.items() if u > 0} == supported


@FAST
@given(equal_shares_envelopes())
def test_equal_shares_lieu_pays_at_most_rights_plus_raise(inputs: EnvelopeInput) -> None:
    s = settle(inputs)
    for lieu in s.lieux:
        assert 0 <= lieu.spent_cents <= lieu.drawing_rights_cents + lieu.raise_cents
        assert lieu.raise_cents >= 0
        assert lieu.unspent_cents == (
            lieu.drawing_rights_cents + lieu.raise_cents - lieu.spent_cents
        )
    weights = {lieu.weight for lieu in inputs.lieux}
    if len(weights) == 1:
        # Equal weights: the add-one raise is the same for every lieu; one cent more only where
        # a lieu's exact budget (a fraction of a cent) paid it, and then it paid all of it.
        least = min(lieu.raise_cents for lieu in s.lieux)
        for lieu in s.lieux:
            assert lieu.raise_cents in (least, least + 1)
            if lieu.raise_cents > least:
                assert lieu.spent_cents == lieu.drawing_rights_cents + lieu.raise_cents


@FAST
@given(equal_shares_envelopes())
def test_equal_shares_lieux_pay_every_cent_of_envelope_money_the_challenges_get(
    inputs: EnvelopeInput,
) -> None:
    s = settle(inputs)
    envelope_money = sum(c.drawing_rights_cents + c.match_cents for c in s.challenges)
    assert sum(lieu.spent_cents for lieu in s.lieux) == envelope_money
    assert envelope_money == inputs.amount_cents - s.leftover_cents
    assert s.leftover_cents >= 0
    by_lieu: dict[int, int] = {}
    for t in s.transfers:
        assert t.from_kind != "envelope"
        if t.source == "drawing_rights":
            by_lieu[t.from_id or 0] = by_lieu.get(t.from_id or 0, 0) + t.amount_cents
    assert by_lieu == {x.lieu_id: x.spent_cents for x in s.lieux if x.spent_cents}
    for c in s.challenges:
        e = explanation(s, c.challenge_id)
        assert sum(p.cents for p in e.payments) == c.drawing_rights_cents
