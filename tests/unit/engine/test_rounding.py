"""`round_table`: a table of exact payments rounded to whole cents as `largest_remainder` rounds
each column, with a bound on what each payer pays in all (`equal_shares`, SPEC §6.4)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import ceil, floor

from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine.rounding import round_table


def test_a_table_no_bound_constrains_is_rounded_column_by_column_by_largest_remainder():
    columns = [
        {3: Fraction(10, 3), 1: Fraction(10, 3), 2: Fraction(10, 3)},
        {1: Fraction(5, 2), 2: Fraction(3, 2)},
    ]
    assert round_table(columns, {}) == [{3: 3, 1: 4, 2: 3}, {1: 3, 2: 1}]
    assert round_table(columns, {1: 7, 2: 5, 3: 4}) == [{3: 3, 1: 4, 2: 3}, {1: 3, 2: 1}]


def test_a_payer_at_its_bound_leaves_the_rounded_up_cent_to_another_payer():
    # Both columns would round lieu 1 up (largest fraction; then a tie, to the smaller key).
    columns = [{1: Fraction(3, 5), 2: Fraction(2, 5)}, {1: Fraction(7, 2), 3: Fraction(1, 2)}]
    assert round_table(columns, {}) == [{1: 1, 2: 0}, {1: 4, 3: 0}]
    assert round_table(columns, {1: 4}) == [{1: 1, 2: 0}, {1: 3, 3: 1}]


def test_a_rounded_up_cent_is_moved_to_another_column_when_only_that_frees_room():
    # Column 0 gives its cent to lieu 1 (tie, smaller key); column 1 can only give its cent to
    # lieu 1 (lieu 3 may not take one): column 0's cent moves to lieu 2.
    columns = [{1: Fraction(1, 2), 2: Fraction(1, 2)}, {1: Fraction(1, 2), 3: Fraction(1, 2)}]
    assert round_table(columns, {1: 1, 3: 0}) == [{1: 0, 2: 1}, {1: 1, 3: 0}]


def test_payers_that_spent_fractions_of_a_cent_together_go_one_cent_above_their_bounds():
    # Lieux 3 and 4 each hold 1,5 cent exactly (1 cent in whole cents) and pay 3 cents together:
    # one of them must pay one cent above its bound, never more.
    columns = [{3: Fraction(1, 2), 4: Fraction(1, 2)}, {3: Fraction(1)}, {4: Fraction(1)}]
    rounded = round_table(columns, {3: 1, 4: 1})
    assert [sum(c.values()) for c in rounded] == [1, 1, 1]
    totals = {k: sum(c.get(k, 0) for c in rounded) for k in (3, 4)}
    assert sorted(totals.values()) == [1, 2]


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[dict[int, Fraction]], dict[int, int]]:
    """Up to 4 columns over payers 1..4, each an integer total split by small integer weights;
    soft bounds around each payer's exact total (floor, ceiling, or a little below)."""
    columns = []
    for _ in range(draw(st.integers(1, 4))):
        payers = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4, unique=True))
        ws = [draw(st.integers(1, 9)) for _ in payers]
        total = draw(st.integers(0, 12))
        columns.append({k: Fraction(total * w, sum(ws)) for k, w in zip(payers, ws, strict=True)})
    exact = {k: sum((c.get(k, Fraction(0)) for c in columns), Fraction(0)) for k in range(1, 5)}
    soft = {k: max(0, floor(v) - draw(st.integers(-1, 1))) for k, v in exact.items()}
    return columns, soft


def _overflow(rounded: list[dict[int, int]], soft: dict[int, int]) -> int:
    totals: dict[int, int] = {}
    for column in rounded:
        for k, v in column.items():
            totals[k] = totals.get(k, 0) + v
    return sum(max(0, v - soft.get(k, v)) for k, v in totals.items())


@settings(max_examples=300, deadline=None)
@given(tables())
def test_a_rounded_table_keeps_columns_whole_payers_within_their_ceiling_and_bounds_if_it_can(
    table: tuple[list[dict[int, Fraction]], dict[int, int]],
):
    columns, soft = table
    rounded = round_table(columns, soft)
    for exact, cents in zip(columns, rounded, strict=True):
        assert sum(cents.values()) == sum(exact.values())
        assert all(floor(exact[k]) <= cents[k] <= ceil(exact[k]) for k in exact)
    for k in range(1, 5):
        total = sum((c.get(k, Fraction(0)) for c in columns), Fraction(0))
        assert sum(c.get(k, 0) for c in rounded) <= max(soft[k], ceil(total))
    # As few cents above the bounds as any rounding of the cells allows (all of them, tried).
    cells = [(c, k) for c, column in enumerate(columns) for k, v in column.items() if v % 1]
    best = None
    for ups in itertools.product((0, 1), repeat=len(cells)):
        trial = [{k: floor(v) for k, v in column.items()} for column in columns]
        for (c, k), bit in zip(cells, ups, strict=True):
            trial[c][k] += bit
        if all(sum(t.values()) == sum(e.values()) for t, e in zip(trial, columns, strict=True)):
            over = _overflow(trial, soft)
            best = over if best is None else min(best, over)
    assert _overflow(rounded, soft) == best
