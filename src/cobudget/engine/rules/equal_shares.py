"""Rule `equal_shares`: the Method of Equal Shares over the lieux' drawing rights (SPEC §6.2).

The envelope is the budget; every lieu is a voter whose share is its weight. With equal weights
each lieu starts at exactly amount/n (an exact fraction of cents) and the rule is exactly the
reference's (pabutools: MES, add-one completion by `unit_cents` per lieu, then utilitarian
greedy), except that the greedy never buys a challenge no lieu supports; with unequal weights,
round k splits the virtual envelope amount + k·n·unit_cents in proportion to the weights,
exactly (the core works with fractions, so no cent is rounded until the payments are final).
Only consented challenges whose proposers are all eligible can be bought; the others keep their
reason. Payments are exact fractions, rounded to whole cents with each lieu kept within its
drawing rights and raise; the greedy's purchases are paid from the drawing rights left unspent
(`equal_shares_payments`). The exact fractions stay in the explanation.
"""

from __future__ import annotations

from fractions import Fraction
from operator import attrgetter

from cobudget.engine.canonical import digest
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.mes import MesProblem, MesResult, equal_shares
from cobudget.engine.money import fraction_text
from cobudget.engine.rules.common import eligibility_reasons, pledge_parts
from cobudget.engine.rules.equal_shares_payments import budgets, pay
from cobudget.engine.settlement import (
    ChallengeOutcome,
    EqualSharesExplanation,
    EqualSharesPayment,
    EqualSharesStage,
    LieuOutcome,
    Settlement,
    Transfer,
    assemble,
)
from cobudget.engine.types import EnvelopeInput, Lieu


def challenge_costs(inputs: EnvelopeInput) -> dict[int, int]:
    """What each challenge asks of the envelope: `requested_cents`, or by default the sum of its
    minimums less the own-fund pledges it holds (never below 0)."""
    own: dict[int, int] = {}
    for p in inputs.pledges:
        if p.source == "own_funds":
            own[p.challenge_id] = own.get(p.challenge_id, 0) + p.amount_cents
    costs: dict[int, int] = {}
    for c in inputs.challenges:
        if c.requested_cents is not None:
            costs[c.id] = c.requested_cents
        else:
            minimum = sum(line.min_cents for line in c.budget_lines)
            costs[c.id] = max(0, minimum - own.get(c.id, 0))
    return costs


def biddable_costs(inputs: EnvelopeInput) -> dict[int, int]:
    """Costs of the challenges that can be bought: consented, every proposer eligible."""
    eligible = {lieu.id: lieu.eligible for lieu in inputs.lieux}
    costs = challenge_costs(inputs)
    return {c.id: costs[c.id] for c in inputs.challenges if not eligibility_reasons(c, eligible)}


def utilities_by_lieu(
    inputs: EnvelopeInput, read_points: bool = False
) -> dict[int, dict[int, int]]:
    """Each lieu's support, {lieu id: {challenge id: points}}.

    Approvals count 1 point whatever `points` says; points are read as given (0 is a listed,
    unsupported challenge); with `support == "pledges"` a lieu's points are the cents it pledged
    from its drawing rights. `read_points=True` returns these points; otherwise the utilities
    the rule uses: the points under `utility == "cardinal"`, the challenge's cost under "cost"
    (1 for a challenge that costs the envelope nothing, so that its support still counts: it is
    then taken for free, where a utility of 0 would leave it unsupported, hence never funded).
    """
    support = inputs.params.support
    points: dict[int, dict[int, int]] = {}
    if support == "pledges":
        for p in inputs.pledges:
            if p.contributor_kind == "lieu" and p.source == "drawing_rights":
                mine = points.setdefault(p.contributor_id, {})
                mine[p.challenge_id] = mine.get(p.challenge_id, 0) + p.amount_cents
    else:
        for s in inputs.supports:
            points.setdefault(s.lieu_id, {})[s.challenge_id] = (
                1 if support == "approval" else s.points
            )
    if read_points or inputs.params.utility == "cardinal":
        return points
    costs = challenge_costs(inputs)
    return {lieu: {cid: max(1, costs[cid]) for cid in given} for lieu, given in points.items()}


def solve(inputs: EnvelopeInput) -> tuple[list[int], list[int], MesResult]:
    """Run the core on the biddable challenges: (challenge ids by index, lieu ids by index,
    result). Projects are numbered in challenge id order, so ties go to the smallest id."""
    costs = biddable_costs(inputs)
    ids = sorted(costs)
    index = {cid: i for i, cid in enumerate(ids)}
    lieux = sorted(inputs.lieux, key=lambda lieu: lieu.id)
    ballots = _ballots(inputs, lieux, index)
    problem = MesProblem(
        costs=[costs[cid] for cid in ids],
        budget=inputs.amount_cents,
        ballots=ballots,
        # All weights zero (an empty envelope, see validate): no one is favoured, shares equal.
        weights=[lieu.weight for lieu in lieux] if any(x.weight for x in lieux) else None,
        unit=inputs.params.unit_cents,
    )
    return ids, [lieu.id for lieu in lieux], equal_shares(problem)


def _ballots(
    inputs: EnvelopeInput, lieux: list[Lieu], index: dict[int, int]
) -> list[dict[int, int]]:
    """Each lieu's utilities {project number: utility}, in the order of `lieux`: those of
    `utilities_by_lieu` on the biddable challenges, read in one pass over the supports."""
    if inputs.params.support == "pledges":
        utilities = utilities_by_lieu(inputs)
        return [
            {index[cid]: u for cid, u in utilities.get(lieu.id, {}).items() if cid in index}
            for lieu in lieux
        ]
    position = {lieu.id: i for i, lieu in enumerate(lieux)}
    ballots: list[dict[int, int]] = [{} for _ in lieux]
    approval = inputs.params.support == "approval"
    costs = challenge_costs(inputs) if inputs.params.utility != "cardinal" else None
    if costs is None and not approval:
        for s in inputs.supports:
            p = index.get(s.challenge_id)
            i = position.get(s.lieu_id)
            if p is not None and i is not None:
                ballots[i][p] = s.points
        return ballots
    # One utility per challenge (its cost, as `utilities_by_lieu` says, or 1): looked up in C
    # for the hundreds of thousands of supports of a large election.
    entry = {cid: (p, 1 if costs is None else max(1, costs[cid])) for cid, p in index.items()}
    places = map(position.get, map(attrgetter("lieu_id"), inputs.supports))
    found = map(entry.get, map(attrgetter("challenge_id"), inputs.supports))
    for i, item in zip(places, found, strict=True):
        if i is not None and item is not None:
            ballots[i][item[0]] = item[1]
    return ballots


def settle(inputs: EnvelopeInput) -> Settlement:
    """Settle an envelope under `equal_shares` (SPEC §6.2). Inputs are validated by
    `engine.settle`; this raises nothing on valid inputs."""
    ids, lieu_ids, result = solve(inputs)
    costs = challenge_costs(inputs)
    eligible = {lieu.id: lieu.eligible for lieu in inputs.lieux}
    supporters: dict[int, int] = {}
    for given in utilities_by_lieu(inputs).values():
        for cid, u in given.items():
            if u > 0:
                supporters[cid] = supporters.get(cid, 0) + 1
    base = set(result.base_selected)
    bought: dict[int, tuple[int, Fraction | None, EqualSharesStage, dict[int, Fraction]]] = {}
    for purchase in result.purchases:
        cid = ids[purchase.project]
        stage: EqualSharesStage
        if purchase.phase == "greedy":
            stage = "greedy"
        elif purchase.phase == "free" or purchase.project in base:
            stage = "equal_shares"
        else:
            stage = "add_one"
        exact = {lieu_ids[v]: pay for v, pay in purchase.payments.items() if pay}
        bought[cid] = (purchase.round, purchase.rho, stage, exact)
    unbought = {ids[u.project]: u.reason for u in result.unbought}
    rights = drawing_rights(inputs.amount_cents, inputs.lieux)
    payments = pay(
        [(cid, exact) for cid, (_, _, stage, exact) in bought.items() if stage != "greedy"],
        [(cid, costs[cid]) for cid, (_, _, stage, _) in bought.items() if stage == "greedy"],
        rights,
        budgets(inputs, rights, result.rounds),
    )

    captured = {
        p.id: p.amount_cents
        for p in inputs.pledges
        if p.source == "own_funds" and p.challenge_id in bought
    }
    pledges, _, transfers, _ = pledge_parts(inputs, rights, captured)
    own_spent: dict[int, int] = {}
    own_total: dict[int, int] = {}
    for p in inputs.pledges:
        if p.id in captured:
            own_total[p.challenge_id] = own_total.get(p.challenge_id, 0) + p.amount_cents
            if p.contributor_kind == "lieu":
                own_spent[p.contributor_id] = own_spent.get(p.contributor_id, 0) + p.amount_cents

    challenges: list[ChallengeOutcome] = []
    for c in inputs.challenges:
        cost = costs[c.id]
        if c.id in bought:
            rnd, rho, stage, exact = bought[c.id]
            cents = payments.by_challenge.get(c.id, {})
            transfers.extend(
                Transfer(
                    challenge_id=c.id,
                    from_kind="lieu",
                    from_id=lieu,
                    source="drawing_rights",
                    pledge_id=None,
                    amount_cents=amount,
                )
                for lieu, amount in cents.items()
            )
            explanation = EqualSharesExplanation(
                reasons=[],
                cost_cents=cost,
                supporters=supporters.get(c.id, 0),
                round=rnd,
                price_per_support=None if rho is None else fraction_text(rho),
                payments=[
                    EqualSharesPayment(
                        lieu_id=lieu,
                        # The greedy's payments are whole cents from the start.
                        exact=fraction_text(exact.get(lieu, Fraction(cents[lieu]))),
                        cents=cents[lieu],
                    )
                    for lieu in sorted(cents)
                ],
                stage=stage,
            )
            own = own_total.get(c.id, 0)
            challenges.append(
                ChallengeOutcome(
                    challenge_id=c.id,
                    funded=True,
                    total_cents=cost + own,
                    drawing_rights_cents=cost,
                    own_funds_cents=own,
                    match_cents=0,
                    explanation=explanation,
                )
            )
            continue
        reasons = eligibility_reasons(c, eligible)
        if not reasons:
            # Bought by neither MES (its supporters could not pay for it, or it had none) nor
            # the greedy completion (it did not fit in what was left, or no lieu supports it).
            reasons = ["no_support"] if unbought.get(c.id) == "unsupported" else ["not_affordable"]
        challenges.append(
            ChallengeOutcome(
                challenge_id=c.id,
                funded=False,
                total_cents=0,
                drawing_rights_cents=0,
                own_funds_cents=0,
                match_cents=0,
                explanation=EqualSharesExplanation(
                    reasons=reasons,
                    cost_cents=cost,
                    supporters=supporters.get(c.id, 0),
                    round=None,
                    price_per_support=None,
                    payments=[],
                    stage=None,
                ),
            )
        )
    lieux = [
        LieuOutcome(
            lieu_id=lieu.id,
            drawing_rights_cents=rights[lieu.id],
            raise_cents=payments.raised[lieu.id],
            spent_cents=payments.paid[lieu.id],
            # What it had left of its budget in the method (rights + raise): not a leftover.
            unspent_cents=rights[lieu.id] + payments.raised[lieu.id] - payments.paid[lieu.id],
            own_funds_spent_cents=own_spent.get(lieu.id, 0),
        )
        for lieu in inputs.lieux
    ]
    envelope_spent = sum(costs[cid] for cid in bought)
    return assemble(
        rule="equal_shares",
        inputs_digest=digest(inputs),
        envelope_cents=inputs.amount_cents,
        leftover_cents=inputs.amount_cents - envelope_spent,
        challenges=challenges,
        pledges=pledges,
        lieux=lieux,
        transfers=transfers,
    )
