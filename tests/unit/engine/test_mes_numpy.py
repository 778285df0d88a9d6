"""The numpy kernels' helpers (`engine.mes_numpy`) against plain Python."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine.mes_numpy import state_counts


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(1, 5)), max_size=80),
    st.booleans(),
    st.sampled_from([61, 10**6]),
)
def test_states_are_counted_alike_by_tally_and_by_sort(
    supporters: list[tuple[int, int]], ones: bool, size: int
) -> None:
    # A run with few states counts them into an array of its states; one with many more
    # states than supporters sorts them: both give the distinct states in order and their
    # voters.
    states = np.array([s for s, _ in supporters], dtype=np.intp)
    counts = np.array([1 if ones else c for _, c in supporters], dtype=np.intp)
    expected: Counter[int] = Counter()
    for s, c in zip(states.tolist(), counts.tolist(), strict=True):
        expected[s] += c
    found, many = state_counts(states, counts, ones, size)
    assert found == sorted(expected)
    assert many == [expected[s] for s in found]
    assert all(type(x) is int for x in found + many)
