"""The demo's challenges, told through the real services at the dates of their story.

Each challenge is proposed, declared shared (« nous aussi »), discussed and diagnosed by the
people of the demo's lieux, one service call at a time, under `clock.told_at` the day it
happened: so the versions, rounds, positions, questions, answers to objections and audit
entries are what the app itself would have written, and every rule of the app held while they
were written. One challenge is amended after an objection (its version 2 answers it, and its
second round consents); one round is in progress; one challenge waits for its amendment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch_one
from cobudget.db.tables import RoundQuestion
from cobudget.domain.challenges import BudgetLineRow
from cobudget.domain.permissions import Actor
from cobudget.services import challenges, discussion, rounds
from cobudget.services.clock import told_at
from cobudget.settings import Settings

# A position: lieu index (demo.LIEUX), kind, text, criterion index (demo.CRITERIA) or None,
# days after the round opened.
Position = tuple[int, str, str, int | None, int]
# A question: lieu index, text, answer (None while it waits).
Question = tuple[int, str, str | None]


class RoundStory(msgspec.Struct, frozen=True):
    opened: int  # days from now (negative: in the past)
    length: int
    positions: tuple[Position, ...]
    questions: tuple[Question, ...] = ()


class Amendment(msgspec.Struct, frozen=True):
    """A new version after a round that ended « à amender »: it answers each objection and
    opens the next round itself, as long as the last one."""

    day: int
    commons: str
    lines: tuple[tuple[str, int, int], ...]
    answers: Mapping[int, str]  # objecting lieu index → the proposers' answer
    second_round: tuple[Position, ...]


class Story(msgspec.Struct, frozen=True):
    title: str
    proposer: int  # lieu index
    problem: str
    commons: str
    users: str
    lines: tuple[tuple[str, int, int], ...]  # label, min €, max €
    published: int | None  # days from now; None: a draft
    concerned: tuple[tuple[int, str], ...] = ()  # lieu index, its note
    talk: tuple[int, str, str] | None = None  # a lieu asks, the proposers reply
    round: RoundStory | None = None
    amendment: Amendment | None = None
    need: str | None = None  # the title of the proposer's need it was made from


@dataclass(frozen=True)
class Cast:
    """Who the story happens among: the lieux, who speaks for each (its admin, by lieu index),
    the coordinator, the network's criteria, and the day it is told from (`moment`)."""

    settings: Settings
    network_id: int
    lieu_ids: list[int]
    speakers: Mapping[int, Actor]
    coordinator: Actor
    criteria: list[int]
    moment: dt.datetime


async def tell(
    cast: Cast, stories: tuple[Story, ...], need_ids: Mapping[str, int]
) -> dict[str, int]:
    """Tell every story (a challenge made from a need names it: `need_ids`, by title); return
    the challenges' ids by title."""
    teller = _Teller(cast, need_ids)
    return {story.title: await teller.tell(story) for story in stories}


def _form(
    story: Story, commons: str, lines: tuple[tuple[str, int, int], ...]
) -> challenges.ChallengeForm:
    return challenges.ChallengeForm(
        title=story.title,
        problem=story.problem,
        commons=commons,
        users=story.users,
        lines=tuple(BudgetLineRow(label, str(low), str(high)) for label, low, high in lines),
    )


class _Teller:
    def __init__(self, cast: Cast, need_ids: Mapping[str, int]) -> None:
        self.need_ids = need_ids
        self.settings = cast.settings
        self.network_id = cast.network_id
        self.lieu_ids = cast.lieu_ids
        self.speakers = cast.speakers
        self.coordinator = cast.coordinator
        self.criteria = cast.criteria
        self.moment = cast.moment

    def day(self, offset: float) -> dt.datetime:
        return self.moment + dt.timedelta(days=offset)

    async def tell(self, story: Story) -> int:
        proposer = self.speakers[story.proposer]
        proposer_lieu = self.lieu_ids[story.proposer]
        with told_at(self.day(story.published if story.published is not None else -2)):
            challenge_id = await challenges.propose(
                self.settings,
                proposer,
                network_id=self.network_id,
                lieu_id=proposer_lieu,
                form=_form(story, story.commons, story.lines),
                publish=story.published is not None,
                need_id=None if story.need is None else self.need_ids[story.need],
            )
        if story.published is None:
            return challenge_id
        for index, (lieu, note) in enumerate(story.concerned):
            with told_at(self.day(story.published + 1 + index / 2)):
                await challenges.declare_concerned(
                    self.speakers[lieu],
                    challenge_id=challenge_id,
                    lieu_id=self.lieu_ids[lieu],
                    note=note,
                )
        if story.talk is not None:
            asker, text, reply = story.talk
            with told_at(self.day(story.published + 2)):
                thread = await discussion.post(
                    self.speakers[asker],
                    challenge_id=challenge_id,
                    speaker=f"lieu:{self.lieu_ids[asker]}",
                    text=text,
                )
            with told_at(self.day(story.published + 2.5)):
                await discussion.post(
                    proposer,
                    challenge_id=challenge_id,
                    speaker=f"lieu:{proposer_lieu}",
                    text=reply,
                    parent_id=thread,
                )
        if story.round is not None:
            await self._diagnose(challenge_id, story)
        return challenge_id

    async def _diagnose(self, challenge_id: int, story: Story) -> None:
        """The coordinator opens the round; lieux speak; after « à amender », the proposers
        publish version 2 with their answers, which opens the next round, where lieux speak."""
        held = story.round
        assert held is not None
        with told_at(self.day(held.opened)):
            round_id = await rounds.open_round(
                self.settings,
                self.coordinator,
                challenge_id=challenge_id,
                deadline=self.day(held.opened + held.length),
            )
        await self._speak(round_id, held.opened, held.positions, held.questions, story.proposer)
        amended = story.amendment
        if amended is None:
            return
        with told_at(self.day(amended.day)):
            await challenges.amend(
                self.settings,
                self.speakers[story.proposer],
                challenge_id=challenge_id,
                form=_form(story, amended.commons, amended.lines),
                answers={self.lieu_ids[lieu]: text for lieu, text in amended.answers.items()},
            )
        latest = await rounds.latest_round(challenge_id)
        assert latest is not None and latest.round.id != round_id  # the amendment opened it
        await self._speak(latest.round.id, amended.day, amended.second_round, (), story.proposer)

    async def _speak(
        self,
        round_id: int,
        opened: int,
        positions: tuple[Position, ...],
        questions: tuple[Question, ...],
        proposer: int,
    ) -> None:
        for lieu, kind, text, criterion, after in positions:
            with told_at(self.day(opened + after)):
                await rounds.take_position(
                    self.settings,
                    self.speakers[lieu],
                    round_id=round_id,
                    lieu_id=self.lieu_ids[lieu],
                    kind=kind,
                    text=text,
                    criterion_id=None if criterion is None else self.criteria[criterion],
                )
        for index, (lieu, text, answer) in enumerate(questions):
            with told_at(self.day(opened + 1 + index / 4)):
                await rounds.ask_question(
                    self.settings,
                    self.speakers[lieu],
                    round_id=round_id,
                    lieu_id=self.lieu_ids[lieu],
                    text=text,
                )
            if answer is None:
                continue
            asked = await _latest_question(round_id)
            with told_at(self.day(opened + 2 + index / 4)):
                await rounds.answer_question(
                    self.settings, self.speakers[proposer], question_id=asked, text=answer
                )


class _Id(msgspec.Struct, frozen=True):
    id: int


async def _latest_question(round_id: int) -> int:
    """The question just asked in the round (the service returns no id)."""
    row = await fetch_one(
        RoundQuestion.select(RoundQuestion.id)
        .where(RoundQuestion.round == round_id)
        .order_by(RoundQuestion.id, ascending=False)
        .first(),
        _Id,
    )
    assert row is not None
    return row.id
