"""Invalid inputs are refused with the one error, naming the item; nothing is repaired."""

from __future__ import annotations

import msgspec
import pytest

from cobudget.engine import InvalidEnvelope, settle
from cobudget.engine.types import BudgetLine, Challenge, EnvelopeInput, Lieu, RuleParams

from .builders import challenge, cofunder_pledge, envelope, lieu_pledge


def _base(rule="cofunding") -> EnvelopeInput:
    # Three lieux with 30 000 cents of drawing rights each; lieu 1 proposes challenge 10.
    return envelope(
        rule,
        90_000,
        cofunders=[9],
        challenges=[challenge(10, [1], 1_000, 40_000), challenge(20, [2], 1_000, 40_000)],
        pledges=[lieu_pledge(1, 10, 2, 10_000, "own_funds"), cofunder_pledge(2, 10, 9, 5_000)],
    )


def _with(inputs: EnvelopeInput, **changes) -> EnvelopeInput:
    return msgspec.structs.replace(inputs, **changes)


def _refused(inputs: EnvelopeInput, item: str, reason: str) -> InvalidEnvelope:
    with pytest.raises(InvalidEnvelope) as caught:
        settle(inputs)
    assert (caught.value.item, caught.value.reason) == (item, reason)
    assert str(caught.value).startswith(f"{item}: {reason}")
    return caught.value


def test_the_base_envelope_of_these_cases_is_valid():
    settle(_base())
    settle(_base("matching"))


def test_a_negative_envelope_is_refused():
    _refused(_with(_base(), amount_cents=-1), "envelope", "negative_amount")


def test_a_negative_pledge_is_refused():
    pledges = [lieu_pledge(12, 10, 2, -5, "own_funds")]
    _refused(_with(_base(), pledges=pledges), "pledge 12", "negative_amount")


def test_a_zero_pledge_is_refused():
    pledges = [lieu_pledge(12, 10, 2, 0, "own_funds")]
    _refused(_with(_base(), pledges=pledges), "pledge 12", "zero_amount")


def test_cents_that_are_not_integers_are_refused_even_when_built_in_python():
    pledges = [lieu_pledge(12, 10, 2, 10.5, "own_funds")]  # type: ignore[arg-type]
    _refused(_with(_base(), pledges=pledges), "pledge 12", "not_integer_cents")


def test_a_budget_line_with_its_minimum_above_its_maximum_is_refused():
    lines = [BudgetLine(id=7, min_cents=5_000, max_cents=4_999)]
    bad = Challenge(id=3, proposers=[1], consented=True, budget_lines=lines)
    error = _refused(_with(_base(), challenges=[bad]), "challenge 3 budget line 7", "min_above_max")
    assert error.data == {"min_cents": 5_000, "max_cents": 4_999}


@pytest.mark.parametrize(
    ("field", "item"),
    [
        ("lieux", "lieu 1"),
        ("challenges", "challenge 10"),
        ("pledges", "pledge 1"),
        ("cofunders", "cofunder 9"),
    ],
)
def test_a_duplicate_id_is_refused(field, item):
    base = _base()
    items = getattr(base, field)
    _refused(_with(base, **{field: [*items, items[0]]}), item, "duplicate_id")


def test_a_duplicate_budget_line_id_is_refused():
    lines = [BudgetLine(id=7, min_cents=0, max_cents=1), BudgetLine(id=7, min_cents=0, max_cents=1)]
    bad = Challenge(id=3, proposers=[1], consented=True, budget_lines=lines)
    _refused(_with(_base(), challenges=[bad]), "challenge 3 budget line 7", "duplicate_id")


def test_a_pledge_to_an_unknown_challenge_is_refused():
    pledges = [lieu_pledge(12, 99, 2, 5, "own_funds")]
    _refused(_with(_base(), pledges=pledges), "pledge 12", "unknown_challenge")


def test_a_pledge_from_an_unknown_lieu_or_cofunder_is_refused():
    _refused(_with(_base(), pledges=[lieu_pledge(12, 10, 42, 5)]), "pledge 12", "unknown_lieu")
    pledges = [cofunder_pledge(13, 10, 42, 5)]
    _refused(_with(_base(), pledges=pledges), "pledge 13", "unknown_cofunder")


def test_a_challenge_with_an_unknown_proposer_is_refused():
    bad = challenge(3, [42], 0, 1)
    _refused(_with(_base(), challenges=[bad]), "challenge 3", "unknown_proposer")


def test_a_challenge_without_proposer_or_budget_line_is_refused():
    _refused(
        _with(_base(), challenges=[challenge(3, [], 0, 1)], pledges=[]),
        "challenge 3",
        "no_proposer",
    )
    bare = Challenge(id=4, proposers=[1], consented=True, budget_lines=[])
    _refused(_with(_base(), challenges=[bare], pledges=[]), "challenge 4", "no_budget_line")


def test_a_cofunder_pledging_from_drawing_rights_is_refused():
    pledge = msgspec.structs.replace(cofunder_pledge(12, 10, 9, 5), source="drawing_rights")
    _refused(_with(_base(), pledges=[pledge]), "pledge 12", "cofunder_drawing_rights")


def test_pledges_beyond_a_lieus_drawing_rights_are_refused_with_the_figures():
    pledges = [lieu_pledge(1, 10, 2, 20_000), lieu_pledge(2, 20, 2, 10_001)]
    error = _refused(_with(_base(), pledges=pledges), "lieu 2", "drawing_rights_exceeded")
    assert error.data == {"available_cents": 30_000, "requested_cents": 30_001}


def test_a_lieu_over_its_cap_on_the_challenges_it_proposes_is_refused():
    # Lieu 1 has 30 000 cents; at 50 % it may put 15 000 into challenge 10, which it proposes.
    pledges = [lieu_pledge(1, 10, 1, 15_001)]
    error = _refused(_with(_base(), pledges=pledges), "lieu 1", "own_challenge_cap_exceeded")
    assert error.data == {"cap_cents": 15_000, "requested_cents": 15_001}
    settle(_with(_base(), pledges=[lieu_pledge(1, 10, 1, 15_000)]))


def test_the_cap_follows_the_parameter():
    inputs = _with(
        _base(), params=RuleParams(own_challenge_cap_pct=10), pledges=[lieu_pledge(1, 10, 1, 3_001)]
    )
    _refused(inputs, "lieu 1", "own_challenge_cap_exceeded")


def test_a_cap_above_one_hundred_percent_is_refused():
    _refused(
        _with(_base(), params=RuleParams(own_challenge_cap_pct=101)), "params", "cap_above_100"
    )


def test_drawing_rights_pledges_under_matching_are_refused():
    pledges = [lieu_pledge(12, 10, 2, 5)]
    _refused(
        _with(_base("matching"), pledges=pledges), "pledge 12", "drawing_rights_under_matching"
    )


def test_an_envelope_with_money_but_no_weight_is_refused():
    lieux = [Lieu(id=1, weight=0), Lieu(id=2, weight=0)]
    inputs = _with(_base(), lieux=lieux, challenges=[], pledges=[])
    _refused(inputs, "envelope", "no_weight")


def test_a_negative_weight_is_refused():
    inputs = _with(_base(), lieux=[Lieu(id=1, weight=-1)], challenges=[], pledges=[])
    _refused(inputs, "lieu 1", "negative_amount")
