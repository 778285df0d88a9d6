"""Reads behind the diagnosis part of a challenge page: its consent rounds, the standing
position of each lieu with its reason, questions and answers, comments, and what the reader
may do there.

In a fixed number of queries whatever the number of rounds, positions, questions and comments:
the criteria, the rounds, their positions, their questions, their comments (with authors and
lieux), the objection answers, and the reader's co-funding organisations if they have any. The
challenge page has already read the proposers and the network's lieux (with their names)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import (
    CofundingOrg,
    Criterion,
    ObjectionAnswer,
    RoundComment,
    RoundQuestion,
)
from cobudget.domain import consent
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.services.clock import now
from cobudget.services.kept_reads import kept
from cobudget.services.queries.challenges import ChallengePage
from cobudget.services.queries.person_names import shown_name
from cobudget.services.rounds import RoundFacts, facts_of_challenge


class CriterionView(msgspec.Struct, frozen=True):
    id: int
    name: str


class PositionView(msgspec.Struct, frozen=True):
    lieu_id: int
    lieu_name: str
    kind: str
    text: str
    criterion: str | None
    taken_at: dt.datetime
    answer: str | None  # how a later version answers this objection
    criterion_id: int | None = None  # preselected when the lieu changes its position


class QuestionView(msgspec.Struct, frozen=True):
    id: int
    lieu_name: str
    text: str
    answer: str


class CommentView(msgspec.Struct, frozen=True):
    id: int
    author: str  # « ancien membre » for a deleted account (queries/person_names.py)
    lieu_name: str | None
    criterion: str | None
    text: str | None  # None once hidden
    hidden_reason: str
    former_member: bool = False


class RoundView(msgspec.Struct, frozen=True):
    id: int
    version: int
    opened_at: dt.datetime
    deadline: dt.datetime
    quorum: int
    outcome: str
    is_open: bool
    positions: list[PositionView]  # those standing: their number is what the quorum counts
    questions: list[QuestionView]
    comments: list[CommentView]
    # Closed with fewer standing positions than the quorum: said whatever the outcome, since
    # an objection decides "to amend" even when too few lieux spoke (issue 16).
    quorum_missed: bool = False
    # The lieux whose position counts (the network's members that do not propose it): those
    # that have not answered are the difference with `positions` (issue 18's chart).
    eligible: int = 0


class SpeakingLieu(msgspec.Struct, frozen=True):
    id: int
    name: str
    position: PositionView | None


class DiagnosisPanel(msgspec.Struct, frozen=True):
    rounds: list[RoundView]  # newest first
    criteria: list[CriterionView]
    speaking_lieux: list[SpeakingLieu]  # the reader's lieux that may take a position now
    comment_as: list[tuple[str, str]]  # (value, label): "lieu:3" or "org:2"
    # The reader's co-funding organisations in the network, by name: the discussion, on the
    # same page, needs them too and is handed them rather than reading them again.
    my_orgs: list[tuple[int, str]]
    can_manage: bool
    can_answer: bool
    objections_to_answer: list[PositionView]


class _QuestionRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    lieu_name: str | None
    text: str
    answer: str


class _CommentRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    author_name: str | None
    author_deleted_at: dt.datetime | None
    lieu: int | None
    lieu_name: str | None
    criterion: int | None
    text: str
    hidden_at: dt.datetime | None
    hidden_reason: str


class _AnswerRow(msgspec.Struct, frozen=True):
    round: int
    lieu: int
    text: str


class _Named(msgspec.Struct, frozen=True):
    id: int
    name: str


class _OfRound(Protocol):
    @property
    def round(self) -> int: ...


OfRoundT = TypeVar("OfRoundT", bound=_OfRound)


def _by_round(rows: list[OfRoundT]) -> dict[int, list[OfRoundT]]:
    grouped: dict[int, list[OfRoundT]] = {}
    for row in rows:
        grouped.setdefault(row.round, []).append(row)
    return grouped


async def _questions(challenge_id: int) -> list[_QuestionRow]:
    """The questions of every round of the challenge, in the order they were asked."""
    return await fetch(
        RoundQuestion.select(
            RoundQuestion.id,
            RoundQuestion.round,
            RoundQuestion.lieu.name.as_alias("lieu_name"),
            RoundQuestion.text,
            RoundQuestion.answer,
        )
        .where(RoundQuestion.round.challenge == challenge_id)
        .order_by(RoundQuestion.id),
        _QuestionRow,
    )


async def _comments(challenge_id: int) -> list[_CommentRow]:
    """The comments of every round of the challenge, with their authors and lieux."""
    return await fetch(
        RoundComment.select(
            RoundComment.id,
            RoundComment.round,
            RoundComment.author.name.as_alias("author_name"),
            RoundComment.author.deleted_at.as_alias("author_deleted_at"),
            RoundComment.lieu,
            RoundComment.lieu.name.as_alias("lieu_name"),
            RoundComment.criterion,
            RoundComment.text,
            RoundComment.hidden_at,
            RoundComment.hidden_reason,
        )
        .where(RoundComment.round.challenge == challenge_id)
        .order_by(RoundComment.id),
        _CommentRow,
    )


async def _answers(challenge_id: int) -> list[_AnswerRow]:
    """How later versions answered the objections of each round (the latest answer counts)."""
    return await fetch(
        ObjectionAnswer.select(ObjectionAnswer.round, ObjectionAnswer.lieu, ObjectionAnswer.text)
        .where(ObjectionAnswer.round.challenge == challenge_id)
        .order_by(ObjectionAnswer.id),
        _AnswerRow,
    )


def _round_view(
    known: RoundFacts,
    *,
    lieux: dict[int, str],
    criteria: dict[int, str],
    questions: list[_QuestionRow],
    comments: list[_CommentRow],
    answers: dict[int, str],
    moment: dt.datetime,
) -> RoundView:
    standing = consent.standing_positions(known.round, known.positions)
    count = consent.quorum_count(known.round, known.positions, moment)
    return RoundView(
        id=known.round.id,
        version=known.round.version,
        opened_at=known.round.opened_at,
        deadline=known.round.deadline,
        quorum=known.round.quorum,
        outcome=consent.round_outcome(known.round, known.positions, moment).value,
        is_open=known.round.is_open(moment),
        positions=[
            PositionView(
                lieu_id=p.lieu_id,
                lieu_name=lieux.get(p.lieu_id, ""),
                kind=p.kind.value,
                text=p.text,
                criterion=criteria.get(p.criterion_id) if p.criterion_id else None,
                taken_at=p.taken_at,
                answer=answers.get(p.lieu_id),
                criterion_id=p.criterion_id,
            )
            for p in sorted(standing.values(), key=lambda p: lieux.get(p.lieu_id, ""))
        ],
        questions=[
            QuestionView(id=q.id, lieu_name=q.lieu_name or "", text=q.text, answer=q.answer)
            for q in questions
        ],
        comments=[
            CommentView(
                id=c.id,
                author=shown_name(c.author_name, c.author_deleted_at),
                lieu_name=(c.lieu_name or "") if c.lieu else None,
                criterion=criteria.get(c.criterion) if c.criterion else None,
                text=None if c.hidden_at else c.text,
                hidden_reason=c.hidden_reason,
                former_member=c.author_deleted_at is not None,
            )
            for c in comments
        ],
        quorum_missed=count is not None and count.missed,
        eligible=len(known.round.eligible_lieu_ids),
    )


class _Rounds(msgspec.Struct, frozen=True):
    """A challenge's rounds as every reader sees them (kept: `services/kept_reads.py`)."""

    criteria: tuple[tuple[int, str], ...]
    rounds: tuple[RoundView, ...]


async def _rounds(challenge: ChallengePage) -> _Rounds:
    moment = now()
    criteria = {
        row.id: row.name
        for row in await fetch(
            Criterion.select(Criterion.id, Criterion.name)
            .where(Criterion.network == challenge.network.id)
            .order_by(Criterion.position),
            _Named,
        )
    }
    known_rounds = await facts_of_challenge(
        challenge.id, proposers=challenge.proposer_ids, members=challenge.network_lieu_ids
    )
    questions = _by_round(await _questions(challenge.id))
    comments = _by_round(await _comments(challenge.id))
    answers: dict[int, dict[int, str]] = {}
    for answer in await _answers(challenge.id):
        answers.setdefault(answer.round, {})[answer.lieu] = answer.text
    lieux = {lieu.id: lieu.name for lieu in challenge.network_lieux}
    rounds = tuple(
        _round_view(
            known,
            lieux=lieux,
            criteria=criteria,
            questions=questions.get(known.round.id, []),
            comments=comments.get(known.round.id, []),
            answers=answers.get(known.round.id, {}),
            moment=moment,
        )
        for known in known_rounds
    )
    return _Rounds(criteria=tuple(criteria.items()), rounds=rounds)


async def diagnosis_panel(actor: Actor, challenge: ChallengePage) -> DiagnosisPanel:
    """The rounds (the same for every reader, kept), with what the reader may do in them."""
    challenge_id = challenge.id
    network_id = challenge.network.id
    proposer_ids = challenge.proposer_ids
    shared = await kept(("diagnosis", challenge_id), lambda: _rounds(challenge))
    criteria = dict(shared.criteria)
    rounds = list(shared.rounds)
    lieux = {lieu.id: lieu.name for lieu in challenge.network_lieux}
    latest = rounds[0] if rounds else None
    my_lieux = {i: name for i, name in lieux.items() if i in actor.member_of}
    mine_by_name = sorted(my_lieux, key=lambda i: my_lieux[i])
    speaking: list[SpeakingLieu] = []
    if latest is not None and latest.is_open:
        for lieu_id in mine_by_name:
            if lieu_id in proposer_ids:
                continue
            mine = next((p for p in latest.positions if p.lieu_id == lieu_id), None)
            speaking.append(SpeakingLieu(id=lieu_id, name=my_lieux[lieu_id], position=mine))
    comment_as = [(f"lieu:{i}", my_lieux[i]) for i in mine_by_name]
    orgs: list[_Named] = []
    if actor.cofunder_of:  # the reader's organisations in this network
        orgs = await fetch(
            CofundingOrg.select(CofundingOrg.id, CofundingOrg.name)
            .where(CofundingOrg.network == network_id)
            .where(CofundingOrg.id.is_in(sorted(actor.cofunder_of)))
            .order_by(CofundingOrg.name),
            _Named,
        )
        comment_as += [(f"org:{row.id}", row.name) for row in orgs]
    can_answer = decide(
        actor, Action.QUESTION_ANSWER, Target(network_id=network_id, proposer_lieu_ids=proposer_ids)
    ).allowed
    objections = []
    if latest is not None and latest.outcome == consent.Outcome.TO_AMEND.value and can_answer:
        objections = [p for p in latest.positions if p.kind == "objection"]
    return DiagnosisPanel(
        rounds=rounds,
        criteria=[CriterionView(id=i, name=n) for i, n in criteria.items()],
        speaking_lieux=speaking,
        comment_as=comment_as if latest and latest.is_open else [],
        my_orgs=[(row.id, row.name) for row in orgs],
        can_manage=decide(actor, Action.ROUND_MANAGE, Target(network_id=network_id)).allowed,
        can_answer=can_answer,
        objections_to_answer=objections,
    )
