"""A challenge's discussion (issue 16): post a comment or a reply, flag one, hide one.

Open on every published challenge, in every phase; a draft has none. A member speaks for
their lieu, a co-funder for its organisation, a coordinator in their own name
(`domain.permissions`, `Action.DISCUSS`); anyone who may take part may flag a comment, once;
coordinators hide one with a reason everyone reads. The rules are `domain.discussion`'s; each
write checks them inside its own transaction (a reply's thread and its length included) and
records itself in the audit log there."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    Challenge,
    CofundingOrg,
    Criterion,
    DiscussionComment,
    DiscussionFlag,
    NetworkLieu,
)
from cobudget.db.transactions import inserted_ids, write_transaction
from cobudget.domain import discussion as rules
from cobudget.domain.errors import ConfirmationNeeded, Duplicate, InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.validation import Checker
from cobudget.services import audit, limits
from cobudget.services.clock import now
from cobudget.services.limits import Limit


class Place(msgspec.Struct, frozen=True):
    """A published challenge with what its discussion's rules read of its network."""

    challenge_id: int
    network_id: int
    network_is_public: bool
    current_version: int
    lieu_ids: frozenset[int]  # the network's lieux
    org_ids: frozenset[int]  # the network's co-funding organisations

    def target(self, speaker: rules.Speaker | None = None) -> Target:
        kind = speaker.kind if speaker is not None else None
        return Target(
            network_id=self.network_id,
            network_is_public=self.network_is_public,
            lieu_id=speaker.id if kind == rules.SpeakerKind.LIEU and speaker else None,
            lieu_network_ids=frozenset({self.network_id})
            if speaker is not None and speaker.id in self.lieu_ids
            else frozenset(),
            org_id=speaker.id if kind == rules.SpeakerKind.ORG and speaker else None,
            network_lieu_ids=self.lieu_ids,
            network_org_ids=self.org_ids,
        )


class _ChallengeRow(msgspec.Struct, frozen=True):
    id: int
    network_id: int
    network_is_public: bool
    current_version: int


class _Id(msgspec.Struct, frozen=True):
    id: int


class _LieuOf(msgspec.Struct, frozen=True):
    lieu: int


class _ParentRow(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    thread: int | None


class _CommentRow(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    text: str
    hidden_at: dt.datetime | None


async def place(actor: Actor, challenge_id: int) -> Place:
    """The challenge's discussion, if the reader may see it: NotFound for an unknown challenge,
    a private network's for those who may not read it, and a draft (which has none)."""
    row = await fetch_one(
        Challenge.select(
            Challenge.id,
            Challenge.network.as_alias("network_id"),
            Challenge.network.is_public.as_alias("network_is_public"),
            Challenge.current_version,
        )
        .where(Challenge.id == challenge_id)
        .first(),
        _ChallengeRow,
    )
    if row is None or row.current_version < 1:
        raise NotFound("challenge", challenge_id)
    lieux = await fetch(
        NetworkLieu.select(NetworkLieu.lieu).where(NetworkLieu.network == row.network_id), _LieuOf
    )
    orgs = await fetch(
        CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.network == row.network_id), _Id
    )
    found = Place(
        challenge_id=row.id,
        network_id=row.network_id,
        network_is_public=row.network_is_public,
        current_version=row.current_version,
        lieu_ids=frozenset(lieu.lieu for lieu in lieux),
        org_ids=frozenset(org.id for org in orgs),
    )
    require(actor, Action.NETWORK_READ, found.target())
    return found


async def _comment(comment_id: int) -> _CommentRow:
    row = await fetch_one(
        DiscussionComment.select(
            DiscussionComment.id,
            DiscussionComment.challenge,
            DiscussionComment.text,
            DiscussionComment.hidden_at,
        )
        .where(DiscussionComment.id == comment_id)
        .first(),
        _CommentRow,
    )
    if row is None:
        raise NotFound("comment", comment_id)
    return row


async def challenge_of_comment(comment_id: int) -> int:
    """The challenge a discussion comment is on (where a form about it sends the reader)."""
    return (await _comment(comment_id)).challenge


# Comments one person may post in an hour, replies included: a lively discussion is far below it.
COMMENTS_PER_HOUR = 60
HOUR = 3600


async def post(
    actor: Actor,
    *,
    challenge_id: int,
    speaker: str,
    text: str,
    version: int | None = None,
    criterion_id: int | None = None,
    parent_id: int | None = None,
) -> int:
    """A comment, or a reply when `parent_id` names a comment of the same challenge (a reply to
    a reply joins its thread). `speaker` as a form's `as`: « lieu:3 », « org:2 », « self »."""
    found = await place(actor, challenge_id)
    who = rules.parse_speaker(speaker, max_id=2**31 - 1)
    if who is None:
        if not actor.is_authenticated:
            require(actor, Action.DISCUSS, found.target())
        raise InvalidInput({"discussion.as": "invalid_choice"})
    require(actor, Action.DISCUSS, found.target(who))
    cleaned = Checker().text("discussion.text", text, max_length=rules.MAX_TEXT, required=False)
    async with write_transaction():
        # A person who posts a thousand comments is refused past the hour's limit (429). The
        # count is per person, serialised across processes (services/limits.py), and written
        # with the comment: a comment refused for its content writes nothing, its count neither.
        await limits.reserve(
            [Limit(f"discussion:{actor.user_id}", COMMENTS_PER_HOUR, HOUR)], action="discussion"
        )
        criteria = await fetch(
            Criterion.select(Criterion.id).where(Criterion.network == found.network_id), _Id
        )
        parent = None
        replies = 0
        if parent_id is not None:
            row = await fetch_one(
                DiscussionComment.select(
                    DiscussionComment.id, DiscussionComment.challenge, DiscussionComment.thread
                )
                .where(DiscussionComment.id == parent_id)
                .first(),
                _ParentRow,
            )
            if row is not None:
                parent = rules.Parent(id=row.id, challenge_id=row.challenge, thread_id=row.thread)
                replies = await DiscussionComment.count().where(
                    DiscussionComment.thread == rules.thread_of(parent)
                )
        errors = rules.comment_errors(
            text=cleaned,
            challenge_id=challenge_id,
            current_version=found.current_version,
            version=version,
            criterion_id=criterion_id,
            criteria={row.id for row in criteria},
            parent=parent,
            parent_asked=parent_id is not None,
            replies_in_thread=replies,
        )
        if errors:
            raise InvalidInput(errors)
        ids = await inserted_ids(
            DiscussionComment.insert(
                DiscussionComment(
                    challenge=challenge_id,
                    thread=rules.thread_of(parent) if parent is not None else None,
                    author=actor.user_id,
                    lieu=who.id if who.kind == rules.SpeakerKind.LIEU else None,
                    org=who.id if who.kind == rules.SpeakerKind.ORG else None,
                    version=version,
                    criterion=criterion_id,
                    text=cleaned,
                    created_at=now(),
                )
            ).returning(DiscussionComment.id)
        )
        await audit.record(
            actor,
            "discussion.comment",
            entity="discussion_comment",
            entity_id=ids[0],
            network_id=found.network_id,
            after={"text": cleaned, "as": who.value, "parent": parent_id},
        )
    return ids[0]


async def flag(actor: Actor, *, comment_id: int) -> bool:
    """Flag a comment for the coordinators; whether this flag is new (a person's second flag of
    the same comment is not counted, even when both are sent at once)."""
    comment = await _comment(comment_id)
    found = await place(actor, comment.challenge)
    require(actor, Action.DISCUSSION_FLAG, found.target())
    try:
        async with write_transaction():
            ids = await inserted_ids(
                DiscussionFlag.insert(
                    DiscussionFlag(comment=comment_id, flagged_by=actor.user_id, flagged_at=now())
                ).returning(DiscussionFlag.id)
            )
            await audit.record(
                actor,
                "discussion.flag",
                entity="discussion_comment",
                entity_id=comment_id,
                network_id=found.network_id,
            )
    except Duplicate:
        return False
    return bool(ids)


async def hide(actor: Actor, *, comment_id: int, reason: str, confirmed: bool = True) -> None:
    """A coordinator hides a comment with a reason shown in its place to everyone; its text
    stays in the row and in the audit log. A comment already hidden keeps its first reason.
    Unless `confirmed`, the checks run and `ConfirmationNeeded` is raised instead (issue 16)."""
    comment = await _comment(comment_id)
    found = await place(actor, comment.challenge)
    require(actor, Action.COMMENT_HIDE, found.target())
    checker = Checker()
    cleaned = checker.text("discussion.reason", reason, max_length=rules.MAX_REASON)
    checker.raise_if_any()
    if not confirmed:
        raise ConfirmationNeeded("discussion.hide")
    async with write_transaction():
        changed = (
            await DiscussionComment.update(
                {
                    DiscussionComment.hidden_at: now(),
                    DiscussionComment.hidden_by: actor.user_id,
                    DiscussionComment.hidden_reason: cleaned,
                }
            )
            .where((DiscussionComment.id == comment_id) & DiscussionComment.hidden_at.is_null())
            .returning(DiscussionComment.id)
        )
        if not changed:  # hidden meanwhile by another coordinator: the first reason stands
            return
        await audit.record(
            actor,
            "discussion.hide",
            entity="discussion_comment",
            entity_id=comment_id,
            network_id=found.network_id,
            before={"text": comment.text},
            after={"reason": cleaned},
        )
