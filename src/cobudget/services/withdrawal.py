"""Withdrawing a challenge (issue 17, cobudget#862): its proposing lieu takes it back, with a
reason, and it keeps its history.

What a withdrawal does, in one write transaction that holds the challenge's row:
- the challenge is marked withdrawn (`withdrawn_at`, `withdrawal_reason`); its versions, rounds,
  positions, questions and discussion stay readable, marked « retiré » on its page;
- its rounds still open are closed now (their outcome follows from the positions taken before,
  as for a round a coordinator closes);
- its pledges in the envelopes not settled are released: each keeps what it had pledged as
  released, with no funding envelope (the challenge was withdrawn), and the drawing rights it
  held are free again; the envelopes leave it out from then on (`envelope_inputs.challenge_ids`),
  so no projection or settlement counts it;
- the people of the lieux and co-funders that pledged to it, of its concerned lieux, of its
  co-proposers and of the lieux that took a position in a round it closed are told.

Refused when a settlement funded it (the money is settled: it has reports to give, not a
withdrawal), while an envelope that holds pledges to it, or lieux' support of it (equal shares by
approval or points), is closed and waits for its settlement (closing froze them: the settlement
reads them as they were), twice, and for a draft (never published: nothing to withdraw). During
funding it is allowed: that is when releasing the pledges matters most. Every later position,
question, pledge, support, version or « nous aussi » is refused, each inside its own write
transaction (`challenges.refuse_if_withdrawn`, `pledges._hold`).
"""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    Challenge,
    ConcernedLieu,
    ConsentRound,
    CoProposer,
    Envelope,
    Pledge,
    RoundPosition,
    Support,
)
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain import lifecycle
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.validation import Checker
from cobudget.services import audit, envelope_inputs, releases
from cobudget.services.clock import now
from cobudget.services.envelopes import EnvelopeCalendar, calendar_of
from cobudget.services.notification_events import challenge_withdrawn
from cobudget.settings import Settings

MAX_REASON = 2000


class _Held(msgspec.Struct, frozen=True):
    network: int
    lieu: int
    current_version: int
    withdrawn_at: dt.datetime | None


class _EnvelopeDates(EnvelopeCalendar, frozen=True):
    id: int


class _Id(msgspec.Struct, frozen=True):
    id: int


class _Lieu(msgspec.Struct, frozen=True):
    lieu: int


async def _held(challenge_id: int, *, lock: bool) -> _Held:
    query = Challenge.select(
        Challenge.network, Challenge.lieu, Challenge.current_version, Challenge.withdrawn_at
    ).where(Challenge.id == challenge_id)
    row = await fetch_one((for_update(query) if lock else query).first(), _Held)
    if row is None:
        raise NotFound("challenge", challenge_id)
    return row


async def _refusal(challenge_id: int, held: _Held) -> str | None:
    """Why this challenge may not be withdrawn now, or None."""
    if held.withdrawn_at is not None:
        return "already_withdrawn"
    if not held.current_version:
        return "challenge_draft"
    if challenge_id in await envelope_inputs.funded_elsewhere(held.network, 0):
        return "challenge_funded"
    moment = now()
    for envelope in await _envelopes_holding_stakes(challenge_id):
        if lifecycle.current_phase(calendar_of(envelope), moment) is lifecycle.Phase.CLOSED:
            return "envelope_awaiting_settlement"
    return None


async def _envelopes_holding_stakes(challenge_id: int) -> list[_EnvelopeDates]:
    """The envelopes not settled that hold a pledge to the challenge, or a lieu's support of it
    (equal shares by approval or points: the support, not pledges, decides the money there), with
    their calendar."""
    return await fetch(
        Envelope.select(*(getattr(Envelope, name) for name in _EnvelopeDates.__struct_fields__))
        .where(
            Envelope.id.is_in(
                Pledge.select(Pledge.envelope)
                .where(Pledge.challenge == challenge_id)
                .where(Pledge.amount_cents > 0)
            )
            | Envelope.id.is_in(
                Support.select(Support.envelope)
                .where(Support.challenge == challenge_id)
                .where(Support.points > 0)
            )
        )
        .where(Envelope.settled_at.is_null()),
        _EnvelopeDates,
    )


async def withdraw(
    settings: Settings,
    actor: Actor,
    *,
    challenge_id: int,
    reason: str,
    confirmed: bool = True,
) -> int:
    """The proposing lieu withdraws the challenge with a reason (required, bounded). Unless
    `confirmed`, every rule is checked and `ConfirmationNeeded` raised before writing. Returns
    how many pledges were released."""
    known = await _held(challenge_id, lock=False)
    require(
        actor,
        Action.CHALLENGE_EDIT,
        Target(network_id=known.network, proposer_lieu_ids=frozenset({known.lieu})),
    )
    checker = Checker()
    reason = checker.text("withdrawal_reason", reason, max_length=MAX_REASON)
    checker.raise_if_any()
    refusal = await _refusal(challenge_id, known)
    if refusal is not None:
        raise InvalidInput({"withdrawal": refusal})
    if not confirmed:
        raise ConfirmationNeeded("challenge.withdraw")
    async with write_transaction():
        held = await _held(challenge_id, lock=True)  # pledges to it wait, or come after
        refusal = await _refusal(challenge_id, held)
        if refusal is not None:
            raise InvalidInput({"withdrawal": refusal})
        moment = now()
        await Challenge.update(
            {Challenge.withdrawn_at: moment, Challenge.withdrawal_reason: reason}
        ).where(Challenge.id == challenge_id)
        closed = await _close_open_rounds(actor, challenge_id, moment)
        released = await _release_pledges(actor, challenge_id, held.network, moment)
        await audit.record(
            actor,
            "challenge.withdraw",
            entity="challenge",
            entity_id=challenge_id,
            network_id=held.network,
            after={
                "reason": reason,
                "rounds_closed": closed,
                "pledges_released": [p.id for p in released],
            },
        )
        await challenge_withdrawn(
            settings,
            challenge_id=challenge_id,
            version=held.current_version,
            reason=reason,
            lieu_ids=[held.lieu, *await _concerned(challenge_id, released, closed)],
            org_ids=sorted({p.org for p in released if p.org is not None}),
            by=actor.user_id,
        )
    return len(released)


async def _close_open_rounds(actor: Actor, challenge_id: int, moment: dt.datetime) -> list[int]:
    """Close now the challenge's rounds still running: nobody speaks on a withdrawn challenge.
    A round past its deadline is already closed by its dates and is left as it is."""
    running = await fetch(
        ConsentRound.select(ConsentRound.id)
        .where(ConsentRound.challenge == challenge_id)
        .where(ConsentRound.closed_at.is_null())
        .where(ConsentRound.deadline > moment),
        _Id,
    )
    ids = [r.id for r in running]
    if ids:
        await ConsentRound.update(
            {ConsentRound.closed_at: moment, ConsentRound.closed_by: actor.user_id}
        ).where(ConsentRound.id.is_in(ids))
    return ids


async def _release_pledges(
    actor: Actor, challenge_id: int, network_id: int, moment: dt.datetime
) -> list[releases.HeldPledge]:
    """Release every pledge to the challenge in the envelopes not settled (`services.releases`:
    one update and one audit insert however many)."""
    held = await fetch(
        Pledge.select(*releases.HELD_COLUMNS)
        .where(Pledge.challenge == challenge_id)
        .where(Pledge.amount_cents > 0)
        .where(
            Pledge.envelope.is_in(Envelope.select(Envelope.id).where(Envelope.settled_at.is_null()))
        )
        .order_by(Pledge.id),
        releases.HeldPledge,
    )
    await releases.release(actor, held, network_id=network_id, moment=moment, funded_by=None)
    return held


async def _concerned(
    challenge_id: int, released: list[releases.HeldPledge], closed_rounds: list[int]
) -> list[int]:
    """The lieux told besides the proposing one: those whose pledges were released, those that
    said « nous aussi », the co-proposers, and those that took a position in a round the
    withdrawal closed (three queries)."""
    concerned = await fetch(
        ConcernedLieu.select(ConcernedLieu.lieu).where(ConcernedLieu.challenge == challenge_id),
        _Lieu,
    )
    co_proposers = await fetch(
        CoProposer.select(CoProposer.lieu).where(CoProposer.challenge == challenge_id), _Lieu
    )
    speakers = await fetch(
        RoundPosition.select(RoundPosition.lieu).where(
            RoundPosition.round.is_in(closed_rounds or [0])
        ),
        _Lieu,
    )
    return sorted(
        {r.lieu for r in (*concerned, *co_proposers, *speakers)}
        | {p.lieu for p in released if p.lieu is not None}
    )
