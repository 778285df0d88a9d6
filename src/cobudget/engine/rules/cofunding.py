"""Rule `cofunding` (Cobudget-style), SPEC §6.1.

A challenge is funded when it is consented, every proposer is eligible, its pledges reach the
sum of its minimums (the threshold), and at least `min_cofunders` distinct lieux other than its
proposers pledged to it (co-funding organisations bring money but are not counted: the rule
asks that other *lieux* share the problem). A funded challenge takes its pledges up to the sum
of its maximums, any excess scaled back pro rata over its pledges; an unfunded one takes
nothing and every pledge to it is released whole. Drawing rights not spent go to the leftover.
"""

from __future__ import annotations

from cobudget.engine.canonical import digest
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.rules.common import (
    capture,
    eligibility_reasons,
    pledge_parts,
    pledges_by_challenge,
)
from cobudget.engine.settlement import (
    ChallengeOutcome,
    CofundingExplanation,
    Settlement,
    assemble,
)
from cobudget.engine.types import Challenge, EnvelopeInput, Pledge


def _settle_challenge(
    challenge: Challenge,
    pledges: list[Pledge],
    eligible: dict[int, bool],
    min_cofunders: int,
    captured: dict[int, int],
) -> ChallengeOutcome:
    threshold = sum(line.min_cents for line in challenge.budget_lines)
    maximum = sum(line.max_cents for line in challenge.budget_lines)
    pledged = sum(p.amount_cents for p in pledges)
    proposers = set(challenge.proposers)
    cofunders = len({p.contributor_id for p in pledges if p.contributor_kind == "lieu"} - proposers)
    reasons = eligibility_reasons(challenge, eligible)
    if pledged < threshold:
        reasons.append("below_threshold")
    if cofunders < min_cofunders:
        reasons.append("too_few_cofunders")
    funded = not reasons
    takes = capture(pledges, maximum) if funded else [0] * len(pledges)
    by_source = {"drawing_rights": 0, "own_funds": 0}
    for pledge, got in zip(pledges, takes, strict=True):
        captured[pledge.id] = got
        by_source[pledge.source] += got
    total = sum(takes)
    return ChallengeOutcome(
        challenge_id=challenge.id,
        funded=funded,
        total_cents=total,
        drawing_rights_cents=by_source["drawing_rights"],
        own_funds_cents=by_source["own_funds"],
        match_cents=0,
        explanation=CofundingExplanation(
            reasons=reasons,
            consented=challenge.consented,
            proposers_eligible="proposer_not_eligible" not in reasons,
            pledged_cents=pledged,
            threshold_cents=threshold,
            maximum_cents=maximum,
            cofunders=cofunders,
            min_cofunders=min_cofunders,
            scaled_back_cents=pledged - total if funded else 0,
        ),
    )


def settle(inputs: EnvelopeInput) -> Settlement:
    """Settle validated inputs under `cofunding` (SPEC §6.1). Call `engine.settle`, which
    validates first; on unvalidated inputs this may raise anything."""
    rights = drawing_rights(inputs.amount_cents, inputs.lieux)
    eligible = {lieu.id: lieu.eligible for lieu in inputs.lieux}
    grouped = pledges_by_challenge(inputs)
    captured: dict[int, int] = {}
    challenges = [
        _settle_challenge(c, grouped[c.id], eligible, inputs.params.min_cofunders, captured)
        for c in inputs.challenges
    ]
    pledges, lieux, transfers, spent = pledge_parts(inputs, rights, captured)
    return assemble(
        rule="cofunding",
        inputs_digest=digest(inputs),
        envelope_cents=inputs.amount_cents,
        leftover_cents=inputs.amount_cents - spent,
        challenges=challenges,
        pledges=pledges,
        lieux=lieux,
        transfers=transfers,
    )
