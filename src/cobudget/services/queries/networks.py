"""Reads behind the public pages of networks and lieux, and the coordinators' dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    CofundingOrg,
    Coordinator,
    Criterion,
    Invitation,
    Lieu,
    Network,
    NetworkLieu,
)
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide, require
from cobudget.services.kept_reads import kept


class LieuSummary(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    town: str
    legal_form: str
    territory: str
    description: str
    weight: int = 1


class NetworkSummary(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    region: str
    description: str
    is_public: bool
    lieu_count: int = 0


class CofunderSummary(msgspec.Struct, frozen=True):
    id: int
    name: str
    kind: str
    description: str


class NetworkPage(msgspec.Struct, frozen=True):
    network: NetworkSummary
    lieux: tuple[LieuSummary, ...]
    cofunders: tuple[CofunderSummary, ...]
    coordinators: tuple[str, ...]


class LieuContact(msgspec.Struct, frozen=True):
    """A lieu's postal address and public contact, each optional (issue 17)."""

    address: str = ""
    email: str = ""
    phone: str = ""


class LieuPage(msgspec.Struct, frozen=True):
    lieu: LieuSummary
    website: str
    networks: list[NetworkSummary]
    people_count: int
    contact: LieuContact = LieuContact()


class PendingInvitation(msgspec.Struct, frozen=True):
    kind: str
    email: str
    lieu_name: str | None
    org_name: str | None
    created_at: dt.datetime


_NETWORK_FIELDS = ("id", "slug", "name", "region", "description", "is_public")
_LIEU_FIELDS = ("id", "slug", "name", "town", "legal_form", "territory", "description")


def columns(path: Any, names: tuple[str, ...]) -> list[Any]:
    """The columns `names` of a table, or of one reached by a foreign key (`Coordinator.
    network`), each under its own name, so the rows read straight into a summary."""
    return [getattr(path, name).as_alias(name) for name in names]


# Counted in the row's own query (a correlated subquery) rather than in one more query.
_LIEU_COUNT = QueryString(
    "(SELECT COUNT(*) FROM network_lieu WHERE network_lieu.network = network.id)"
).as_alias("lieu_count")
_PEOPLE_COUNT = QueryString(
    "(SELECT COUNT(*) FROM membership WHERE membership.lieu = lieu.id)"
).as_alias("people_count")


class _Name(msgspec.Struct, frozen=True):
    name: str


class _NetworkQuorum(msgspec.Struct, frozen=True):
    quorum: int


async def visible_networks(actor: Actor) -> list[NetworkSummary]:
    networks = await fetch(
        Network.select(*columns(Network, _NETWORK_FIELDS), _LIEU_COUNT).order_by(Network.name),
        NetworkSummary,
    )
    return [
        network
        for network in networks
        if network.is_public or actor.is_site_admin or network.id in actor.coordinator_of
    ]


async def network_by_slug(actor: Actor, slug: str) -> NetworkSummary:
    network = await fetch_one(
        Network.select(*columns(Network, _NETWORK_FIELDS)).where(Network.slug == slug).first(),
        NetworkSummary,
    )
    if network is None:
        raise NotFound("network", slug)
    return _readable(actor, network)


async def network_by_id(actor: Actor, network_id: int) -> NetworkSummary:
    network = await fetch_one(
        Network.select(*columns(Network, _NETWORK_FIELDS)).where(Network.id == network_id).first(),
        NetworkSummary,
    )
    if network is None:
        raise NotFound("network", network_id)
    return _readable(actor, network)


def _readable(actor: Actor, network: NetworkSummary) -> NetworkSummary:
    require(
        actor,
        Action.NETWORK_READ,
        Target(network_id=network.id, network_is_public=network.is_public),
    )
    return network


async def network_page(actor: Actor, slug: str) -> NetworkPage:
    return await network_view(await network_by_slug(actor, slug))


async def network_view(network: NetworkSummary) -> NetworkPage:
    """What a network's page shows of a network already read (and allowed): its lieux,
    co-funders and coordinators, one query each; the same for every reader, so kept
    (`services/kept_reads.py`)."""
    return await kept(("network-view", network), lambda: _network_view(network))


async def _network_view(network: NetworkSummary) -> NetworkPage:
    lieux = await fetch(
        NetworkLieu.select(NetworkLieu.weight, *columns(NetworkLieu.lieu, _LIEU_FIELDS))
        .where(NetworkLieu.network == network.id)
        .order_by(NetworkLieu.lieu.name),
        LieuSummary,
    )
    cofunders = await fetch(
        CofundingOrg.select(
            CofundingOrg.id, CofundingOrg.name, CofundingOrg.kind, CofundingOrg.description
        )
        .where(CofundingOrg.network == network.id)
        .order_by(CofundingOrg.name),
        CofunderSummary,
    )
    coordinators = await fetch(
        Coordinator.select(Coordinator.user.name.as_alias("name"))
        .where(Coordinator.network == network.id)
        .order_by(Coordinator.user.name),
        _Name,
    )
    return NetworkPage(
        network=network,
        lieux=tuple(lieux),
        cofunders=tuple(cofunders),
        coordinators=tuple(row.name for row in coordinators),
    )


class LieuRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    town: str
    legal_form: str
    territory: str
    description: str
    website: str
    address: str
    contact_email: str
    contact_phone: str
    people_count: int


def lieu_row_columns() -> list[Any]:
    """The columns of a `LieuRow`, its count of people included."""
    profile = ("website", "address", "contact_email", "contact_phone")
    return [*columns(Lieu, (*_LIEU_FIELDS, *profile)), _PEOPLE_COUNT]


async def lieu_page(actor: Actor, slug: str) -> LieuPage:
    row = await fetch_one(
        Lieu.select(*lieu_row_columns()).where(Lieu.slug == slug).first(), LieuRow
    )
    if row is None:
        raise NotFound("lieu", slug)
    return await lieu_view(actor, row)


async def lieu_view(actor: Actor, row: LieuRow) -> LieuPage:
    """What a lieu's page shows of a lieu already read: its networks the actor may read, how
    many people it has."""
    networks = await fetch(
        NetworkLieu.select(*columns(NetworkLieu.network, _NETWORK_FIELDS))
        .where(NetworkLieu.lieu == row.id)
        .order_by(NetworkLieu.id),
        NetworkSummary,
    )
    readable = [
        n
        for n in networks
        if decide(
            actor, Action.NETWORK_READ, Target(network_id=n.id, network_is_public=n.is_public)
        ).allowed
    ]
    # A lieu is public through a public network; its own people can always read it.
    if networks and not readable and row.id not in actor.member_of:
        require(
            actor, Action.NETWORK_READ, Target(network_id=networks[0].id, network_is_public=False)
        )
    return LieuPage(
        lieu=msgspec.convert(row, LieuSummary, from_attributes=True),
        website=row.website,
        networks=readable,
        people_count=row.people_count,
        contact=LieuContact(row.address, row.contact_email, row.contact_phone),
    )


async def pending_invitations(actor: Actor, network_id: int) -> list[PendingInvitation]:
    require(actor, Action.NETWORK_MANAGE, Target(network_id=network_id))
    return await fetch(
        Invitation.select(
            Invitation.kind,
            Invitation.email,
            Invitation.created_at,
            Invitation.lieu.name.as_alias("lieu_name"),
            Invitation.org.name.as_alias("org_name"),
        )
        .where(Invitation.network == network_id)
        .where(Invitation.accepted_at.is_null())
        .order_by(Invitation.created_at, ascending=False),
        PendingInvitation,
    )


class LieuProfile(msgspec.Struct, frozen=True):
    """A lieu's editable profile, and the networks it belongs to (for the permission)."""

    id: int
    slug: str
    name: str
    town: str
    territory: str
    description: str
    website: str
    address: str
    contact_email: str
    contact_phone: str
    network_ids: frozenset[int] = frozenset()

    def form_values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in _PROFILE_FIELDS[2:]}


_PROFILE_FIELDS = (
    "id",
    "slug",
    "name",
    "town",
    "territory",
    "description",
    "website",
    "address",
    "contact_email",
    "contact_phone",
)


class _NetworkOf(msgspec.Struct, frozen=True):
    network: int


async def lieu_for_edit(actor: Actor, slug: str) -> LieuProfile:
    lieu = await fetch_one(
        Lieu.select(*columns(Lieu, _PROFILE_FIELDS)).where(Lieu.slug == slug).first(),
        LieuProfile,
    )
    if lieu is None:
        raise NotFound("lieu", slug)
    links = await fetch(
        NetworkLieu.select(NetworkLieu.network).where(NetworkLieu.lieu == lieu.id), _NetworkOf
    )
    return msgspec.structs.replace(lieu, network_ids=frozenset(link.network for link in links))


class DiagnosisSettings(msgspec.Struct, frozen=True):
    criteria: list[str]
    quorum: int


async def diagnosis_settings(actor: Actor, network_id: int) -> DiagnosisSettings:
    require(actor, Action.NETWORK_CONFIGURE, Target(network_id=network_id))
    network = await fetch_one(
        Network.select(Network.quorum).where(Network.id == network_id).first(), _NetworkQuorum
    )
    criteria = await fetch(
        Criterion.select(Criterion.name)
        .where(Criterion.network == network_id)
        .order_by(Criterion.position),
        _Name,
    )
    return DiagnosisSettings(
        criteria=[row.name for row in criteria], quorum=network.quorum if network else 3
    )
