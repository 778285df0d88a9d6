"""Rule `matching` (quadratic matching), SPEC §6.3.

Lieux and co-funders pledge own funds; the envelope is the matching pool (no drawing rights).
A challenge takes part if it is consented and every proposer is eligible. Its own pledges are
captured up to its maximum (an excess scaled back pro rata, as in `cofunding`); its ideal match
is (Σ_i √c_i)² − Σ_i c_i over contributor units (a unit's pledges to one challenge are summed
first), zero when a single unit backs it. Matches are water-filled (`rules.quadratic`). While a
challenge's total stays under its minimum, the one furthest from its minimum (in cents; ties:
the higher id goes first) is dropped, its pledges released, and the level recomputed.

Dropping only raises the level, so shortfalls only shrink: a lazy max-heap of shortfalls (a
stale entry is an upper bound) finds each challenge to drop without rescanning all of them.
The final cents of a scaled match are placed by largest remainder, ties by challenge id.
"""

from __future__ import annotations

import heapq
from fractions import Fraction

from cobudget.engine.canonical import digest
from cobudget.engine.money import ceil_div, fraction_text, largest_remainder
from cobudget.engine.rules.common import (
    capture,
    eligibility_reasons,
    pledge_parts,
    pledges_by_challenge,
)
from cobudget.engine.rules.quadratic import WaterFill, ideal_match
from cobudget.engine.settlement import (
    ChallengeOutcome,
    MatchingExplanation,
    Settlement,
    Transfer,
    assemble,
)
from cobudget.engine.types import EnvelopeInput, Pledge


def _units(pledges: list[Pledge]) -> dict[tuple[str, int], int]:
    units: dict[tuple[str, int], int] = {}
    for p in pledges:
        key = (p.contributor_kind, p.contributor_id)
        units[key] = units.get(key, 0) + p.amount_cents
    return units


def _drop_order(fill: WaterFill, need: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Drop challenges under their minimum, furthest first; {id: (order, shortfall cents)}."""

    def shortfall(j: int) -> Fraction:
        return need[j] - fill.level() * fill.ideal.get(j, 0)

    heap = [(-shortfall(j), -j) for j in need]
    heapq.heapify(heap)
    dropped: dict[int, tuple[int, int]] = {}
    while heap:
        _, neg_id = heapq.heappop(heap)
        j = -neg_id
        if j in fill.capped:
            continue
        value = shortfall(j)
        if value <= 0:  # shortfalls only shrink: this one is done for good
            continue
        if heap and (-value, neg_id) > heap[0]:
            heapq.heappush(heap, (-value, neg_id))
            continue
        dropped[j] = (len(dropped) + 1, ceil_div(value.numerator, value.denominator))
        fill.drop(j)
    return dropped


def settle(inputs: EnvelopeInput) -> Settlement:
    """Settle validated inputs under `matching` (SPEC §6.3). Call `engine.settle`, which
    validates first."""
    eligible = {lieu.id: lieu.eligible for lieu in inputs.lieux}
    grouped = pledges_by_challenge(inputs)
    reasons = {c.id: eligibility_reasons(c, eligible) for c in inputs.challenges}
    takes: dict[int, list[int]] = {}
    units: dict[int, int] = {}
    ideal: dict[int, int] = {}
    room: dict[int, int] = {}
    need: dict[int, int] = {}
    for c in inputs.challenges:
        pledges = grouped[c.id]
        by_unit = _units(pledges)
        units[c.id] = len(by_unit)
        ideal[c.id] = ideal_match(list(by_unit.values()))
        if reasons[c.id]:
            continue
        maximum = sum(line.max_cents for line in c.budget_lines)
        takes[c.id] = capture(pledges, maximum)
        room[c.id] = maximum - sum(takes[c.id])
        need[c.id] = sum(line.min_cents for line in c.budget_lines) - sum(takes[c.id])
    fill = WaterFill(
        inputs.amount_cents, {j: ideal[j] for j in need if ideal[j]}, {j: room[j] for j in need}
    )
    dropped = _drop_order(fill, need)
    level = fill.level()
    scaled = [j for j in sorted(fill.ideal) if j not in fill.capped and j not in dropped]
    if level < 1:
        shares = largest_remainder(fill.remaining, [ideal[j] for j in scaled], scaled)
    else:
        shares = [ideal[j] for j in scaled]
    match = dict(zip(scaled, shares, strict=True))
    match.update({j: room[j] for j in fill.capped})
    scale = fraction_text(level) if level < 1 else None
    is_scaled = set(scaled)

    captured: dict[int, int] = {}
    challenges: list[ChallengeOutcome] = []
    match_transfers: list[Transfer] = []
    for c in inputs.challenges:
        pledges = grouped[c.id]
        funded = c.id in need and c.id not in dropped
        own = takes[c.id] if funded else [0] * len(pledges)
        captured.update((p.id, got) for p, got in zip(pledges, own, strict=True))
        why = list(reasons[c.id]) + (["dropped_below_minimum"] if c.id in dropped else [])
        m = match.get(c.id, 0) if funded else 0
        match_transfers.append(
            Transfer(
                challenge_id=c.id,
                from_kind="envelope",
                from_id=None,
                source="match",
                pledge_id=None,
                amount_cents=m,
            )
        )
        challenges.append(
            ChallengeOutcome(
                challenge_id=c.id,
                funded=funded,
                total_cents=sum(own) + m,
                drawing_rights_cents=0,
                own_funds_cents=sum(own),
                match_cents=m,
                explanation=MatchingExplanation(
                    reasons=why,
                    units=units[c.id],
                    single_unit=units[c.id] == 1,
                    pledged_cents=sum(p.amount_cents for p in pledges),
                    ideal_match_cents=ideal[c.id],
                    match_cents=m,
                    scale=scale if c.id in is_scaled else None,
                    capped=c.id in fill.capped,
                    dropped_order=dropped[c.id][0] if c.id in dropped else None,
                    shortfall_cents=dropped[c.id][1] if c.id in dropped else 0,
                ),
            )
        )
    pledge_outcomes, lieux, transfers, _ = pledge_parts(inputs, {}, captured)
    return assemble(
        rule="matching",
        inputs_digest=digest(inputs),
        envelope_cents=inputs.amount_cents,
        leftover_cents=inputs.amount_cents - sum(match.values()),
        challenges=challenges,
        pledges=pledge_outcomes,
        lieux=lieux,
        transfers=transfers + match_transfers,
    )
