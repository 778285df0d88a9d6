"""Reads behind the diagnosis part of a challenge page: its consent rounds, the standing
position of each lieu with its reason, questions and answers, comments, and what the reader
may do there."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.tables import (
    CofundingOrg,
    ConsentRound,
    Criterion,
    Lieu,
    ObjectionAnswer,
    RoundComment,
    RoundQuestion,
)
from cobudget.domain import consent
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.services.clock import now
from cobudget.services.rounds import facts


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


class QuestionView(msgspec.Struct, frozen=True):
    id: int
    lieu_name: str
    text: str
    answer: str


class CommentView(msgspec.Struct, frozen=True):
    id: int
    author: str
    lieu_name: str | None
    criterion: str | None
    text: str | None  # None once hidden
    hidden_reason: str


class RoundView(msgspec.Struct, frozen=True):
    id: int
    version: int
    opened_at: dt.datetime
    deadline: dt.datetime
    quorum: int
    outcome: str
    is_open: bool
    positions: list[PositionView]
    questions: list[QuestionView]
    comments: list[CommentView]


class SpeakingLieu(msgspec.Struct, frozen=True):
    id: int
    name: str
    position: PositionView | None


class DiagnosisPanel(msgspec.Struct, frozen=True):
    rounds: list[RoundView]  # newest first
    criteria: list[CriterionView]
    speaking_lieux: list[SpeakingLieu]  # the reader's lieux that may take a position now
    comment_as: list[tuple[str, str]]  # (value, label): "lieu:3" or "org:2"
    can_manage: bool
    can_answer: bool
    objections_to_answer: list[PositionView]


async def _names(table: type, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await table.select(table.id, table.name).where(table.id.is_in(list(ids)))
    return {row["id"]: row["name"] for row in rows}


async def _round_view(round_id: int, criteria: dict[int, str], moment: dt.datetime) -> RoundView:
    known = await facts(round_id)
    standing = consent.standing_positions(known.round, known.positions)
    taken_at = {p.lieu_id: p.taken_at for p in standing.values()}
    questions = (
        await RoundQuestion.select()
        .where(RoundQuestion.round == round_id)
        .order_by(RoundQuestion.id)
    )
    comments = (
        await RoundComment.select(*RoundComment.all_columns(), RoundComment.author.name)
        .where(RoundComment.round == round_id)
        .order_by(RoundComment.id)
    )
    answers = {
        row["lieu"]: row["text"]
        for row in await ObjectionAnswer.select().where(ObjectionAnswer.round == round_id)
    }
    lieux = await _names(
        Lieu,
        set(standing) | {q["lieu"] for q in questions} | {c["lieu"] for c in comments if c["lieu"]},
    )
    return RoundView(
        id=round_id,
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
                taken_at=taken_at[p.lieu_id],
                answer=answers.get(p.lieu_id),
            )
            for p in sorted(standing.values(), key=lambda p: lieux.get(p.lieu_id, ""))
        ],
        questions=[
            QuestionView(
                id=q["id"], lieu_name=lieux.get(q["lieu"], ""), text=q["text"], answer=q["answer"]
            )
            for q in questions
        ],
        comments=[
            CommentView(
                id=c["id"],
                author=c["author.name"] or "",
                lieu_name=lieux.get(c["lieu"]) if c["lieu"] else None,
                criterion=criteria.get(c["criterion"]) if c["criterion"] else None,
                text=None if c["hidden_at"] else c["text"],
                hidden_reason=c["hidden_reason"],
            )
            for c in comments
        ],
    )


async def diagnosis_panel(
    actor: Actor,
    *,
    challenge_id: int,
    network_id: int,
    proposer_ids: frozenset[int],
    network_lieu_ids: frozenset[int],
) -> DiagnosisPanel:
    moment = now()
    criteria_rows = (
        await Criterion.select().where(Criterion.network == network_id).order_by(Criterion.position)
    )
    criteria = {row["id"]: row["name"] for row in criteria_rows}
    round_ids = [
        row["id"]
        for row in await ConsentRound.select(ConsentRound.id)
        .where(ConsentRound.challenge == challenge_id)
        .order_by(ConsentRound.id, ascending=False)
    ]
    rounds = [await _round_view(round_id, criteria, moment) for round_id in round_ids]
    latest = rounds[0] if rounds else None
    speaking: list[SpeakingLieu] = []
    my_lieux = await _names(Lieu, set(actor.member_of & network_lieu_ids))
    if latest is not None and latest.is_open:
        for lieu_id in sorted(my_lieux, key=lambda i: my_lieux[i]):
            if lieu_id in proposer_ids:
                continue
            mine = next((p for p in latest.positions if p.lieu_id == lieu_id), None)
            speaking.append(SpeakingLieu(id=lieu_id, name=my_lieux[lieu_id], position=mine))
    orgs = (
        await CofundingOrg.select(CofundingOrg.id, CofundingOrg.name)
        .where(CofundingOrg.network == network_id)
        .where(CofundingOrg.id.is_in(list(actor.cofunder_of) or [0]))
    )
    comment_as = [(f"lieu:{i}", my_lieux[i]) for i in sorted(my_lieux, key=lambda i: my_lieux[i])]
    comment_as += [(f"org:{row['id']}", row["name"]) for row in orgs]
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
        can_manage=decide(actor, Action.ROUND_MANAGE, Target(network_id=network_id)).allowed,
        can_answer=can_answer,
        objections_to_answer=objections,
    )
