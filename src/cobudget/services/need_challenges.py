"""From a need to a challenge in one step (SPEC §5, issue 17): the need its lieu turns into a
challenge, linked in the transaction that creates the challenge (`challenges.propose`), and the
lieux that said « nous aussi » to the need told once the challenge is published: they declare
themselves concerned in one click, each lieu for itself (a concerned lieu is never declared for
it)."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Membership, Need, NeedJoin
from cobudget.db.transactions import for_update
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.domain.permissions import Actor
from cobudget.services import audit, outbox
from cobudget.services.needs import ROW_COLUMNS, NeedRow, writable
from cobudget.settings import Settings


class _Email(msgspec.Struct, frozen=True):
    email: str | None


class _Joined(_Email, frozen=True):
    lieu: int
    deleted_at: dt.datetime | None


async def for_challenge(actor: Actor, need_id: int, *, network_id: int) -> NeedRow:
    """The need a member turns into a challenge of the network: its lieu's, not archived, not
    one already."""
    need = await writable(actor, need_id)
    if need.network != network_id:
        raise NotFound("need", need_id)
    if need.challenge is not None:
        raise InvalidInput({"need": "need_already_challenge"})
    return need


async def link_challenge(
    actor: Actor, *, need_id: int, challenge_id: int, network_id: int, lieu_id: int
) -> None:
    """Inside `challenges.propose`'s transaction: the need becomes this challenge, checked
    again there (two challenges from one need at once: one links, the other is refused)."""
    need = await fetch_one(
        for_update(Need.select(*ROW_COLUMNS).where(Need.id == need_id)).first(), NeedRow
    )
    if need is None or need.network != network_id or need.lieu != lieu_id:
        raise NotFound("need", need_id)
    if need.archived_at is not None:
        raise InvalidInput({"need": "need_archived"})
    if need.challenge is not None:
        raise InvalidInput({"need": "need_already_challenge"})
    await Need.update({Need.challenge: challenge_id}).where(Need.id == need_id)
    await audit.record(
        actor,
        "need.challenge",
        entity="need",
        entity_id=need_id,
        network_id=network_id,
        after={"challenge_id": challenge_id},
    )


async def tell_joined_lieux(settings: Settings, *, challenge_id: int, title: str) -> None:
    """Inside the transaction that publishes a challenge made from a need: the lieux that said
    « nous aussi » to the need are told the challenge exists (the person who said it for each
    lieu, and the lieu's admins), with the link where their lieu says « nous aussi » in one
    click. Nothing when the challenge comes from no need."""
    joins = await fetch(
        NeedJoin.select(
            NeedJoin.lieu,
            NeedJoin.declared_by.email.as_alias("email"),
            NeedJoin.declared_by.deleted_at.as_alias("deleted_at"),
        ).where(NeedJoin.need.challenge == challenge_id),
        _Joined,
    )
    if not joins:
        return
    admins = await fetch(
        Membership.select(Membership.user.email.as_alias("email"))
        .where(Membership.is_admin.eq(True))
        .where(Membership.lieu.is_in([row.lieu for row in joins])),
        _Email,
    )
    # A deleted account's placeholder is no address (`account_deletion`): left out (the
    # lieu's admins are told all the same).
    joined = [row.email for row in joins if row.deleted_at is None]
    addresses = sorted({email for email in (*joined, *(row.email for row in admins)) if email})
    await outbox.enqueue_many(
        addresses,
        "need_became_challenge",
        title=title,
        link=f"{settings.base_url}/defis/{challenge_id}#concernes",
    )
