"""Raising a commons challenge (SPEC §5): drafts, publication, amendments as new versions,
co-proposing lieux who accept, and lieux that say « nous aussi »."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

from cobudget.db.rows import fetch, fetch_one, typed
from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    ChallengeVersion,
    ConcernedLieu,
    CoProposer,
    Lieu,
    Membership,
    NetworkLieu,
)
from cobudget.db.transactions import for_share, for_update, unless_duplicate, write_transaction
from cobudget.domain import challenges as rules
from cobudget.domain.errors import Duplicate, InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.validation import Checker
from cobudget.services import audit, need_challenges, outbox
from cobudget.services.clock import now
from cobudget.settings import Settings


@dataclass(frozen=True)
class ChallengeForm:
    """What the proposers type; amounts are euros as text, read by the pure rules."""

    title: str = ""
    problem: str = ""
    commons: str = ""
    users: str = ""
    licence: str = rules.Licence.ETALAB_2_0.value
    lines: Sequence[rules.BudgetLineRow] = ()
    requested: str = ""
    co_proposer_ids: Sequence[int] = field(default_factory=tuple)


class ChallengeRow(msgspec.Struct, frozen=True):
    id: int
    network: int
    lieu: int  # the proposing lieu
    current_version: int  # 0 while a draft


class VersionRow(msgspec.Struct, frozen=True):
    """A stored version without its budget lines (`version_of` adds them)."""

    id: int
    number: int
    title: str
    problem: str
    commons: str
    users: str
    licence: str
    requested_cents: int | None
    published_at: dt.datetime | None


class LineRow(msgspec.Struct, frozen=True):
    version: int  # the version's row id
    label: str
    min_cents: int
    max_cents: int


class _LieuOf(msgspec.Struct, frozen=True):
    lieu: int


class _NetworkOf(msgspec.Struct, frozen=True):
    network: int


class IdRow(msgspec.Struct, frozen=True):
    id: int


class _ChallengeOf(msgspec.Struct, frozen=True):
    challenge: int


class _Admin(msgspec.Struct, frozen=True):
    email: str = msgspec.field(name="user.email")
    lieu_name: str = msgspec.field(name="lieu.name")


class _Invitation(msgspec.Struct, frozen=True):
    id: int
    accepted_at: dt.datetime | None


class NameRow(msgspec.Struct, frozen=True):
    name: str


class _CurrentVersion(msgspec.Struct, frozen=True):
    current_version: int


VERSION_COLUMNS = (
    ChallengeVersion.id,
    ChallengeVersion.number,
    ChallengeVersion.title,
    ChallengeVersion.problem,
    ChallengeVersion.commons,
    ChallengeVersion.users,
    ChallengeVersion.licence,
    ChallengeVersion.requested_cents,
    ChallengeVersion.published_at,
)
LINE_COLUMNS = (BudgetLine.version, BudgetLine.label, BudgetLine.min_cents, BudgetLine.max_cents)


def version_of(row: VersionRow, lines: Iterable[LineRow]) -> rules.ChallengeVersion:
    """A stored version as the pure rules read it; `lines` are its own, in their order."""
    return rules.ChallengeVersion(
        number=row.number,
        title=row.title,
        problem=row.problem,
        commons=row.commons,
        users=row.users,
        licence=row.licence,
        requested_cents=row.requested_cents,
        # Each version stores its own rows, so a row id is no identity across versions: lines
        # are compared by their label (`diff_versions` pairs lines without ids that way).
        budget_lines=tuple(
            rules.BudgetLine(label=line.label, min_cents=line.min_cents, max_cents=line.max_cents)
            for line in lines
        ),
    )


def inserted_id(rows: list[dict[str, object]]) -> int:
    """The id an insert `.returning(Table.id)` gave back."""
    return typed(rows, IdRow)[0].id


async def challenge_row(challenge_id: int) -> ChallengeRow:
    row = await fetch_one(
        Challenge.select(Challenge.id, Challenge.network, Challenge.lieu, Challenge.current_version)
        .where(Challenge.id == challenge_id)
        .first(),
        ChallengeRow,
    )
    if row is None:
        raise NotFound("challenge", challenge_id)
    return row


@dataclass(frozen=True)
class _Checked:
    version: rules.ChallengeVersion
    co_proposer_ids: frozenset[int]


def _check(form: ChallengeForm, *, member_lieu_ids: frozenset[int], lieu_id: int) -> _Checked:
    checker = Checker()
    title = checker.text("title", form.title, max_length=200)
    problem = checker.text("problem", form.problem, max_length=10_000)
    commons = checker.text("commons", form.commons, max_length=10_000)
    users = checker.text("users", form.users, max_length=5_000, required=False)
    licence = checker.choice("licence", form.licence, rules.Licence)
    lines = rules.check_budget_lines(checker, form.lines)
    requested = rules.check_requested_cents(checker, "requested", form.requested, lines)
    co_proposers = frozenset(form.co_proposer_ids) - {lieu_id}
    if not co_proposers <= member_lieu_ids:
        checker.fail("co_proposers", "co_proposer_not_member")
    checker.raise_if_any()
    version = rules.ChallengeVersion(
        number=0,
        title=title,
        problem=problem,
        commons=commons,
        users=users,
        licence=licence,
        budget_lines=lines,
        requested_cents=requested,
    )
    return _Checked(version, co_proposers)


async def network_lieu_ids(network_id: int) -> frozenset[int]:
    """The network's member lieux."""
    rows = await fetch(
        NetworkLieu.select(NetworkLieu.lieu).where(NetworkLieu.network == network_id), _LieuOf
    )
    return frozenset(row.lieu for row in rows)


async def _lieu_network_ids(lieu_id: int) -> frozenset[int]:
    rows = await fetch(
        NetworkLieu.select(NetworkLieu.network).where(NetworkLieu.lieu == lieu_id), _NetworkOf
    )
    return frozenset(row.network for row in rows)


async def accepted_co_proposer_ids(challenge_id: int) -> frozenset[int]:
    """The co-proposers that accepted: with the proposing lieu, the challenge's proposers."""
    rows = await fetch(
        CoProposer.select(CoProposer.lieu)
        .where(CoProposer.challenge == challenge_id)
        .where(CoProposer.accepted_at.is_not_null()),
        _LieuOf,
    )
    return frozenset(row.lieu for row in rows)


async def proposer_lieu_ids(challenge_id: int) -> frozenset[int]:
    """The proposing lieu and the co-proposers that accepted."""
    challenge = await challenge_row(challenge_id)
    return frozenset({challenge.lieu}) | await accepted_co_proposer_ids(challenge_id)


async def challenges_proposed_by(lieu_id: int) -> frozenset[int]:
    """The challenges a lieu proposes, as proposing lieu or accepted co-proposer."""
    own = await fetch(Challenge.select(Challenge.id).where(Challenge.lieu == lieu_id), IdRow)
    joined = await fetch(
        CoProposer.select(CoProposer.challenge)
        .where(CoProposer.lieu == lieu_id)
        .where(CoProposer.accepted_at.is_not_null()),
        _ChallengeOf,
    )
    return frozenset({*(row.id for row in own), *(row.challenge for row in joined)})


async def _insert_version(
    challenge_id: int,
    number: int,
    version: rules.ChallengeVersion,
    actor: Actor,
    *,
    published: bool,
) -> int:
    moment = now()
    rows = await ChallengeVersion.insert(
        ChallengeVersion(
            challenge=challenge_id,
            number=number,
            title=version.title,
            problem=version.problem,
            commons=version.commons,
            users=version.users,
            licence=version.licence,
            requested_cents=version.requested_cents,
            created_by=actor.user_id,
            created_at=moment,
            published_at=moment if published else None,
        )
    ).returning(ChallengeVersion.id)
    version_id = inserted_id(rows)
    if version.budget_lines:
        await BudgetLine.insert(
            *(
                BudgetLine(
                    version=version_id,
                    label=line.label,
                    min_cents=line.min_cents,
                    max_cents=line.max_cents,
                    position=index,
                )
                for index, line in enumerate(version.budget_lines)
            )
        )
    return version_id


def _snapshot(version: rules.ChallengeVersion) -> dict[str, object]:
    return {
        "title": version.title,
        "licence": version.licence,
        "requested_cents": version.requested_cents,
        "budget_lines": [
            [line.label, line.min_cents, line.max_cents] for line in version.budget_lines
        ],
    }


async def _invite_co_proposers(
    settings: Settings, challenge_id: int, title: str, lieu_ids: frozenset[int], proposer_name: str
) -> None:
    moment = now()
    for lieu_id in sorted(lieu_ids):
        await CoProposer.insert(CoProposer(challenge=challenge_id, lieu=lieu_id, invited_at=moment))
        admins = await fetch(
            Membership.select(Membership.user.email, Membership.lieu.name)
            .where(Membership.lieu == lieu_id)
            .where(Membership.is_admin.eq(True)),
            _Admin,
        )
        for admin in admins:
            await outbox.enqueue(
                admin.email,
                "co_proposal",
                title=title,
                lieu=admin.lieu_name,
                proposer=proposer_name,
                link=f"{settings.base_url}/defis/{challenge_id}",
            )


async def propose(
    settings: Settings,
    actor: Actor,
    *,
    network_id: int,
    lieu_id: int,
    form: ChallengeForm,
    publish: bool,
    need_id: int | None = None,
) -> int:
    """A member raises a challenge for their lieu: saved as a draft, or published as version 1.
    Made from a need of the lieu (`need_id`), the need links to it, and once it is published
    the lieux that said « nous aussi » to the need are told (`services.need_challenges`)."""
    require(
        actor,
        Action.CHALLENGE_PROPOSE,
        Target(
            network_id=network_id,
            lieu_id=lieu_id,
            lieu_network_ids=await _lieu_network_ids(lieu_id),
        ),
    )
    checked = _check(form, member_lieu_ids=await network_lieu_ids(network_id), lieu_id=lieu_id)
    async with write_transaction():
        rows = await Challenge.insert(
            Challenge(
                network=network_id,
                lieu=lieu_id,
                created_by=actor.user_id,
                created_at=now(),
                current_version=1 if publish else 0,
            )
        ).returning(Challenge.id)
        challenge_id = inserted_id(rows)
        await _insert_version(challenge_id, 1, checked.version, actor, published=publish)
        lieu = await fetch_one(Lieu.select(Lieu.name).where(Lieu.id == lieu_id).first(), NameRow)
        await _invite_co_proposers(
            settings,
            challenge_id,
            checked.version.title,
            checked.co_proposer_ids,
            lieu.name if lieu else "",
        )
        if need_id is not None:
            await need_challenges.link_challenge(
                actor,
                need_id=need_id,
                challenge_id=challenge_id,
                network_id=network_id,
                lieu_id=lieu_id,
            )
            if publish:
                await need_challenges.tell_joined_lieux(
                    settings, challenge_id=challenge_id, title=checked.version.title
                )
        await audit.record(
            actor,
            "challenge.publish" if publish else "challenge.draft",
            entity="challenge",
            entity_id=challenge_id,
            network_id=network_id,
            after=_snapshot(checked.version),
        )
    return challenge_id


async def _editable(actor: Actor, challenge_id: int) -> ChallengeRow:
    challenge = await challenge_row(challenge_id)
    proposers = frozenset({challenge.lieu}) | await accepted_co_proposer_ids(challenge_id)
    require(
        actor,
        Action.CHALLENGE_EDIT,
        Target(network_id=challenge.network, proposer_lieu_ids=proposers),
    )
    return challenge


async def save_draft(
    actor: Actor,
    *,
    challenge_id: int,
    form: ChallengeForm,
    publish: bool,
    settings: Settings | None = None,
) -> None:
    """Edit a challenge that was never published (its draft is not a version yet). Published,
    a challenge made from a need tells the lieux that joined the need (`settings` gives the
    link's address)."""
    challenge = await _editable(actor, challenge_id)
    if challenge.current_version:
        raise InvalidInput({"title": "already_published"})
    checked = _check(
        form, member_lieu_ids=await network_lieu_ids(challenge.network), lieu_id=challenge.lieu
    )
    async with write_transaction():
        await ChallengeVersion.delete().where(ChallengeVersion.challenge == challenge_id)
        await _insert_version(challenge_id, 1, checked.version, actor, published=publish)
        if publish:
            await Challenge.update({Challenge.current_version: 1}).where(
                Challenge.id == challenge_id
            )
            if settings is not None:
                await need_challenges.tell_joined_lieux(
                    settings, challenge_id=challenge_id, title=checked.version.title
                )
        await audit.record(
            actor,
            "challenge.publish" if publish else "challenge.draft",
            entity="challenge",
            entity_id=challenge_id,
            network_id=challenge.network,
            after=_snapshot(checked.version),
        )


async def load_version(challenge_id: int, number: int) -> rules.ChallengeVersion:
    row = await fetch_one(
        ChallengeVersion.select(*VERSION_COLUMNS)
        .where(ChallengeVersion.challenge == challenge_id)
        .where(ChallengeVersion.number == number)
        .first(),
        VersionRow,
    )
    if row is None:
        raise NotFound("challenge_version", number)
    lines = await fetch(
        BudgetLine.select(*LINE_COLUMNS)
        .where(BudgetLine.version == row.id)
        .order_by(BudgetLine.position),
        LineRow,
    )
    return version_of(row, lines)


async def amend(
    settings: Settings,
    actor: Actor,
    *,
    challenge_id: int,
    form: ChallengeForm,
    answers: dict[int, str] | None = None,
) -> int:
    """Publish a new version; older versions stay as they were. After a round that ended "to
    amend", every standing objection needs its answer (`answers`, by objecting lieu), and the
    new version opens a new round. Returns the new version's number."""
    from cobudget.services import rounds  # rounds builds on this module

    challenge = await _editable(actor, challenge_id)
    current = challenge.current_version
    if not current:
        raise InvalidInput({"title": "not_published_yet"})
    answers = {lieu: text for lieu, text in (answers or {}).items() if text.strip()}
    latest = await rounds.latest_round(challenge_id)
    decision = rules.can_publish_new_version(
        actor_lieu_ids=actor.member_of,
        proposer_lieu_ids=await proposer_lieu_ids(challenge_id),
        current_version=current,
        latest=latest.round if latest else None,
        latest_positions=latest.positions if latest else (),
        answered_lieu_ids=set(answers),
        now=now(),
    )
    if decision.reason == "objections_unanswered" and latest is not None:
        missing = rules.objections_needing_answer(
            latest.round, latest.positions, set(answers), now()
        )
        raise InvalidInput({f"objection.{p.lieu_id}": "objection_needs_answer" for p in missing})
    if decision.reason == "round_open":
        # The page no longer offers the form then, but a round may open while it is filled in:
        # the refusal comes back on the form with the text typed (issue 16).
        raise InvalidInput({"amend": "round_open_no_amend"})
    if not decision.allowed:
        raise NotAllowed(Action.CHALLENGE_EDIT.value, decision.reason)
    checked = _check(
        form, member_lieu_ids=await network_lieu_ids(challenge.network), lieu_id=challenge.lieu
    )
    previous = await load_version(challenge_id, current)
    if rules.diff_versions(previous, checked.version).is_empty:
        raise InvalidInput({"title": "no_change"})
    async with write_transaction():
        await refuse_if_withdrawn(challenge_id, Action.CHALLENGE_EDIT.value, then_updated=True)
        fresh = await fetch_one(
            Challenge.select(Challenge.current_version).where(Challenge.id == challenge_id).first(),
            _CurrentVersion,
        )
        if fresh is None or fresh.current_version != current:
            raise InvalidInput({"title": "version_changed_meanwhile"})
        try:  # two publications at once: the version number is taken (a unique index)
            await _insert_version(challenge_id, current + 1, checked.version, actor, published=True)
        except Duplicate as error:
            raise InvalidInput({"title": "version_changed_meanwhile"}) from error
        await Challenge.update({Challenge.current_version: current + 1}).where(
            Challenge.id == challenge_id
        )
        await rounds.record_amendment(
            settings,
            actor,
            challenge_id=challenge_id,
            new_version=current + 1,
            latest=latest,
            answers=answers,
        )
        await audit.record(
            actor,
            "challenge.amend",
            entity="challenge",
            entity_id=challenge_id,
            network_id=challenge.network,
            before=_snapshot(previous),
            after=_snapshot(checked.version),
        )
    return current + 1


async def answer_co_proposal(
    settings: Settings, actor: Actor, *, challenge_id: int, lieu_id: int, accept: bool
) -> None:
    """The invited lieu accepts (it becomes a proposer) or declines (the invitation is gone);
    the proposing lieu is told either way."""
    from cobudget.services import notification_events  # it reads rounds, built on this module

    invitation = await fetch_one(
        CoProposer.select(CoProposer.id, CoProposer.accepted_at)
        .where(CoProposer.challenge == challenge_id)
        .where(CoProposer.lieu == lieu_id)
        .first(),
        _Invitation,
    )
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("co_proposal", challenge_id)
    challenge = await challenge_row(challenge_id)
    require(
        actor,
        Action.CO_PROPOSAL_ANSWER,
        Target(
            network_id=challenge.network,
            lieu_id=lieu_id,
            lieu_network_ids=await _lieu_network_ids(lieu_id),
        ),
    )
    async with write_transaction():
        await refuse_if_withdrawn(challenge_id, Action.CO_PROPOSAL_ANSWER.value)
        if accept:
            await CoProposer.update({CoProposer.accepted_at: now()}).where(
                CoProposer.id == invitation.id
            )
        else:
            await CoProposer.delete().where(CoProposer.id == invitation.id)
        await notification_events.co_proposal_answered(
            settings,
            challenge_id=challenge_id,
            version=challenge.current_version,
            proposer_lieu_id=challenge.lieu,
            lieu_id=lieu_id,
            accepted=accept,
        )
        await audit.record(
            actor,
            "co_proposal.accept" if accept else "co_proposal.decline",
            entity="challenge",
            entity_id=challenge_id,
            network_id=challenge.network,
            after={"lieu_id": lieu_id},
        )


async def declare_concerned(actor: Actor, *, challenge_id: int, lieu_id: int, note: str) -> None:
    """« Nous aussi » for the acting lieu; saying it again updates the note."""
    challenge = await challenge_row(challenge_id)
    if not challenge.current_version:
        raise NotFound("challenge", challenge_id)
    require(
        actor,
        Action.CHALLENGE_CONCERN,
        Target(
            network_id=challenge.network,
            lieu_id=lieu_id,
            lieu_network_ids=await _lieu_network_ids(lieu_id),
            proposer_lieu_ids=frozenset({challenge.lieu})
            | await accepted_co_proposer_ids(challenge_id),
        ),
    )
    checker = Checker()
    note = checker.text("note", note, max_length=2000, required=False)
    checker.raise_if_any()
    async with write_transaction():
        await refuse_if_withdrawn(challenge_id, Action.CHALLENGE_CONCERN.value)
        existing = await fetch_one(
            ConcernedLieu.select(ConcernedLieu.id)
            .where(ConcernedLieu.challenge == challenge_id)
            .where(ConcernedLieu.lieu == lieu_id)
            .first(),
            IdRow,
        )
        inserted = False
        if not existing:
            # Another request of the lieu may store it at this moment (one per lieu and
            # challenge, a unique index): then this one updates the note, as a second « nous
            # aussi » does.
            with contextlib.suppress(Duplicate):
                async with unless_duplicate():
                    await ConcernedLieu.insert(
                        ConcernedLieu(
                            challenge=challenge_id,
                            lieu=lieu_id,
                            note=note,
                            declared_by=actor.user_id,
                            declared_at=now(),
                        )
                    )
                    inserted = True
        if not inserted:
            await (
                ConcernedLieu.update({ConcernedLieu.note: note})
                .where(ConcernedLieu.challenge == challenge_id)
                .where(ConcernedLieu.lieu == lieu_id)
            )
        await audit.record(
            actor,
            "challenge.concern",
            entity="challenge",
            entity_id=challenge_id,
            network_id=challenge.network,
            after={"lieu_id": lieu_id, "note": note},
        )


class _Withdrawn(msgspec.Struct, frozen=True):
    withdrawn_at: dt.datetime | None


async def refuse_if_withdrawn(
    challenge_id: int, action: str, *, then_updated: bool = False
) -> None:
    """Inside a write transaction: refuse (`NotAllowed(action, "challenge_withdrawn")`) what a
    withdrawn challenge no longer takes (issue 17), read on its row held until the end, so a
    withdrawal committing meanwhile is either seen here or comes after (shared: several of
    these run side by side, a withdrawal waits for them). A transaction that goes on to update
    the challenge's row locks it for update at once: two holding it shared, then both updating
    it, would each wait for the other (a deadlock on PostgreSQL)."""
    select = Challenge.select(Challenge.withdrawn_at).where(Challenge.id == challenge_id)
    row = await fetch_one(
        (for_update(select) if then_updated else for_share(select)).first(), _Withdrawn
    )
    if row is not None and row.withdrawn_at is not None:
        raise NotAllowed(action, "challenge_withdrawn")


async def require_proposer(actor: Actor, challenge_id: int) -> None:
    """Raise unless the actor belongs to a lieu that proposes the challenge."""
    await _editable(actor, challenge_id)
