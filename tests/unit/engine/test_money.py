"""`largest_remainder`: the one rounding of the engine."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine.money import fraction_text, largest_remainder


def test_the_missing_cents_go_to_the_largest_remainders_then_to_the_smallest_key():
    assert largest_remainder(100, [1, 1, 1], [3, 1, 2]) == [33, 34, 33]
    assert largest_remainder(10, [1, 2, 3], [1, 2, 3]) == [2, 3, 5]  # 1.67, 3.33, 5


def test_a_positive_total_with_no_weight_is_a_programming_error():
    with pytest.raises(ValueError):
        largest_remainder(1, [0, 0], [1, 2])
    assert largest_remainder(0, [0, 0], [1, 2]) == [0, 0]


weights = st.lists(st.integers(0, 10**6), min_size=1, max_size=30).filter(any)


@settings(max_examples=200)
@given(st.integers(0, 10**9), weights)
def test_the_parts_add_up_and_each_is_its_exact_share_rounded_down_or_up(total, ws):
    parts = largest_remainder(total, ws, list(range(len(ws))))
    assert sum(parts) == total
    for part, w in zip(parts, ws, strict=True):
        exact = Fraction(total * w, sum(ws))
        assert exact - 1 < part < exact + 1


@settings(max_examples=100)
@given(st.integers(0, 10**6), weights, st.randoms())
def test_the_split_does_not_depend_on_the_order_of_the_parties(total, ws, rnd):
    keys = list(range(len(ws)))
    base = dict(zip(keys, largest_remainder(total, ws, keys), strict=True))
    order = keys[:]
    rnd.shuffle(order)
    again = largest_remainder(total, [ws[k] for k in order], order)
    assert dict(zip(order, again, strict=True)) == base


def test_fractions_are_written_num_over_den_in_lowest_terms():
    assert fraction_text(Fraction(10, 4)) == "5/2"
    assert fraction_text(Fraction(3)) == "3/1"
