"""Drawing rights, SPEC §6: the envelope split by weight, largest remainder, ties by lieu id."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu


def test_equal_weights_give_the_odd_cent_to_the_lowest_lieu_id():
    lieux = [Lieu(id=3), Lieu(id=1), Lieu(id=2)]
    assert drawing_rights(100_000, lieux) == {1: 33_334, 2: 33_333, 3: 33_333}


def test_unequal_weights_give_the_missing_cents_to_the_largest_remainders():
    # 100 001 × (2, 1, 3) / 6 = 33 333.67, 16 666.83, 50 000.5 → 33 334, 16 667, 50 000.
    lieux = [Lieu(id=4, weight=2), Lieu(id=7, weight=1), Lieu(id=9, weight=3)]
    assert drawing_rights(100_001, lieux) == {4: 33_334, 7: 16_667, 9: 50_000}


@given(st.integers(0, 10**9), st.lists(st.integers(0, 50), min_size=1, max_size=40).filter(any))
def test_the_shares_add_up_to_the_envelope_exactly(amount, weights):
    lieux = [Lieu(id=i, weight=w) for i, w in enumerate(weights)]
    rights = drawing_rights(amount, lieux)
    assert sum(rights.values()) == amount
    assert all(rights[i] == 0 for i, w in enumerate(weights) if w == 0)
