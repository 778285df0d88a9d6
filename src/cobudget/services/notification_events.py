"""Who is told of what in the diagnosis and the funding (issue 16, docs/notifications.md): one
function per event, called inside the transaction of the use case that causes it, and the
events of the calendar, which the outbox worker looks for (`notifications.sweep`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    ChallengeVersion,
    ConsentRound,
    Envelope,
    EnvelopeLieu,
    Lieu,
    Notification,
    Pledge,
    Support,
)
from cobudget.db.transactions import write_transaction
from cobudget.domain import consent
from cobudget.services.clock import now
from cobudget.services.notifications import (
    CLOSED_NOTICE_WITHIN,
    REMINDER_BEFORE,
    SWEEP_LIMIT,
    Kind,
    Recipient,
    cofunders_of,
    members_of,
    notify,
    people,
)
from cobudget.settings import Settings

# rounds tells through this module and the sweep reads rounds' facts: imported where used.
if TYPE_CHECKING:
    from cobudget.services.rounds import RoundFacts


class _Name(msgspec.Struct, frozen=True):
    name: str


class _Title(msgspec.Struct, frozen=True):
    title: str


class _Key(msgspec.Struct, frozen=True):
    key: str | None


class _RoundDue(msgspec.Struct, frozen=True):
    id: int
    deadline: dt.datetime


class _EnvelopeDue(msgspec.Struct, frozen=True):
    id: int
    title: str
    funding_until: dt.datetime


class _LieuIn(msgspec.Struct, frozen=True):
    envelope: int
    lieu: int | None


def challenge_path(challenge_id: int) -> str:
    return f"/defis/{challenge_id}#tour"


async def _lieu_name(lieu_id: int) -> str:
    row = await fetch_one(Lieu.select(Lieu.name).where(Lieu.id == lieu_id).first(), _Name)
    return row.name if row else ""


async def _title(challenge_id: int, number: int) -> str:
    """The title of a version of the challenge."""
    row = await fetch_one(
        ChallengeVersion.select(ChallengeVersion.title)
        .where(ChallengeVersion.challenge == challenge_id)
        .where(ChallengeVersion.number == number)
        .first(),
        _Title,
    )
    return row.title if row else ""


# --- told in the transaction of the action ----------------------------------------------------


async def question_asked(
    settings: Settings, known: RoundFacts, *, lieu_id: int, text: str, by: int | None
) -> None:
    """A lieu asks the proposers a question: the proposers' people are told."""
    await _tell_proposers(settings, Kind.QUESTION_ASKED, known, lieu_id=lieu_id, text=text, by=by)


async def objection_raised(
    settings: Settings, known: RoundFacts, *, lieu_id: int, text: str, by: int | None
) -> None:
    """A lieu objects: the proposers' people are told, with the reason."""
    await _tell_proposers(settings, Kind.OBJECTION_RAISED, known, lieu_id=lieu_id, text=text, by=by)


async def _tell_proposers(
    settings: Settings, kind: Kind, known: RoundFacts, *, lieu_id: int, text: str, by: int | None
) -> None:
    """What a lieu said in a round, to the people of the challenge's proposers (not to the
    person who said it)."""
    await notify(
        settings,
        kind,
        await members_of(known.round.proposer_lieu_ids),
        params={
            "title": await _title(known.challenge_id, known.round.version),
            "lieu": await _lieu_name(lieu_id),
            "text": text,
        },
        path=challenge_path(known.challenge_id),
        skip=[by] if by else [],
    )


async def question_answered(
    settings: Settings, known: RoundFacts, *, asking_lieu_id: int, question: str, answer: str
) -> None:
    """The proposers answer: the people of the lieu that asked are told."""
    await notify(
        settings,
        Kind.QUESTION_ANSWERED,
        await members_of([asking_lieu_id]),
        params={
            "title": await _title(known.challenge_id, known.round.version),
            "question": question,
            "answer": answer,
        },
        path=challenge_path(known.challenge_id),
    )


async def round_opened(
    settings: Settings,
    *,
    challenge_id: int,
    title: str,
    network: str,
    deadline: dt.datetime,
    member_lieu_ids: Iterable[int],
    skip: Iterable[int] = (),
) -> None:
    """A round opens (by a coordinator, or after an amendment): the people of every lieu of
    the network are told, but those in `skip` (the objectors, told by `objection_answered`)."""
    await notify(
        settings,
        Kind.ROUND_OPENED,
        await members_of(member_lieu_ids),
        params={"title": title, "network": network, "deadline": deadline.isoformat()},
        path=challenge_path(challenge_id),
        skip=skip,
    )


async def objection_answered(
    settings: Settings,
    *,
    challenge_id: int,
    user_id: int,
    title: str,
    version: int,
    answer: str,
) -> None:
    """A new version answers an objection: the person who objected is told (the new round is
    in the same message)."""
    await notify(
        settings,
        Kind.OBJECTION_ANSWERED,
        await people([user_id]),
        params={"title": title, "version": version, "answer": answer},
        path=challenge_path(challenge_id),
    )


async def round_closed(settings: Settings, known: RoundFacts, moment: dt.datetime) -> int:
    """A round is closed (by a coordinator, or at its deadline) with its outcome: the
    proposers' people and those of every lieu that took a position are told, once per closing
    (the key names the round and its deadline: a round extended and closed again is news)."""
    outcome = consent.round_outcome(known.round, known.positions, moment)
    standing = consent.standing_positions(known.round, known.positions)
    took_part = {position.lieu_id for position in known.positions}
    return await notify(
        settings,
        Kind.ROUND_CLOSED,
        await members_of(known.round.proposer_lieu_ids | took_part),
        params={
            "title": await _title(known.challenge_id, known.round.version),
            "outcome": outcome.value,
            "count": len(standing),
            "quorum": known.round.quorum,
        },
        path=challenge_path(known.challenge_id),
        key=f"round_closed:{known.round.id}:{known.round.deadline.isoformat()}",
    )


async def co_proposal_answered(
    settings: Settings,
    *,
    challenge_id: int,
    version: int,
    proposer_lieu_id: int,
    lieu_id: int,
    accepted: bool,
) -> None:
    """An invited lieu accepts or declines to co-propose: the proposing lieu's people are
    told."""
    await notify(
        settings,
        Kind.CO_PROPOSAL_ANSWERED,
        await members_of([proposer_lieu_id]),
        params={
            "title": await _title(challenge_id, version),
            "lieu": await _lieu_name(lieu_id),
            "accepted": accepted,
        },
        path=f"/defis/{challenge_id}",
    )


async def challenge_withdrawn(
    settings: Settings,
    *,
    challenge_id: int,
    version: int,
    reason: str,
    lieu_ids: Iterable[int],
    org_ids: Iterable[int],
    by: int | None,
) -> None:
    """Its proposers withdrew a challenge (issue 17): the people of the lieux concerned (its
    proposers, co-proposers, the lieux that said « nous aussi » or pledged to it) and of the
    co-funders that pledged to it are told, with the reason; not the person who withdrew it."""
    await notify(
        settings,
        Kind.CHALLENGE_WITHDRAWN,
        [*await members_of(lieu_ids), *await cofunders_of(org_ids)],
        params={"title": await _title(challenge_id, version), "reason": reason},
        path=f"/defis/{challenge_id}",
        skip=[by] if by else [],
    )


# --- told when the calendar says so (the outbox worker's sweep) -------------------------------


async def _already_told(keys: Iterable[str]) -> set[str]:
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    rows = await fetch(
        Notification.select(Notification.key).where(Notification.key.is_in(wanted)).distinct(),
        _Key,
    )
    return {row.key for row in rows if row.key}


async def _rounds_due(where: object, key_of: str) -> list[tuple[_RoundDue, str]]:
    rows = await fetch(
        ConsentRound.select(ConsentRound.id, ConsentRound.deadline)
        .where(where)  # type: ignore[arg-type]
        .order_by(ConsentRound.deadline)
        .limit(SWEEP_LIMIT),
        _RoundDue,
    )
    keyed = [(row, f"{key_of}:{row.id}:{row.deadline.isoformat()}") for row in rows]
    told = await _already_told(key for _row, key in keyed)
    return [(row, key) for row, key in keyed if key not in told]


async def remind_rounds(settings: Settings, moment: dt.datetime) -> int:
    """48 hours before a round's deadline, the people of the network's lieux that have not
    taken a position yet (the proposers take none) are reminded, once per deadline."""
    from cobudget.services import rounds

    due = await _rounds_due(
        ConsentRound.closed_at.is_null()
        & (ConsentRound.opened_at <= moment)
        & (ConsentRound.deadline > moment)
        & (ConsentRound.deadline <= moment + REMINDER_BEFORE),
        "round_reminder",
    )
    told = 0
    for row, key in due:
        known = await rounds.facts(row.id)
        spoke = set(consent.standing_positions(known.round, known.positions))
        waiting = known.round.member_lieu_ids - known.round.proposer_lieu_ids - spoke
        recipients = await members_of(waiting)
        async with write_transaction():
            told += await notify(
                settings,
                Kind.ROUND_REMINDER,
                recipients,
                params={
                    "title": await _title(known.challenge_id, known.round.version),
                    "deadline": row.deadline.isoformat(),
                },
                path=challenge_path(known.challenge_id),
                key=key,
            )
    return told


async def tell_rounds_closed_at_deadline(settings: Settings, moment: dt.datetime) -> int:
    """A round whose deadline passed closed by itself: its outcome is told as when a
    coordinator closes it, once, if noticed within `CLOSED_NOTICE_WITHIN`."""
    from cobudget.services import rounds

    due = await _rounds_due(
        ConsentRound.closed_at.is_null()
        & (ConsentRound.deadline <= moment)
        & (ConsentRound.deadline > moment - CLOSED_NOTICE_WITHIN),
        "round_closed",
    )
    told = 0
    for row, _key in due:
        known = await rounds.facts(row.id)
        async with write_transaction():
            told += await round_closed(settings, known, moment)
    return told


async def remind_funding(settings: Settings, moment: dt.datetime) -> int:
    """48 hours before a funding phase ends, the people of the envelope's lieux that have
    pledged (or supported) nothing yet are reminded, once per end date."""
    rows = await fetch(
        Envelope.select(Envelope.id, Envelope.title, Envelope.funding_until)
        .where(Envelope.opened_at.is_not_null())
        .where(Envelope.settled_at.is_null())
        .where(Envelope.funding_from <= moment)
        .where(Envelope.funding_until > moment)
        .where(Envelope.funding_until <= moment + REMINDER_BEFORE)
        .order_by(Envelope.funding_until)
        .limit(SWEEP_LIMIT),
        _EnvelopeDue,
    )
    keyed = [(row, f"funding_reminder:{row.id}:{row.funding_until.isoformat()}") for row in rows]
    told_keys = await _already_told(key for _row, key in keyed)
    due = [(row, key) for row, key in keyed if key not in told_keys]
    if not due:
        return 0
    ids = [row.id for row, _key in due]
    lieux = await fetch(
        EnvelopeLieu.select(EnvelopeLieu.envelope, EnvelopeLieu.lieu).where(
            EnvelopeLieu.envelope.is_in(ids)
        ),
        _LieuIn,
    )
    pledged = await fetch(
        Pledge.select(Pledge.envelope, Pledge.lieu)
        .where(Pledge.envelope.is_in(ids))
        .where(Pledge.amount_cents > 0),
        _LieuIn,
    )
    supported = await fetch(
        Support.select(Support.envelope, Support.lieu).where(Support.envelope.is_in(ids)), _LieuIn
    )
    acted = {(row.envelope, row.lieu) for row in (*pledged, *supported)}
    told = 0
    for row, key in due:
        waiting = {
            item.lieu
            for item in lieux
            if item.envelope == row.id and item.lieu and (row.id, item.lieu) not in acted
        }
        recipients: list[Recipient] = await members_of(waiting)
        async with write_transaction():
            told += await notify(
                settings,
                Kind.FUNDING_REMINDER,
                recipients,
                params={"title": row.title, "until": row.funding_until.isoformat()},
                path=f"/enveloppes/{row.id}",
                key=key,
            )
    return told


async def tell_closed_now(settings: Settings, round_id: int) -> None:
    """A coordinator closed the round: read it again, closed, and tell its outcome (inside the
    closing transaction)."""
    from cobudget.services import rounds

    await round_closed(settings, await rounds.facts(round_id), now())
