"""A lieu's needs before any envelope (SPEC §5): publish, edit, archive; another lieu's
« nous aussi » (the step from a need to a challenge: `services.need_challenges`)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Lieu, Need, NeedJoin, NetworkLieu
from cobudget.db.transactions import for_update, inserted_id, unless_duplicate, write_transaction
from cobudget.domain import needs as rules
from cobudget.domain.errors import Duplicate, InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide, require
from cobudget.services import audit
from cobudget.services.clock import now
from cobudget.services.targets import network_target


class NeedRow(msgspec.Struct, frozen=True):
    """A need as its writes read it."""

    id: int
    network: int
    lieu: int
    title: str
    lacks: str
    commons: str
    archived_at: dt.datetime | None
    challenge: int | None


class _NetworkOf(msgspec.Struct, frozen=True):
    network: int


ROW_COLUMNS = (
    Need.id,
    Need.network,
    Need.lieu,
    Need.title,
    Need.lacks,
    Need.commons,
    Need.archived_at,
    Need.challenge,
)


async def need_row(actor: Actor, need_id: int) -> NeedRow:
    """The need, if the actor may read its network (a private network's need is answered as
    an unknown one)."""
    row = await fetch_one(Need.select(*ROW_COLUMNS).where(Need.id == need_id).first(), NeedRow)
    if row is None:
        raise NotFound("need", need_id)
    if not decide(actor, Action.NETWORK_READ, await network_target(row.network)).allowed:
        raise NotFound("need", need_id, hidden=True)
    return row


async def _lieu_network_ids(lieu_id: int) -> frozenset[int]:
    rows = await fetch(
        NetworkLieu.select(NetworkLieu.network).where(NetworkLieu.lieu == lieu_id), _NetworkOf
    )
    return frozenset(row.network for row in rows)


async def _lieu_target(network_id: int, lieu_id: int) -> Target:
    return Target(
        network_id=network_id, lieu_id=lieu_id, lieu_network_ids=await _lieu_network_ids(lieu_id)
    )


class NeedContent(msgspec.Struct, frozen=True):
    """What a need says, as stored (the rows of `queries.needs` add who and when)."""

    title: str
    lacks: str
    commons: str
    min_cents: int | None
    max_cents: int | None
    theme: str
    horizon_years: int


CONTENT_COLUMNS = (
    Need.title,
    Need.lacks,
    Need.commons,
    Need.min_cents,
    Need.max_cents,
    Need.theme,
    Need.horizon_years,
)


def _snapshot(fields: rules.NeedFields) -> dict[str, Any]:
    return dataclasses.asdict(fields)


async def require_writer(actor: Actor, *, network_id: int, lieu_id: int) -> None:
    """Raise unless the actor may write the needs of the lieu in that network."""
    require(actor, Action.NEED_WRITE, await _lieu_target(network_id, lieu_id))


async def publish(actor: Actor, *, network_id: int, lieu_id: int, form: rules.NeedForm) -> int:
    """A member publishes a need of their lieu in one of the lieu's networks; a lieu shows at
    most `MAX_ACTIVE_NEEDS_PER_LIEU` at once and publishes at most
    `MAX_NEEDS_PUBLISHED_PER_LIEU_PER_DAY` in 24 hours (counted with the lieu's row held)."""
    require(actor, Action.NEED_WRITE, await _lieu_target(network_id, lieu_id))
    fields = rules.check_need(form)
    async with write_transaction():
        await for_update(Lieu.select(Lieu.id).where(Lieu.id == lieu_id))
        active = await Need.count().where(Need.lieu == lieu_id).where(Need.archived_at.is_null())
        if active >= rules.MAX_ACTIVE_NEEDS_PER_LIEU:
            raise InvalidInput({"title": f"too_many_needs:{rules.MAX_ACTIVE_NEEDS_PER_LIEU}"})
        moment = now()
        today = (
            await Need.count()
            .where(Need.lieu == lieu_id)
            .where(Need.created_at > moment - dt.timedelta(days=1))
        )
        if today >= rules.MAX_NEEDS_PUBLISHED_PER_LIEU_PER_DAY:
            cap = rules.MAX_NEEDS_PUBLISHED_PER_LIEU_PER_DAY
            raise InvalidInput({"title": f"too_many_needs_today:{cap}"})
        need_id = await inserted_id(
            Need.insert(
                Need(
                    network=network_id,
                    lieu=lieu_id,
                    created_by=actor.user_id,
                    created_at=moment,
                    updated_at=moment,
                    **_snapshot(fields),
                )
            ).returning(Need.id)
        )
        await audit.record(
            actor,
            "need.publish",
            entity="need",
            entity_id=need_id,
            network_id=network_id,
            after={"lieu_id": lieu_id, **_snapshot(fields)},
        )
    return need_id


async def writable(actor: Actor, need_id: int) -> NeedRow:
    """The need, if the actor may write for its lieu, and it is not archived."""
    need = await need_row(actor, need_id)
    require(actor, Action.NEED_WRITE, await _lieu_target(need.network, need.lieu))
    if need.archived_at is not None:
        raise InvalidInput({"title": "need_archived"})
    return need


async def edit(actor: Actor, *, need_id: int, form: rules.NeedForm) -> None:
    need = await writable(actor, need_id)
    fields = rules.check_need(form)
    async with write_transaction():
        before = await fetch_one(
            Need.select(*CONTENT_COLUMNS)
            .where(Need.id == need_id)
            .where(Need.archived_at.is_null())
            .first(),
            NeedContent,
        )
        if before is None:  # archived meanwhile
            raise InvalidInput({"title": "need_archived"})
        await Need.update(
            {
                **{column: getattr(fields, column._meta.name) for column in CONTENT_COLUMNS},
                Need.updated_at: now(),
            }
        ).where(Need.id == need_id)
        await audit.record(
            actor,
            "need.edit",
            entity="need",
            entity_id=need_id,
            network_id=need.network,
            before=msgspec.structs.asdict(before),
            after=_snapshot(fields),
        )


async def archive(actor: Actor, *, need_id: int) -> None:
    """The need leaves the lists; its row, its « nous aussi » and its challenge stay."""
    need = await writable(actor, need_id)
    async with write_transaction():
        await (
            Need.update({Need.archived_at: now()})
            .where(Need.id == need_id)
            .where(Need.archived_at.is_null())
        )
        await audit.record(
            actor, "need.archive", entity="need", entity_id=need_id, network_id=need.network
        )


async def _join_target(actor: Actor, need_id: int, lieu_id: int) -> NeedRow:
    need = await need_row(actor, need_id)
    if need.archived_at is not None:
        raise NotFound("need", need_id)
    require(
        actor,
        Action.NEED_JOIN,
        Target(
            network_id=need.network,
            lieu_id=lieu_id,
            lieu_network_ids=await _lieu_network_ids(lieu_id),
            proposer_lieu_ids=frozenset({need.lieu}),  # the need's own lieu says it already
        ),
    )
    return need


async def join(actor: Actor, *, need_id: int, lieu_id: int) -> None:
    """« Nous aussi » for the acting lieu: one row per lieu and need (a unique index), so two
    requests at once store one; saying it again changes nothing."""
    need = await _join_target(actor, need_id, lieu_id)
    async with write_transaction():
        with contextlib.suppress(Duplicate):
            async with unless_duplicate():
                await NeedJoin.insert(
                    NeedJoin(
                        need=need_id, lieu=lieu_id, declared_by=actor.user_id, declared_at=now()
                    )
                )
                await audit.record(
                    actor,
                    "need.join",
                    entity="need",
                    entity_id=need_id,
                    network_id=need.network,
                    after={"lieu_id": lieu_id},
                )


async def leave(actor: Actor, *, need_id: int, lieu_id: int) -> None:
    """The acting lieu withdraws its « nous aussi »."""
    need = await _join_target(actor, need_id, lieu_id)
    async with write_transaction():
        gone = (
            await NeedJoin.delete()
            .where(NeedJoin.need == need_id)
            .where(NeedJoin.lieu == lieu_id)
            .returning(NeedJoin.id)
        )
        if gone:
            await audit.record(
                actor,
                "need.leave",
                entity="need",
                entity_id=need_id,
                network_id=need.network,
                before={"lieu_id": lieu_id},
            )
