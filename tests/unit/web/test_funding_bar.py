"""A challenge's funding bar: shares of its maximum, the minimum's tick always seen whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cobudget.web.funding_bar import EDGE, funding_bar

cents = st.integers(min_value=0, max_value=10**10)


def test_the_bar_fills_its_share_of_the_maximum_and_ticks_at_the_minimum() -> None:
    bar = funding_bar(600_00, 1_000_00, 2_000_00)
    assert (bar.filled, bar.minimum_at, bar.reached) == (30.0, 50.0, False)
    assert (bar.amount_cents, bar.min_cents, bar.max_cents) == (600_00, 1_000_00, 2_000_00)


def test_an_amount_past_the_maximum_fills_the_bar_and_keeps_its_figure() -> None:
    bar = funding_bar(2_500_00, 1_000_00, 2_000_00)
    assert (bar.filled, bar.reached, bar.amount_cents) == (100.0, True, 2_500_00)


def test_a_minimum_equal_to_the_maximum_is_ticked_inside_the_picture() -> None:
    assert funding_bar(0, 500_00, 500_00).minimum_at == 100 - EDGE


def test_a_challenge_without_budget_draws_an_empty_bar() -> None:
    bar = funding_bar(0, 0, 0)
    assert (bar.filled, bar.minimum_at, bar.reached) == (0.0, EDGE, False)


@given(cents, cents, cents)
def test_shares_stay_within_the_bar_and_follow_the_figures(
    amount: int, minimum: int, extra: int
) -> None:
    bar = funding_bar(amount, minimum, minimum + extra)
    assert 0 <= bar.filled <= 100 and EDGE <= bar.minimum_at <= 100 - EDGE
    assert bar.reached == (amount >= minimum > 0)
    # The fill reaches the minimum's share when the amount reaches the minimum (the tick itself
    # is kept half a unit inside the ends).
    if minimum and amount >= minimum:
        assert bar.filled >= 100 * minimum / (minimum + extra) - 0.01
    elif amount < minimum:
        assert bar.filled <= 100 * minimum / max(minimum + extra, 1) + 0.01
