"""The pledge rules: drawing rights, own-challenge cap, funding phase, consent."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.pledges import PledgeFacts, refusal

BASE = PledgeFacts(
    source="drawing_rights",
    amount_cents=10_000,
    contributor_is_lieu=True,
    funding_open=True,
    challenge_consented=True,
    rights_cents=50_000,
    other_rights_pledged_cents=0,
    proposes_challenge=False,
    own_challenges_other_cents=0,
    own_challenge_cap_pct=50,
)


def test_an_ordinary_pledge_is_accepted() -> None:
    assert refusal(BASE) is None


def test_each_refusal_names_its_field() -> None:
    assert refusal(replace(BASE, funding_open=False)) == ("amount", "pledges_closed")
    assert refusal(replace(BASE, challenge_consented=False)) == (
        "challenge",
        "challenge_not_consented",
    )
    assert refusal(replace(BASE, amount_cents=-1)) == ("amount", "negative")
    assert refusal(replace(BASE, other_rights_pledged_cents=45_000)) == (
        "amount",
        "drawing_rights_exceeded",
    )
    assert refusal(replace(BASE, proposes_challenge=True, amount_cents=30_000)) == (
        "amount",
        "own_challenge_cap_exceeded",
    )
    assert refusal(replace(BASE, contributor_is_lieu=False)) == (
        "source",
        "cofunder_has_no_drawing_rights",
    )


def test_own_funds_have_no_ceiling_and_withdrawing_is_always_possible_while_open() -> None:
    assert refusal(replace(BASE, source="own_funds", amount_cents=10**9)) is None
    assert refusal(replace(BASE, amount_cents=0, other_rights_pledged_cents=10**9)) is None


@given(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=0, max_value=10**7),
)
def test_an_accepted_drawing_right_pledge_never_takes_a_lieu_over_its_rights(
    rights: int, others: int, amount: int
) -> None:
    facts = replace(
        BASE, rights_cents=rights, other_rights_pledged_cents=others, amount_cents=amount
    )
    if refusal(facts) is None:
        assert others + amount <= rights or amount == 0
