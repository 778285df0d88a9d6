"""Hypothesis strategies for small MES problems (shared by the MES and parity tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from cobudget.engine.mes import MesProblem


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    cardinal: bool | None = None,
    weighted: bool | None = None,
    larger: bool = False,
) -> MesProblem:
    """Up to 6 projects and 7 voters; cost utilities (utility = cost) or points (0..3);
    equal or unequal weights; add-one step 1..3 or none. Costs and budgets are small so that
    ties and exact boundaries happen often. `larger`: up to 14 projects and 30 voters, so that
    runs have many steps and many projects priced at each."""
    m = draw(st.integers(1, 14 if larger else 6))
    costs = draw(st.lists(st.integers(0, 30), min_size=m, max_size=m))
    n = draw(st.integers(0, 30 if larger else 7))
    use_points = draw(st.booleans()) if cardinal is None else cardinal
    ballots = []
    for _ in range(n):
        chosen = draw(st.sets(st.integers(0, m - 1), max_size=m))
        if use_points:
            ballots.append({p: draw(st.integers(0, 3)) for p in sorted(chosen)})
        else:
            ballots.append({p: costs[p] for p in sorted(chosen)})
    use_weights = draw(st.booleans()) if weighted is None else weighted
    weights = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)) if use_weights else None
    unit = draw(st.one_of(st.none(), st.integers(1, 3)))
    budget = draw(st.integers(0, 200 if larger else 60))
    return MesProblem(costs=costs, budget=budget, ballots=ballots, weights=weights, unit=unit)
