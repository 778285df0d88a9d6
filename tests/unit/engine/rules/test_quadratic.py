"""The fixed-point arithmetic of quadratic matching."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from cobudget.engine.rules.quadratic import WaterFill, ideal_match


def test_perfect_squares_give_the_exact_ideal_match():
    assert ideal_match([400, 900, 100]) == (20 + 30 + 10) ** 2 - 1_400


def test_one_unit_gets_no_ideal_match():
    assert ideal_match([10_000]) == 0
    assert ideal_match([]) == 0


@given(st.lists(st.integers(1, 10**9), min_size=2, max_size=50))
def test_the_ideal_match_is_the_floor_of_the_real_one_to_within_a_cent(amounts):
    real = math.fsum(math.sqrt(a) for a in amounts) ** 2 - sum(amounts)
    assert abs(ideal_match(amounts) - math.floor(real)) <= 1


def test_water_filling_caps_the_smallest_room_per_ideal_first_and_raises_the_level():
    fill = WaterFill(3_000, {1: 2_200, 2: 5_000, 4: 200}, {1: 18_600, 2: 1_000, 4: 39_800})
    assert fill.capped == {2}
    assert (fill.remaining, fill.ideal_left, str(fill.level())) == (2_000, 2_400, "5/6")
    fill.drop(4)
    assert str(fill.level()) == "10/11"
