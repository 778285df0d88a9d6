"""Pieces shared by the rules: grouping pledges, eligibility, scaling back an excess, and
turning captured amounts into the per-pledge, per-lieu and transfer parts of a settlement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cobudget.engine.money import largest_remainder
from cobudget.engine.settlement import LieuOutcome, PledgeOutcome, Transfer
from cobudget.engine.types import Challenge, EnvelopeInput, Pledge


def pledges_by_challenge(inputs: EnvelopeInput) -> dict[int, list[Pledge]]:
    """Pledges of each challenge, sorted by pledge id (every challenge has a list)."""
    grouped: dict[int, list[Pledge]] = {c.id: [] for c in inputs.challenges}
    for pledge in sorted(inputs.pledges, key=lambda p: p.id):
        grouped[pledge.challenge_id].append(pledge)
    return grouped


def eligibility_reasons(challenge: Challenge, eligible: Mapping[int, bool]) -> list[str]:
    """Codes of the conditions every rule puts on envelope money: consented (§5) and every
    proposer eligible. Every proposer, not only the first: co-proposers may receive part of
    the money, and public money only goes to lieux whose legal form the network accepts."""
    reasons = [] if challenge.consented else ["not_consented"]
    if not all(eligible[lieu_id] for lieu_id in challenge.proposers):
        reasons.append("proposer_not_eligible")
    return reasons


def capture(pledges: Sequence[Pledge], maximum_cents: int) -> list[int]:
    """What each pledge gives a funded challenge: all of it, or, above the maximum, the maximum
    split pro rata over the pledges (largest remainder, ties by pledge id). Never more than a
    pledge promised."""
    amounts = [p.amount_cents for p in pledges]
    if sum(amounts) <= maximum_cents:
        return amounts
    return largest_remainder(maximum_cents, amounts, [p.id for p in pledges])


def pledge_parts(
    inputs: EnvelopeInput, rights: Mapping[int, int], captured: Mapping[int, int]
) -> tuple[list[PledgeOutcome], list[LieuOutcome], list[Transfer], int]:
    """Per-pledge outcomes, per-lieu outcomes, transfers, and drawing rights spent in all, from
    what each pledge (by id) gave; pledges absent from `captured` are released whole."""
    outcomes: list[PledgeOutcome] = []
    transfers: list[Transfer] = []
    spent: dict[int, int] = {}
    own_spent: dict[int, int] = {}
    for p in inputs.pledges:
        got = captured.get(p.id, 0)
        outcomes.append(
            PledgeOutcome(
                pledge_id=p.id,
                challenge_id=p.challenge_id,
                contributor_kind=p.contributor_kind,
                contributor_id=p.contributor_id,
                source=p.source,
                pledged_cents=p.amount_cents,
                captured_cents=got,
                released_cents=p.amount_cents - got,
            )
        )
        if not got:
            continue
        transfers.append(
            Transfer(
                challenge_id=p.challenge_id,
                from_kind=p.contributor_kind,
                from_id=p.contributor_id,
                source=p.source,
                pledge_id=p.id,
                amount_cents=got,
            )
        )
        if p.contributor_kind == "lieu":
            book = spent if p.source == "drawing_rights" else own_spent
            book[p.contributor_id] = book.get(p.contributor_id, 0) + got
    lieux = [
        LieuOutcome(
            lieu_id=lieu.id,
            drawing_rights_cents=rights.get(lieu.id, 0),
            spent_cents=spent.get(lieu.id, 0),
            unspent_cents=rights.get(lieu.id, 0) - spent.get(lieu.id, 0),
            own_funds_spent_cents=own_spent.get(lieu.id, 0),
        )
        for lieu in inputs.lieux
    ]
    return outcomes, lieux, transfers, sum(spent.values())
