"""Reads behind the site admin's pages (issue 17): every network with its coordinators, its
count of lieux and its pending appointments; the people of the instance, searched and paged.
A fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import msgspec
from piccolo.columns.combination import WhereRaw

from cobudget.db.rows import fetch
from cobudget.db.tables import Coordinator, Invitation, Membership, Network, User
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.services.invitations import InvitationKind
from cobudget.services.queries.networks import _LIEU_COUNT, _NETWORK_FIELDS, NetworkSummary, columns
from cobudget.services.queries.people import PENDING_COLUMNS, PendingInvitation, marked

MAX_NETWORKS = 500
MAX_APPOINTMENTS = 500
PAGE_SIZE = 50
MAX_PAGE = 200  # 10 000 people: past that, a search finds them
MAX_QUERY = 120


class Coordinating(msgspec.Struct, frozen=True):
    network: int
    user_id: int
    name: str
    email: str


class NetworkLine(msgspec.Struct, frozen=True):
    network: NetworkSummary
    coordinators: list[Coordinating]
    appointments: list[PendingInvitation]


async def networks_overview(actor: Actor) -> list[NetworkLine]:
    """Every network (by name) with its coordinators and its pending appointments: three
    queries."""
    require(actor, Action.SITE_ADMINISTER, Target())
    networks = await fetch(
        Network.select(*columns(Network, _NETWORK_FIELDS), _LIEU_COUNT)
        .order_by(Network.name)
        .limit(MAX_NETWORKS),
        NetworkSummary,
    )
    ids = [network.id for network in networks] or [0]
    coordinators = await fetch(
        Coordinator.select(
            Coordinator.network,
            Coordinator.user.id.as_alias("user_id"),
            Coordinator.user.name.as_alias("name"),
            Coordinator.user.email.as_alias("email"),
        )
        .where(Coordinator.network.is_in(ids))
        .order_by(Coordinator.user.name),
        Coordinating,
    )
    appointments = await fetch(
        Invitation.select(*PENDING_COLUMNS)
        .where(Invitation.kind == InvitationKind.COORDINATOR.value)
        .where(Invitation.accepted_at.is_null())
        .where(Invitation.network.is_in(ids))
        .order_by(Invitation.created_at, ascending=False)
        .limit(MAX_APPOINTMENTS),
        PendingInvitation,
    )
    return [
        NetworkLine(
            network=network,
            coordinators=[c for c in coordinators if c.network == network.id],
            appointments=marked([a for a in appointments if a.network == network.id]),
        )
        for network in networks
    ]


class PersonLine(msgspec.Struct, frozen=True):
    id: int
    name: str
    email: str
    is_site_admin: bool
    created_at: dt.datetime
    lieux: tuple[str, ...] = ()
    coordinates: tuple[str, ...] = ()


class PeoplePage(msgspec.Struct, frozen=True):
    people: list[PersonLine]
    query: str
    page: int
    has_next: bool


class _Named(msgspec.Struct, frozen=True):
    user_id: int
    name: str


# The same on SQLite and PostgreSQL: LIKE with an explicit escape character, on lower case.
# (SQLite's lower() changes ASCII letters only: there, « élise » does not find « Élise ».)
_MATCHES = "(lower(app_user.name) LIKE {} ESCAPE '\\' OR lower(app_user.email) LIKE {} ESCAPE '\\')"


def _like(text: str) -> str:
    """`text` as a LIKE pattern that matches it anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def people(actor: Actor, *, query: str = "", page: int = 1) -> PeoplePage:
    """The instance's people by name, PAGE_SIZE a page, those whose name or email holds
    `query` (any case); each with the lieux they belong to and the networks they coordinate.
    Deleted accounts are left out: nothing personal is left of them to administer. Three
    queries; the page number and the query's length are bounded."""
    require(actor, Action.SITE_ADMINISTER, Target())
    query = " ".join(query.split())
    if len(query) > MAX_QUERY:
        raise InvalidInput({"q": f"too_long:{MAX_QUERY}"})
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput({"page": f"out_of_range:1:{MAX_PAGE}"})
    select = (
        User.select(User.id, User.name, User.email, User.is_site_admin, User.created_at)
        .where(User.deleted_at.is_null())
        .order_by(User.name)
        .order_by(User.id)
    )
    if query:
        pattern = _like(query.lower())
        select = select.where(WhereRaw(_MATCHES, pattern, pattern))
    rows = await fetch(select.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE), PersonLine)
    shown = rows[:PAGE_SIZE]
    ids = [row.id for row in shown] or [0]
    lieux = await fetch(
        Membership.select(
            Membership.user.as_alias("user_id"), Membership.lieu.name.as_alias("name")
        )
        .where(Membership.user.is_in(ids))
        .order_by(Membership.lieu.name),
        _Named,
    )
    coordinated = await fetch(
        Coordinator.select(
            Coordinator.user.as_alias("user_id"), Coordinator.network.name.as_alias("name")
        )
        .where(Coordinator.user.is_in(ids))
        .order_by(Coordinator.network.name),
        _Named,
    )
    return PeoplePage(
        people=[
            msgspec.structs.replace(
                row,
                lieux=tuple(r.name for r in lieux if r.user_id == row.id),
                coordinates=tuple(r.name for r in coordinated if r.user_id == row.id),
            )
            for row in shown
        ],
        query=query,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )
