"""Reads behind the people page of a lieu (issue 17): its members with their roles and its
pending invitations, one query each, bounded."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import Invitation, Membership
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.services.clock import now
from cobudget.services.queries.networks import LieuProfile, lieu_for_edit

# More than a lieu has; a page never reads more than this.
MAX_PEOPLE = 500
MAX_INVITATIONS = 200


class Person(msgspec.Struct, frozen=True):
    user_id: int
    name: str
    email: str
    is_admin: bool


class PendingInvitation(msgspec.Struct, frozen=True):
    """An invitation not accepted yet: to a lieu, or an appointment to a network's
    coordination; an expired one can still be sent again or cancelled."""

    id: int
    kind: str
    email: str
    network: int | None
    created_at: dt.datetime
    expires_at: dt.datetime
    expired: bool = False


PENDING_COLUMNS = (
    Invitation.id,
    Invitation.kind,
    Invitation.email,
    Invitation.network,
    Invitation.created_at,
    Invitation.expires_at,
)


def marked(rows: list[PendingInvitation]) -> list[PendingInvitation]:
    """The invitations with those expired now marked."""
    moment = now()
    return [msgspec.structs.replace(row, expired=row.expires_at < moment) for row in rows]


class LieuPeople(msgspec.Struct, frozen=True):
    lieu: LieuProfile
    people: list[Person]
    invitations: list[PendingInvitation]
    admin_count: int


async def lieu_people(actor: Actor, slug: str) -> LieuPeople:
    """The lieu's people (admins first, then by name) and the invitations not accepted yet
    (the newest first; an expired one is marked: it can be sent again or cancelled)."""
    lieu = await lieu_for_edit(actor, slug)
    require(actor, Action.PERSON_MANAGE, Target(lieu_id=lieu.id, lieu_network_ids=lieu.network_ids))
    people = await fetch(
        Membership.select(
            Membership.user.id.as_alias("user_id"),
            Membership.user.name.as_alias("name"),
            Membership.user.email.as_alias("email"),
            Membership.is_admin,
        )
        .where(Membership.lieu == lieu.id)
        .order_by(Membership.is_admin, ascending=False)
        .order_by(Membership.user.name)
        .limit(MAX_PEOPLE),
        Person,
    )
    rows = await fetch(
        Invitation.select(*PENDING_COLUMNS)
        .where(Invitation.lieu == lieu.id)
        .where(Invitation.accepted_at.is_null())
        .order_by(Invitation.created_at, ascending=False)
        .limit(MAX_INVITATIONS),
        PendingInvitation,
    )
    return LieuPeople(
        lieu=lieu,
        people=people,
        invitations=marked(rows),
        admin_count=sum(person.is_admin for person in people),
    )
