"""Reads behind the public pages of networks and lieux, and the coordinators' dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from cobudget.db.tables import (
    AuditEntry,
    CofunderPerson,
    CofundingOrg,
    Coordinator,
    Envelope,
    Invitation,
    Lieu,
    Membership,
    Network,
    NetworkLieu,
    Pledge,
    User,
)
from cobudget.domain import lifecycle
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide, require
from cobudget.services.clock import now
from cobudget.services.envelopes import calendar_of


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
    lieux: list[LieuSummary]
    cofunders: list[CofunderSummary]
    coordinators: list[str]


class LieuPage(msgspec.Struct, frozen=True):
    lieu: LieuSummary
    website: str
    networks: list[NetworkSummary]
    people_count: int


class PendingInvitation(msgspec.Struct, frozen=True):
    kind: str
    email: str
    lieu_name: str | None
    org_name: str | None
    created_at: dt.datetime


class AuditLine(msgspec.Struct, frozen=True):
    at: dt.datetime
    actor_name: str | None
    action: str
    entity: str
    entity_id: int | None
    before: object
    after: object
    masked: bool = False  # a pledge or support of an envelope whose pledges are hidden


def _network_summary(row: dict[str, object], lieu_count: int = 0) -> NetworkSummary:
    return NetworkSummary(
        id=int(str(row["id"])),
        slug=str(row["slug"]),
        name=str(row["name"]),
        region=str(row["region"]),
        description=str(row["description"]),
        is_public=bool(row["is_public"]),
        lieu_count=lieu_count,
    )


async def visible_networks(actor: Actor) -> list[NetworkSummary]:
    rows = await Network.select().order_by(Network.name)
    counts: dict[int, int] = {}
    for link in await NetworkLieu.select(NetworkLieu.network):
        counts[link["network"]] = counts.get(link["network"], 0) + 1
    return [
        _network_summary(row, counts.get(row["id"], 0))
        for row in rows
        if row["is_public"] or actor.is_site_admin or row["id"] in actor.coordinator_of
    ]


async def network_by_slug(actor: Actor, slug: str) -> NetworkSummary:
    row = await Network.select().where(Network.slug == slug).first()
    if row is None:
        raise NotFound("network", slug)
    require(
        actor, Action.NETWORK_READ, Target(network_id=row["id"], network_is_public=row["is_public"])
    )
    return _network_summary(row)


async def network_by_id(actor: Actor, network_id: int) -> NetworkSummary:
    row = await Network.select().where(Network.id == network_id).first()
    if row is None:
        raise NotFound("network", network_id)
    require(
        actor, Action.NETWORK_READ, Target(network_id=row["id"], network_is_public=row["is_public"])
    )
    return _network_summary(row)


async def network_page(actor: Actor, slug: str) -> NetworkPage:
    network = await network_by_slug(actor, slug)
    links = (
        await NetworkLieu.select(NetworkLieu.weight, *NetworkLieu.lieu.all_columns())
        .where(NetworkLieu.network == network.id)
        .order_by(NetworkLieu.lieu.name)
    )
    lieux = [
        LieuSummary(
            id=link["lieu.id"],
            slug=link["lieu.slug"],
            name=link["lieu.name"],
            town=link["lieu.town"],
            legal_form=link["lieu.legal_form"],
            territory=link["lieu.territory"],
            description=link["lieu.description"],
            weight=link["weight"],
        )
        for link in links
    ]
    orgs = (
        await CofundingOrg.select()
        .where(CofundingOrg.network == network.id)
        .order_by(CofundingOrg.name)
    )
    coordinators = (
        await Coordinator.select(Coordinator.user.name)
        .where(Coordinator.network == network.id)
        .order_by(Coordinator.user.name)
    )
    return NetworkPage(
        network=network,
        lieux=lieux,
        cofunders=[
            CofunderSummary(
                id=o["id"], name=o["name"], kind=o["kind"], description=o["description"]
            )
            for o in orgs
        ],
        coordinators=[row["user.name"] for row in coordinators],
    )


async def lieu_page(actor: Actor, slug: str) -> LieuPage:
    row = await Lieu.select().where(Lieu.slug == slug).first()
    if row is None:
        raise NotFound("lieu", slug)
    links = await NetworkLieu.select(*NetworkLieu.network.all_columns()).where(
        NetworkLieu.lieu == row["id"]
    )
    networks = [
        _network_summary({key.removeprefix("network."): value for key, value in link.items()})
        for link in links
    ]
    readable = [
        n
        for n in networks
        if decide(
            actor, Action.NETWORK_READ, Target(network_id=n.id, network_is_public=n.is_public)
        ).allowed
    ]
    # A lieu is public through a public network; its own people can always read it.
    if networks and not readable and row["id"] not in actor.member_of:
        require(
            actor, Action.NETWORK_READ, Target(network_id=networks[0].id, network_is_public=False)
        )
    people = await Membership.count().where(Membership.lieu == row["id"])
    return LieuPage(
        lieu=LieuSummary(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            town=row["town"],
            legal_form=row["legal_form"],
            territory=row["territory"],
            description=row["description"],
        ),
        website=row["website"],
        networks=readable,
        people_count=people,
    )


async def pending_invitations(actor: Actor, network_id: int) -> list[PendingInvitation]:
    require(actor, Action.NETWORK_MANAGE, Target(network_id=network_id))
    rows = (
        await Invitation.select(
            Invitation.kind,
            Invitation.email,
            Invitation.created_at,
            Invitation.lieu.name,
            Invitation.org.name,
        )
        .where(Invitation.network == network_id)
        .where(Invitation.accepted_at.is_null())
        .order_by(Invitation.created_at, ascending=False)
    )
    return [
        PendingInvitation(
            kind=r["kind"],
            email=r["email"],
            lieu_name=r["lieu.name"],
            org_name=r["org.name"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def audit_log(actor: Actor, network_id: int, limit: int = 200) -> list[AuditLine]:
    require(actor, Action.NETWORK_MANAGE, Target(network_id=network_id))
    rows = (
        await AuditEntry.select(
            AuditEntry.at,
            AuditEntry.actor.name,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.before,
            AuditEntry.after,
        )
        .where(AuditEntry.network == network_id)
        .order_by(AuditEntry.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    masked = await _masked_entries(network_id, rows)
    return [
        AuditLine(
            at=r["at"],
            actor_name=r["actor.name"],
            action=r["action"],
            entity=r["entity"],
            entity_id=None if index in masked else r["entity_id"],
            before=None if index in masked else r["before"],
            after=None if index in masked else r["after"],
            masked=index in masked,
        )
        for index, r in enumerate(rows)
    ]


async def _masked_entries(network_id: int, rows: list[dict[str, Any]]) -> set[int]:
    """The entries (by position) that tell a unit's pledge or support in an envelope whose
    pledges are hidden now (SPEC §4): nobody reads them before the close, coordinators
    included; afterwards they show as usual. Two queries, whatever the number of entries."""
    moment = now()
    hidden = {
        int(r["id"])
        for r in await Envelope.select().where(Envelope.network == network_id)
        if lifecycle.pledges_hidden(
            bool(r["hide_pledges"]), lifecycle.current_phase(calendar_of(r), moment)
        )
    }
    if not hidden:
        return set()
    pledge_ids = [int(r["entity_id"]) for r in rows if r["entity"] == "pledge" and r["entity_id"]]
    envelope_of_pledge = {
        int(p["id"]): int(p["envelope"])
        for p in await Pledge.select(Pledge.id, Pledge.envelope).where(
            Pledge.id.is_in(pledge_ids or [0])
        )
    }
    masked = set()
    for index, r in enumerate(rows):
        if r["action"].startswith("pledge."):
            envelope = envelope_of_pledge.get(int(r["entity_id"] or 0))
        elif r["action"].startswith("support."):
            envelope = r["entity_id"]
        else:
            continue
        if envelope in hidden:
            masked.add(index)
    return masked


class MySpace(msgspec.Struct, frozen=True):
    name: str
    email: str
    is_site_admin: bool
    lieux: list[tuple[LieuSummary, bool]]
    coordinated: list[NetworkSummary]
    cofunder_orgs: list[str]


async def my_space(actor: Actor) -> MySpace:
    user = (
        await User.select(User.name, User.email, User.is_site_admin)
        .where(User.id == actor.user_id)
        .first()
    )
    if user is None:
        raise NotFound("user", actor.user_id)
    memberships = (
        await Membership.select(Membership.is_admin, *Membership.lieu.all_columns())
        .where(Membership.user == actor.user_id)
        .order_by(Membership.lieu.name)
    )
    coordinated = await Coordinator.select(*Coordinator.network.all_columns()).where(
        Coordinator.user == actor.user_id
    )
    orgs = await CofunderPerson.select(CofunderPerson.org.name).where(
        CofunderPerson.user == actor.user_id
    )
    return MySpace(
        name=user["name"],
        email=user["email"],
        is_site_admin=user["is_site_admin"],
        lieux=[
            (
                LieuSummary(
                    id=m["lieu.id"],
                    slug=m["lieu.slug"],
                    name=m["lieu.name"],
                    town=m["lieu.town"],
                    legal_form=m["lieu.legal_form"],
                    territory=m["lieu.territory"],
                    description=m["lieu.description"],
                ),
                bool(m["is_admin"]),
            )
            for m in memberships
        ],
        coordinated=[
            _network_summary({k.removeprefix("network."): v for k, v in c.items()})
            for c in coordinated
        ],
        cofunder_orgs=[o["org.name"] for o in orgs],
    )


async def lieu_for_edit(actor: Actor, slug: str) -> dict[str, object]:
    row = await Lieu.select().where(Lieu.slug == slug).first()
    if row is None:
        raise NotFound("lieu", slug)
    return row


class DiagnosisSettings(msgspec.Struct, frozen=True):
    criteria: list[str]
    quorum: int


async def diagnosis_settings(actor: Actor, network_id: int) -> DiagnosisSettings:
    from cobudget.db.tables import Criterion

    require(actor, Action.NETWORK_CONFIGURE, Target(network_id=network_id))
    network = await Network.select(Network.quorum).where(Network.id == network_id).first()
    rows = (
        await Criterion.select(Criterion.name)
        .where(Criterion.network == network_id)
        .order_by(Criterion.position)
    )
    return DiagnosisSettings(
        criteria=[row["name"] for row in rows], quorum=int(network["quorum"]) if network else 3
    )
