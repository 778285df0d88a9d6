"""Small builders so that hand-computed examples read like the SPEC, not like struct soup."""

from __future__ import annotations

from cobudget.engine.types import (
    BudgetLine,
    Challenge,
    Cofunder,
    EnvelopeInput,
    Lieu,
    Pledge,
    PledgeSource,
    Rule,
    RuleParams,
)


def challenge(
    cid: int, proposers: list[int], min_cents: int, max_cents: int, *, consented: bool = True
) -> Challenge:
    return Challenge(
        id=cid,
        proposers=proposers,
        consented=consented,
        budget_lines=[BudgetLine(id=1, min_cents=min_cents, max_cents=max_cents)],
    )


def lieu_pledge(
    pid: int, challenge_id: int, lieu_id: int, cents: int, source: PledgeSource = "drawing_rights"
) -> Pledge:
    return Pledge(
        id=pid,
        challenge_id=challenge_id,
        contributor_kind="lieu",
        contributor_id=lieu_id,
        source=source,
        amount_cents=cents,
    )


def cofunder_pledge(pid: int, challenge_id: int, cofunder_id: int, cents: int) -> Pledge:
    return Pledge(
        id=pid,
        challenge_id=challenge_id,
        contributor_kind="cofunder",
        contributor_id=cofunder_id,
        source="own_funds",
        amount_cents=cents,
    )


def envelope(
    rule: Rule,
    amount_cents: int,
    *,
    lieux: int | list[Lieu] = 3,
    cofunders: list[int] = (),  # type: ignore[assignment]
    challenges: list[Challenge],
    pledges: list[Pledge],
    params: RuleParams | None = None,
) -> EnvelopeInput:
    if isinstance(lieux, int):
        lieux = [Lieu(id=i) for i in range(1, lieux + 1)]
    return EnvelopeInput(
        amount_cents=amount_cents,
        rule=rule,
        params=params or RuleParams(),
        lieux=lieux,
        cofunders=[Cofunder(id=i) for i in cofunders],
        challenges=challenges,
        pledges=pledges,
    )
