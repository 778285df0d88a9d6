"""Rule `matching`, SPEC §6.3: hand-computed cases and its own properties."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine import MatchingExplanation, settle
from cobudget.engine.types import BudgetLine, Challenge, EnvelopeInput, Lieu, Pledge

from ..builders import challenge, envelope, lieu_pledge
from ..strategies import envelopes


def _own(pid: int, challenge_id: int, lieu_id: int, cents: int) -> Pledge:
    return lieu_pledge(pid, challenge_id, lieu_id, cents, "own_funds")


def test_ideal_matches_that_fit_the_pool_are_paid_whole_and_the_rest_is_leftover():
    # (√400 + √900)² − 1 300 = 2 500 − 1 300 = 1 200.
    inputs = envelope(
        "matching",
        5_000,
        challenges=[challenge(1, [1], 0, 10_000)],
        pledges=[_own(1, 1, 1, 400), _own(2, 1, 2, 900)],
    )
    s = settle(inputs)
    c = s.challenges[0]
    assert (c.funded, c.own_funds_cents, c.match_cents, c.total_cents) == (
        True,
        1_300,
        1_200,
        2_500,
    )
    assert s.leftover_cents == 3_800
    assert isinstance(c.explanation, MatchingExplanation)
    assert (c.explanation.ideal_match_cents, c.explanation.scale) == (1_200, None)


def test_matches_above_the_pool_are_scaled_down_and_the_last_cents_go_by_largest_remainder():
    # Ideals 1 200 and 1 200 for a pool of 1 001: 500 each and the odd cent to challenge 1.
    inputs = envelope(
        "matching",
        1_001,
        challenges=[challenge(2, [1], 0, 10_000), challenge(1, [1], 0, 10_000)],
        pledges=[_own(1, 1, 1, 400), _own(2, 1, 2, 900), _own(3, 2, 1, 400), _own(4, 2, 2, 900)],
    )
    s = settle(inputs)
    assert [(c.challenge_id, c.match_cents) for c in s.challenges] == [(1, 501), (2, 500)]
    assert s.challenges[0].explanation.scale == "1001/2400"
    assert s.leftover_cents == 0


def test_a_challenge_backed_by_one_lieu_gets_no_match_even_from_several_pledges():
    inputs = envelope(
        "matching",
        10_000,
        challenges=[challenge(1, [1], 0, 10_000)],
        pledges=[_own(1, 1, 2, 400), _own(2, 1, 2, 900)],
    )
    c = settle(inputs).challenges[0]
    assert (c.funded, c.match_cents, c.explanation.single_unit) == (True, 0, True)


def test_dropping_the_furthest_challenge_frees_pool_for_the_others():
    # Pool 1 000. Challenge 1: (√100 + √900)² − 1 000 = 600, minimum 3 000. Challenge 2:
    # (√400 + √900)² − 1 300 = 1 200, minimum 2 000. Together the level is 1 000/1 800 = 5/9:
    # challenge 1 stands 3 000 − 1 000 − 333.3 = 1 666.7 short, challenge 2 only 33.3: challenge 1
    # is dropped, and challenge 2 alone takes the whole pool: 1 300 + 1 000 = 2 300 ≥ 2 000.
    inputs = envelope(
        "matching",
        1_000,
        challenges=[challenge(1, [1], 3_000, 9_000), challenge(2, [1], 2_000, 9_000)],
        pledges=[_own(1, 1, 2, 100), _own(2, 1, 3, 900), _own(4, 2, 1, 400), _own(5, 2, 2, 900)],
    )
    s = settle(inputs)
    one, two = s.challenges
    assert not one.funded
    assert (one.explanation.dropped_order, one.explanation.shortfall_cents) == (1, 1_667)
    assert (two.funded, two.match_cents, two.total_cents) == (True, 1_000, 2_300)
    assert all(p.released_cents == p.pledged_cents for p in s.pledges if p.challenge_id == 1)


def test_a_challenge_at_its_maximum_gives_the_excess_of_the_pool_back_to_the_others():
    # Ideals 1 200 each; challenge 1 has room for 100 only; pool 1 000: 100 + 900.
    inputs = envelope(
        "matching",
        1_000,
        challenges=[challenge(1, [1], 0, 1_400), challenge(2, [1], 0, 10_000)],
        pledges=[_own(1, 1, 1, 400), _own(2, 1, 2, 900), _own(3, 2, 1, 400), _own(4, 2, 2, 900)],
    )
    one, two = settle(inputs).challenges
    assert (one.match_cents, one.explanation.capped) == (100, True)
    assert (two.match_cents, two.explanation.capped) == (900, False)


@settings(max_examples=150, deadline=None)
@given(envelopes("matching"))
def test_a_single_unit_challenge_gets_no_match(inputs: EnvelopeInput):
    for c in settle(inputs).challenges:
        if c.explanation.units <= 1:
            assert c.match_cents == 0


many_units = st.builds(
    lambda amounts, pool, top: EnvelopeInput(
        amount_cents=pool,
        rule="matching",
        lieux=[Lieu(id=i) for i in range(1, 9)],
        challenges=[
            Challenge(
                id=j,
                proposers=[1],
                consented=True,
                budget_lines=[BudgetLine(id=1, min_cents=0, max_cents=top[j - 1])],
            )
            for j in range(1, 5)
        ],
        pledges=[
            lieu_pledge(10 * j + i, j, i, a, "own_funds")
            for j, row in enumerate(amounts, start=1)
            for i, a in enumerate(row, start=1)
        ],
    ),
    st.lists(st.lists(st.integers(1, 50_000), min_size=2, max_size=8), min_size=4, max_size=4),
    st.integers(0, 500_000),
    st.lists(st.integers(400_000, 2_000_000), min_size=4, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(many_units)
def test_water_filling_pays_every_uncapped_challenge_the_same_share_of_its_ideal(inputs):
    s = settle(inputs)
    for c in s.challenges:
        e = c.explanation
        if e.capped or not e.ideal_match_cents:
            continue
        level = Fraction(e.scale) if e.scale else Fraction(1)
        exact = level * e.ideal_match_cents
        assert exact - 1 < c.match_cents < exact + 1
    assert sum(c.match_cents for c in s.challenges) <= inputs.amount_cents


def test_between_two_challenges_equally_far_from_their_minimum_the_higher_id_is_dropped():
    # Ideals 1 200 each, 700 short of the minimum each; pool 1 000: 500 each, 200 short. Challenge
    # 2 is dropped; challenge 1 alone takes the pool: 1 300 + 1 000 = 2 300 ≥ 2 000.
    inputs = envelope(
        "matching",
        1_000,
        challenges=[challenge(1, [1], 2_000, 9_000), challenge(2, [1], 2_000, 9_000)],
        pledges=[_own(1, 1, 1, 400), _own(2, 1, 2, 900), _own(3, 2, 1, 400), _own(4, 2, 2, 900)],
    )
    one, two = settle(inputs).challenges
    assert (one.funded, one.match_cents) == (True, 1_000)
    assert (two.funded, two.explanation.dropped_order, two.explanation.shortfall_cents) == (
        False,
        1,
        200,
    )


def test_a_challenge_not_consented_takes_no_match_and_releases_its_pledges():
    inputs = envelope(
        "matching",
        5_000,
        challenges=[challenge(1, [1], 0, 10_000, consented=False)],
        pledges=[_own(1, 1, 1, 400), _own(2, 1, 2, 900)],
    )
    s = settle(inputs)
    c = s.challenges[0]
    assert (c.funded, c.total_cents, c.explanation.reasons) == (False, 0, ["not_consented"])
    assert c.explanation.ideal_match_cents == 1_200
    assert s.leftover_cents == 5_000
    assert all(p.released_cents == p.pledged_cents for p in s.pledges)
