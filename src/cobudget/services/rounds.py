"""Consent rounds (SPEC §5): coordinators open, close and extend them; lieux other than the
proposers take a position, ask questions and comment; the proposers answer. Every decision is
the pure rules' (`domain.consent`); this module loads the facts, asks, and writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns.combination import Where

from cobudget.db.rows import fetch, fetch_one, typed_one
from cobudget.db.tables import (
    CofundingOrg,
    ConsentRound,
    Criterion,
    Membership,
    Network,
    ObjectionAnswer,
    RoundComment,
    RoundPosition,
    RoundQuestion,
)
from cobudget.db.transactions import write_transaction
from cobudget.domain import consent
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Decision, Target, require
from cobudget.domain.validation import Checker
from cobudget.services import audit, notification_events, notifications
from cobudget.services.challenges import (
    ChallengeRow,
    IdRow,
    NameRow,
    accepted_co_proposer_ids,
    challenge_row,
    inserted_id,
    load_version,
    network_lieu_ids,
    refuse_if_withdrawn,
)
from cobudget.services.clock import now
from cobudget.settings import Settings


@dataclass(frozen=True)
class RoundFacts:
    """A stored round as the pure rules see it, with its position history."""

    round: consent.Round
    positions: tuple[consent.Position, ...]
    challenge_id: int
    network_id: int


class StoredRound(msgspec.Struct, frozen=True):
    """What the pure rules read of a stored round (who proposes and who is a member come from
    elsewhere)."""

    id: int
    version: int
    opened_at: dt.datetime
    deadline: dt.datetime
    quorum: int
    closed_at: dt.datetime | None


class RoundRow(StoredRound, frozen=True):
    """A stored round with the facts of its challenge its rules need."""

    challenge: int
    network_id: int
    proposer_id: int  # the challenge's proposing lieu


ROUND_COLUMNS = (
    ConsentRound.id,
    ConsentRound.version,
    ConsentRound.opened_at,
    ConsentRound.deadline,
    ConsentRound.quorum,
    ConsentRound.closed_at,
    ConsentRound.challenge,
    ConsentRound.challenge.network.as_alias("network_id"),
    ConsentRound.challenge.lieu.as_alias("proposer_id"),
)


class PositionRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    lieu: int
    kind: str
    text: str
    criterion: int | None
    withdrawn: bool
    taken_at: dt.datetime


POSITION_COLUMNS = (
    RoundPosition.id,
    RoundPosition.round,
    RoundPosition.lieu,
    RoundPosition.kind,
    RoundPosition.text,
    RoundPosition.criterion,
    RoundPosition.withdrawn,
    RoundPosition.taken_at,
)


class _Email(msgspec.Struct, frozen=True):
    email: str | None


class _NetworkRow(msgspec.Struct, frozen=True):
    quorum: int
    name: str


class _TakenBy(msgspec.Struct, frozen=True):
    lieu: int
    user: int | None


class _QuestionRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    answer: str
    lieu: int
    text: str


class _CommentRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    text: str


class _ChallengeOf(msgspec.Struct, frozen=True):
    challenge: int


def _require(decision: Decision, action: str) -> None:
    if not decision.allowed:
        raise NotAllowed(action, decision.reason)


def pure_round(
    row: StoredRound | Mapping[str, Any], proposers: frozenset[int], members: frozenset[int]
) -> consent.Round:
    """A stored round as the pure consent rules read it. A row as Piccolo hands it (readers of
    envelopes still pass those) is checked as a `StoredRound` first."""
    stored = row if isinstance(row, StoredRound) else typed_one(row, StoredRound)
    assert stored is not None
    return consent.Round(
        id=stored.id,
        version=stored.version,
        opened_at=stored.opened_at,
        deadline=stored.deadline,
        quorum=stored.quorum,
        proposer_lieu_ids=proposers,
        member_lieu_ids=members,
        closed_at=stored.closed_at,
    )


def pure_position(row: PositionRow | Mapping[str, Any]) -> consent.Position:
    """A stored position entry as the pure consent rules read it; a row as Piccolo hands it is
    checked as a `PositionRow` first."""
    stored = row if isinstance(row, PositionRow) else typed_one(row, PositionRow)
    assert stored is not None
    return consent.Position(
        seq=stored.id,
        lieu_id=stored.lieu,
        kind=consent.PositionKind(stored.kind),
        taken_at=stored.taken_at,
        text=stored.text,
        criterion_id=stored.criterion,
        withdrawn=stored.withdrawn,
    )


def facts_of_rows(
    rounds: Sequence[RoundRow],
    positions: Iterable[PositionRow],
    *,
    proposers: frozenset[int],
    members: frozenset[int],
) -> list[RoundFacts]:
    """Rounds of one challenge and their position entries, read in a batch, as the pure rules
    see them; in the order of `rounds`."""
    by_round: dict[int, list[consent.Position]] = {row.id: [] for row in rounds}
    for position in positions:
        if position.round in by_round:
            by_round[position.round].append(pure_position(position))
    return [
        RoundFacts(
            round=pure_round(row, proposers, members),
            positions=tuple(by_round[row.id]),
            challenge_id=row.challenge,
            network_id=row.network_id,
        )
        for row in rounds
    ]


async def _facts_of(
    rounds: Sequence[RoundRow],
    positions_where: Where,
    proposers: frozenset[int] | None,
    members: frozenset[int] | None,
) -> list[RoundFacts]:
    """The rounds (all of one challenge) with their positions, and the proposers and the
    network's lieux unless the caller has them: three queries after the rounds at most,
    whatever the number of rounds and positions. The positions are read even when there is no
    round, so that a page's count of queries does not depend on it."""
    positions = await fetch(
        RoundPosition.select(*POSITION_COLUMNS).where(positions_where), PositionRow
    )
    if not rounds:
        return []
    first = rounds[0]
    if proposers is None:
        proposers = frozenset({first.proposer_id}) | await accepted_co_proposer_ids(first.challenge)
    if members is None:
        members = await network_lieu_ids(first.network_id)
    return facts_of_rows(rounds, positions, proposers=proposers, members=members)


async def facts_of_challenge(
    challenge_id: int,
    *,
    proposers: frozenset[int] | None = None,
    members: frozenset[int] | None = None,
) -> list[RoundFacts]:
    """Every round of the challenge, newest first, with its positions. A page that has already
    read the proposers and the network's lieux passes them in."""
    rounds = await fetch(
        ConsentRound.select(*ROUND_COLUMNS)
        .where(ConsentRound.challenge == challenge_id)
        .order_by(ConsentRound.id, ascending=False),
        RoundRow,
    )
    return await _facts_of(
        rounds, RoundPosition.round.challenge == challenge_id, proposers, members
    )


async def facts(round_id: int) -> RoundFacts:
    """One round, read afresh (the write use cases read it again inside their transaction)."""
    rounds = await fetch(
        ConsentRound.select(*ROUND_COLUMNS).where(ConsentRound.id == round_id), RoundRow
    )
    if not rounds:
        raise NotFound("round", round_id)
    return (await _facts_of(rounds, RoundPosition.round == round_id, None, None))[0]


async def latest_round(challenge_id: int) -> RoundFacts | None:
    rounds = await fetch(
        ConsentRound.select(*ROUND_COLUMNS)
        .where(ConsentRound.challenge == challenge_id)
        .order_by(ConsentRound.id, ascending=False)
        .limit(1),
        RoundRow,
    )
    if not rounds:
        return None
    return (await _facts_of(rounds, RoundPosition.round == rounds[0].id, None, None))[0]


async def _challenge(challenge_id: int) -> ChallengeRow:
    challenge = await challenge_row(challenge_id)
    if not challenge.current_version:
        raise NotFound("challenge", challenge_id)
    return challenge


async def emails_of_lieux(lieu_ids: Iterable[int]) -> list[str]:
    """The addresses of the people of these lieux, each once, sorted."""
    wanted = sorted(set(lieu_ids))
    if not wanted:
        return []
    rows = await fetch(
        Membership.select(Membership.user.email.as_alias("email")).where(
            Membership.lieu.is_in(wanted)
        ),
        _Email,
    )
    return sorted({row.email for row in rows if row.email is not None})


async def open_round(
    settings: Settings, actor: Actor, *, challenge_id: int, deadline: dt.datetime
) -> int:
    """A coordinator opens a round on the current version, with the network's quorum; the
    people of the network's lieux are told by email."""
    challenge = await _challenge(challenge_id)
    network_id = challenge.network
    require(actor, Action.ROUND_MANAGE, Target(network_id=network_id))
    network = await fetch_one(
        Network.select(Network.quorum, Network.name).where(Network.id == network_id).first(),
        _NetworkRow,
    )
    assert network is not None
    moment = now()
    members = await network_lieu_ids(network_id)
    proposers = frozenset({challenge.lieu}) | await accepted_co_proposer_ids(challenge_id)
    current = challenge.current_version
    new = consent.Round(
        id=0,
        version=current,
        opened_at=moment,
        deadline=deadline,
        quorum=network.quorum,
        proposer_lieu_ids=proposers,
        member_lieu_ids=members,
    )
    async with write_transaction():
        await refuse_if_withdrawn(challenge_id, Action.ROUND_MANAGE.value)
        latest = await latest_round(challenge_id)
        decision = consent.can_open_round(
            new,
            current_version=current,
            latest=latest.round if latest else None,
            latest_positions=latest.positions if latest else (),
            now=moment,
        )
        if decision.reason in ("opening_in_past", "deadline_before_opening"):
            raise InvalidInput({"deadline": "deadline_in_past"})
        too_far = consent.deadline_error(deadline, opened_at=moment, now=moment)
        if too_far is not None:
            raise InvalidInput({"deadline": too_far})
        _require(decision, Action.ROUND_MANAGE.value)
        rows = await ConsentRound.insert(
            ConsentRound(
                challenge=challenge_id,
                version=current,
                opened_at=moment,
                deadline=deadline,
                quorum=new.quorum,
                opened_by=actor.user_id,
            )
        ).returning(ConsentRound.id)
        round_id = inserted_id(rows)
        version = await load_version(challenge_id, current)
        await notification_events.round_opened(
            settings,
            challenge_id=challenge_id,
            title=version.title,
            network=network.name,
            deadline=deadline,
            member_lieu_ids=members,
        )
        await audit.record(
            actor,
            "round.open",
            entity="round",
            entity_id=round_id,
            network_id=network_id,
            after={
                "challenge_id": challenge_id,
                "version": current,
                "deadline": deadline.isoformat(),
                "quorum": new.quorum,
            },
        )
    return round_id


async def close_round(
    settings: Settings, actor: Actor, *, round_id: int, confirmed: bool = True
) -> None:
    """A coordinator closes the round now; its outcome is told to the proposers and to the
    lieux that took part (once: a round already told closed at its deadline is not told
    again). Unless `confirmed`, everything is checked and `ConfirmationNeeded` raised instead
    of writing (issue 16)."""
    known = await facts(round_id)
    require(actor, Action.ROUND_MANAGE, Target(network_id=known.network_id))
    moment = now()
    closed = consent.close_round(known.round, moment)
    if not confirmed:
        raise ConfirmationNeeded("round.close")
    async with write_transaction():
        await (
            ConsentRound.update(
                {ConsentRound.closed_at: closed.closed_at, ConsentRound.closed_by: actor.user_id}
            )
            .where(ConsentRound.id == round_id)
            .where(ConsentRound.closed_at.is_null())
        )
        await notification_events.tell_closed_now(settings, round_id)
        await audit.record(
            actor,
            "round.close",
            entity="round",
            entity_id=round_id,
            network_id=known.network_id,
            after={"outcome": consent.round_outcome(closed, known.positions, moment)},
        )


async def extend_round(
    settings: Settings, actor: Actor, *, round_id: int, deadline: dt.datetime
) -> None:
    """A coordinator moves the deadline of the challenge's latest round: later (SPEC §5, after
    no quorum too) or, while it is open, earlier with at least a day's notice, the people of
    the network's lieux told by email in the same transaction (issue 16). A date the rules
    refuse comes back on the form (`round_deadline`), never as a refusal page."""
    known = await facts(round_id)
    require(actor, Action.ROUND_MANAGE, Target(network_id=known.network_id))
    challenge = await _challenge(known.challenge_id)
    async with write_transaction():
        await refuse_if_withdrawn(known.challenge_id, Action.ROUND_MANAGE.value)
        current = await facts(round_id)  # again inside the transaction: it may have moved
        moment = now()
        decision = consent.can_extend_round(
            current.round,
            current.positions,
            new_deadline=deadline,
            current_version=challenge.current_version,
            now=moment,
        )
        if decision.reason in consent.DEADLINE_FIELD_REASONS:
            raise InvalidInput({"round_deadline": decision.reason})
        if decision.reason in ("round_decided", "not_current_version"):
            raise InvalidInput({"round_deadline": "round_no_longer_movable"})
        _require(decision, Action.ROUND_MANAGE.value)
        shortened = consent.is_shortening(current.round, deadline, moment)
        await ConsentRound.update(
            {ConsentRound.deadline: deadline, ConsentRound.closed_at: None}
        ).where(ConsentRound.id == round_id)
        if shortened:
            await _tell_deadline_shortened(settings, current, deadline)
        await audit.record(
            actor,
            "round.shorten" if shortened else "round.extend",
            entity="round",
            entity_id=round_id,
            network_id=known.network_id,
            before={"deadline": current.round.closes_at.isoformat()},
            after={"deadline": deadline.isoformat()},
        )


async def _tell_deadline_shortened(
    settings: Settings, known: RoundFacts, deadline: dt.datetime
) -> None:
    """The people of the network's lieux, proposers included, learn the earlier deadline: a
    notification of its own kind (listed on their home, emailed in their language at once or
    in their digest as they chose, with its unsubscribe link), once per new deadline."""
    version = await load_version(known.challenge_id, known.round.version)
    network = await fetch_one(
        Network.select(Network.quorum, Network.name).where(Network.id == known.network_id).first(),
        _NetworkRow,
    )
    assert network is not None
    await notifications.notify(
        settings,
        notifications.Kind.ROUND_SHORTENED,
        await notifications.members_of(known.round.member_lieu_ids),
        params={
            "title": version.title,
            "network": network.name,
            "deadline": deadline.isoformat(),
            "previous": known.round.closes_at.isoformat(),
        },
        path=notification_events.challenge_path(known.challenge_id),
        key=f"round_shortened:{known.round.id}:{deadline.isoformat()}",
    )


async def _speaking_lieu(actor: Actor, known: RoundFacts, lieu_id: int) -> None:
    require(
        actor,
        Action.ROUND_SPEAK,
        Target(
            network_id=known.network_id,
            lieu_id=lieu_id,
            lieu_network_ids=frozenset({known.network_id})
            if lieu_id in known.round.member_lieu_ids
            else frozenset(),
        ),
    )


async def _criteria_ids(network_id: int) -> frozenset[int]:
    rows = await fetch(Criterion.select(Criterion.id).where(Criterion.network == network_id), IdRow)
    return frozenset(row.id for row in rows)


def _next_number(known: RoundFacts, lieu_id: int) -> int:
    """The number of the lieu's next entry in the round. Two requests that read the same history
    at once give the same number, and the unique index stores one of them: the other is refused
    (`Duplicate`, 409) instead of a second position standing beside it."""
    return 1 + sum(1 for position in known.positions if position.lieu_id == lieu_id)


async def take_position(
    settings: Settings,
    actor: Actor,
    *,
    round_id: int,
    lieu_id: int,
    kind: str,
    text: str,
    criterion_id: int | None,
) -> None:
    """The lieu's position: consent, concern (with a text) or objection (with a reason); the
    proposers are told of an objection. The form shows the lieu's criterion selected when it
    changes its position (issue 16), so a lieu turning an objection into a consent sends it
    along: a consent has none, it is dropped rather than refused."""
    if kind == consent.PositionKind.CONSENT.value:
        criterion_id = None
    known = await facts(round_id)
    await _speaking_lieu(actor, known, lieu_id)
    errors = consent.validate_position(
        kind, text, criterion_id, await _criteria_ids(known.network_id)
    )
    if errors:
        raise InvalidInput({f"position.{name}": code for name, code in errors.items()})
    async with write_transaction():
        await refuse_if_withdrawn(known.challenge_id, Action.ROUND_SPEAK.value)
        current = await facts(round_id)  # again inside the transaction: the round may close
        moment = now()
        _require(
            consent.may_take_position(current.round, lieu_id, moment), Action.ROUND_SPEAK.value
        )
        await RoundPosition.insert(
            RoundPosition(
                round=round_id,
                lieu=lieu_id,
                number=_next_number(current, lieu_id),
                kind=kind,
                text=(text or "").strip(),
                criterion=criterion_id,
                taken_by=actor.user_id,
                taken_at=moment,
            )
        )
        if kind == consent.PositionKind.OBJECTION.value:
            await notification_events.objection_raised(
                settings, current, lieu_id=lieu_id, text=(text or "").strip(), by=actor.user_id
            )
        await audit.record(
            actor,
            "position.take",
            entity="round",
            entity_id=round_id,
            network_id=known.network_id,
            after={"lieu_id": lieu_id, "kind": kind, "criterion_id": criterion_id},
        )


async def withdraw_position(actor: Actor, *, round_id: int, lieu_id: int) -> None:
    known = await facts(round_id)
    await _speaking_lieu(actor, known, lieu_id)
    async with write_transaction():
        current = await facts(round_id)
        moment = now()
        _require(
            consent.may_withdraw_position(current.round, current.positions, lieu_id, moment),
            Action.ROUND_SPEAK.value,
        )
        standing = consent.standing_positions(current.round, current.positions)[lieu_id]
        await RoundPosition.insert(
            RoundPosition(
                round=round_id,
                lieu=lieu_id,
                number=_next_number(current, lieu_id),
                kind=standing.kind.value,
                withdrawn=True,
                taken_by=actor.user_id,
                taken_at=moment,
            )
        )
        await audit.record(
            actor,
            "position.withdraw",
            entity="round",
            entity_id=round_id,
            network_id=known.network_id,
            before={"kind": standing.kind.value},
            after={"lieu_id": lieu_id},
        )


async def ask_question(
    settings: Settings, actor: Actor, *, round_id: int, lieu_id: int, text: str
) -> None:
    """A lieu asks the proposers a question; they are told."""
    known = await facts(round_id)
    await _speaking_lieu(actor, known, lieu_id)
    errors = consent.validate_question(text)
    if errors:
        raise InvalidInput({"question.text": errors["text"]})
    async with write_transaction():
        await refuse_if_withdrawn(known.challenge_id, Action.ROUND_SPEAK.value)
        current = await facts(round_id)
        moment = now()
        _require(consent.may_ask_question(current.round, lieu_id, moment), Action.ROUND_SPEAK.value)
        await RoundQuestion.insert(
            RoundQuestion(
                round=round_id,
                lieu=lieu_id,
                asked_by=actor.user_id,
                text=text.strip(),
                asked_at=moment,
            )
        )
        await notification_events.question_asked(
            settings, current, lieu_id=lieu_id, text=text.strip(), by=actor.user_id
        )
        await audit.record(
            actor,
            "question.ask",
            entity="round",
            entity_id=round_id,
            network_id=known.network_id,
            after={"lieu_id": lieu_id},
        )


async def answer_question(settings: Settings, actor: Actor, *, question_id: int, text: str) -> None:
    """The proposers answer a question; the lieu that asked is told."""
    question = await fetch_one(
        RoundQuestion.select(
            RoundQuestion.id,
            RoundQuestion.round,
            RoundQuestion.answer,
            RoundQuestion.lieu,
            RoundQuestion.text,
        )
        .where(RoundQuestion.id == question_id)
        .first(),
        _QuestionRow,
    )
    if question is None:
        raise NotFound("question", question_id)
    known = await facts(question.round)
    require(
        actor,
        Action.QUESTION_ANSWER,
        Target(network_id=known.network_id, proposer_lieu_ids=known.round.proposer_lieu_ids),
    )
    errors = consent.validate_answer(text)
    if errors:
        raise InvalidInput({f"answer.{question_id}": errors["text"]})
    lieu_id = min(actor.member_of & known.round.proposer_lieu_ids)
    _require(consent.may_answer_question(known.round, lieu_id), Action.QUESTION_ANSWER.value)
    async with write_transaction():
        await RoundQuestion.update(
            {
                RoundQuestion.answer: text.strip(),
                RoundQuestion.answered_by: actor.user_id,
                RoundQuestion.answered_at: now(),
            }
        ).where(RoundQuestion.id == question_id)
        await notification_events.question_answered(
            settings,
            known,
            asking_lieu_id=question.lieu,
            question=question.text,
            answer=text.strip(),
        )
        await audit.record(
            actor,
            "question.answer",
            entity="round",
            entity_id=known.round.id,
            network_id=known.network_id,
            before={"answer": question.answer},
            after={"answer": text.strip()},
        )


async def comment(
    actor: Actor, *, round_id: int, lieu_id: int | None, criterion_id: int | None, text: str
) -> None:
    """A member reacts for their lieu (`lieu_id`), or a co-funder for its organisation
    (`lieu_id` None); nobody speaks in the name of a lieu they do not belong to."""
    known = await facts(round_id)
    if lieu_id is not None:
        await _speaking_lieu(actor, known, lieu_id)
    else:
        orgs = await fetch(
            CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.network == known.network_id),
            IdRow,
        )
        require(
            actor,
            Action.COMMENT,
            Target(network_id=known.network_id, network_org_ids=frozenset(row.id for row in orgs)),
        )
    checker = Checker()
    text = checker.text("comment.text", text, max_length=5000)
    if criterion_id is not None and criterion_id not in await _criteria_ids(known.network_id):
        checker.fail("comment.criterion_id", "unknown_criterion")
    checker.raise_if_any()
    if not known.round.is_open(now()):
        raise NotAllowed(Action.COMMENT.value, "round_closed")
    async with write_transaction():
        rows = await RoundComment.insert(
            RoundComment(
                round=round_id,
                author=actor.user_id,
                lieu=lieu_id,
                criterion=criterion_id,
                text=text,
                created_at=now(),
            )
        ).returning(RoundComment.id)
        await audit.record(
            actor,
            "comment.add",
            entity="comment",
            entity_id=inserted_id(rows),
            network_id=known.network_id,
            after={"text": text},
        )


async def hide_comment(
    actor: Actor, *, comment_id: int, reason: str, confirmed: bool = True
) -> None:
    """A coordinator hides an abusive comment; its text and the reason stay in the audit log.
    Unless `confirmed`, the checks run and `ConfirmationNeeded` is raised instead."""
    row = await fetch_one(
        RoundComment.select(RoundComment.id, RoundComment.round, RoundComment.text)
        .where(RoundComment.id == comment_id)
        .first(),
        _CommentRow,
    )
    if row is None:
        raise NotFound("comment", comment_id)
    known = await facts(row.round)
    require(actor, Action.COMMENT_HIDE, Target(network_id=known.network_id))
    checker = Checker()
    reason = checker.text("reason", reason, max_length=1000)
    checker.raise_if_any()
    if not confirmed:
        raise ConfirmationNeeded("comment.hide")
    async with write_transaction():
        await RoundComment.update(
            {RoundComment.hidden_at: now(), RoundComment.hidden_reason: reason}
        ).where(RoundComment.id == comment_id)
        await audit.record(
            actor,
            "comment.hide",
            entity="comment",
            entity_id=comment_id,
            network_id=known.network_id,
            before={"text": row.text},
            after={"reason": reason},
        )


async def configure_diagnosis(actor: Actor, *, network_id: int, criteria: str, quorum: str) -> None:
    """A coordinator sets the network's criteria (one per line) and its quorum."""
    require(actor, Action.NETWORK_CONFIGURE, Target(network_id=network_id))
    checker = Checker()
    names = [" ".join(line.split()) for line in (criteria or "").splitlines() if line.strip()]
    if len(names) > 20:
        checker.fail("criteria", "too_many_criteria")
    if any(len(name) > 120 for name in names) or len(set(names)) != len(names):
        checker.fail("criteria", "invalid_criteria")
    quorum_value = checker.positive_int("quorum", quorum, maximum=100)
    checker.raise_if_any()
    async with write_transaction():
        before = [
            row.name
            for row in await fetch(
                Criterion.select(Criterion.name)
                .where(Criterion.network == network_id)
                .order_by(Criterion.position),
                NameRow,
            )
        ]
        kept = set(names)
        await (
            Criterion.delete()
            .where(Criterion.network == network_id)
            .where(Criterion.name.not_in(list(kept) or [""]))
        )
        for position, name in enumerate(names):
            updated = (
                await Criterion.update({Criterion.position: position})
                .where(Criterion.network == network_id)
                .where(Criterion.name == name)
                .returning(Criterion.id)
            )
            if not updated:
                await Criterion.insert(Criterion(network=network_id, name=name, position=position))
        await Network.update({Network.quorum: quorum_value}).where(Network.id == network_id)
        await audit.record(
            actor,
            "network.configure",
            entity="network",
            entity_id=network_id,
            network_id=network_id,
            before={"criteria": before},
            after={"criteria": names, "quorum": quorum_value},
        )


async def record_amendment(
    settings: Settings,
    actor: Actor,
    *,
    challenge_id: int,
    new_version: int,
    latest: RoundFacts | None,
    answers: dict[int, str],
) -> None:
    """After a new version is published (inside its transaction): store how it answers each
    standing objection, tell the objectors, and, after "to amend", open the new round with the
    same length as the last one (issue 5: the new version opens a new round)."""
    if latest is None:
        return
    moment = now()
    outcome = consent.round_outcome(latest.round, latest.positions, moment)
    if outcome is not consent.Outcome.TO_AMEND:
        return
    version = await load_version(challenge_id, new_version)
    told: set[int] = set()  # the objectors, told of the new round with their answer
    objections = consent.standing_objections(latest.round, latest.positions, moment)
    texts = {o.lieu_id: answers[o.lieu_id].strip() for o in objections}
    if objections:
        await ObjectionAnswer.insert(
            *(
                ObjectionAnswer(
                    round=latest.round.id,
                    lieu=o.lieu_id,
                    version=new_version,
                    text=texts[o.lieu_id],
                    answered_by=actor.user_id,
                    answered_at=moment,
                )
                for o in objections
            )
        )
    # Who took each objection, in one read (not one per objection).
    objectors = await fetch(
        RoundPosition.select(RoundPosition.lieu, RoundPosition.taken_by.as_alias("user")).where(
            RoundPosition.id.is_in([o.seq for o in objections] or [0])
        ),
        _TakenBy,
    )
    for row in objectors:
        if row.user:
            told.add(row.user)
            await notification_events.objection_answered(
                settings,
                challenge_id=challenge_id,
                user_id=row.user,
                title=version.title,
                version=new_version,
                answer=texts[row.lieu],
            )
    network = await fetch_one(
        Network.select(Network.quorum, Network.name).where(Network.id == latest.network_id).first(),
        _NetworkRow,
    )
    new = consent.Round(
        id=0,
        version=new_version,
        opened_at=moment,
        # as long as the last one, within the window (a round stored before it had none)
        deadline=moment
        + min(latest.round.deadline - latest.round.opened_at, consent.MAX_ROUND_LENGTH),
        quorum=network.quorum if network else latest.round.quorum,
        proposer_lieu_ids=latest.round.proposer_lieu_ids,
        member_lieu_ids=latest.round.member_lieu_ids,
    )
    decision = consent.can_open_round(
        new,
        current_version=new_version,
        latest=latest.round,
        latest_positions=latest.positions,
        now=moment,
    )
    if decision.allowed:
        await ConsentRound.insert(
            ConsentRound(
                challenge=challenge_id,
                version=new_version,
                opened_at=moment,
                deadline=new.deadline,
                quorum=new.quorum,
                opened_by=actor.user_id,
            )
        )
        await notification_events.round_opened(
            settings,
            challenge_id=challenge_id,
            title=version.title,
            network=network.name if network else "",
            deadline=new.deadline,
            member_lieu_ids=latest.round.member_lieu_ids,
            skip=told,
        )


async def challenge_of_round(round_id: int) -> int:
    """The challenge a round is on (where a form about it sends the reader back)."""
    row = await fetch_one(
        ConsentRound.select(ConsentRound.challenge).where(ConsentRound.id == round_id).first(),
        _ChallengeOf,
    )
    if row is None:
        raise NotFound("round", round_id)
    return row.challenge


async def challenge_of_question(question_id: int) -> int:
    row = await fetch_one(
        RoundQuestion.select(RoundQuestion.round.challenge.as_alias("challenge"))
        .where(RoundQuestion.id == question_id)
        .first(),
        _ChallengeOf,
    )
    if row is None:
        raise NotFound("question", question_id)
    return row.challenge


async def challenge_of_comment(comment_id: int) -> int:
    row = await fetch_one(
        RoundComment.select(RoundComment.round.challenge.as_alias("challenge"))
        .where(RoundComment.id == comment_id)
        .first(),
        _ChallengeOf,
    )
    if row is None:
        raise NotFound("comment", comment_id)
    return row.challenge
