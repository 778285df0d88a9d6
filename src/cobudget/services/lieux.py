"""Coordinators invite lieux and set their status; lieu admins edit them and invite people."""

from __future__ import annotations

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Lieu, Membership, NetworkLieu
from cobudget.db.transactions import inserted_id, write_transaction
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, require
from cobudget.domain.validation import Checker, LegalForm, slugify
from cobudget.services import audit, invitations
from cobudget.services.clock import now
from cobudget.services.invitations import InvitationKind
from cobudget.services.targets import lieu_target, network_target
from cobudget.settings import Settings

MAX_WEIGHT = 100


class _Slug(msgspec.Struct, frozen=True):
    slug: str


async def _unique_slug(name: str) -> str:
    """The name's slug, numbered after the ones taken (read in one query, not one a try)."""
    base = slugify(name)
    taken = {
        row.slug
        for row in await fetch(
            Lieu.select(Lieu.slug).where((Lieu.slug == base) | Lieu.slug.like(f"{base}-%")),
            _Slug,
        )
    }
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


async def invite_lieu(
    settings: Settings,
    actor: Actor,
    *,
    network_id: int,
    name: str,
    town: str,
    legal_form: str,
    territory: str,
    description: str,
    email: str,
    weight: str | int = 1,
) -> int:
    """Add a lieu to the network and invite its first admin by email; return the lieu id."""
    require(actor, Action.LIEU_INVITE, await network_target(network_id))
    checker = Checker()
    name = checker.text("name", name, max_length=120)
    town = checker.text("town", town, max_length=120)
    legal_form = checker.choice("legal_form", legal_form, LegalForm)
    territory = checker.text("territory", territory, max_length=120, required=False)
    description = checker.text("description", description, max_length=2000, required=False)
    email = checker.email("email", email)
    weight = checker.positive_int("weight", weight, maximum=MAX_WEIGHT)
    checker.raise_if_any()
    await invitations.reserve(settings, email=email, network_id=network_id)
    async with write_transaction():
        same_name = (
            NetworkLieu.select(NetworkLieu.id)
            .where(NetworkLieu.network == network_id)
            .where(NetworkLieu.lieu.name == name)
        )
        if await same_name.first():
            raise InvalidInput({"name": "lieu_name_taken"})
        after = {
            "name": name,
            "town": town,
            "legal_form": legal_form,
            "territory": territory,
            "weight": weight,
        }
        lieu_id = await inserted_id(
            Lieu.insert(
                Lieu(
                    slug=await _unique_slug(name),
                    name=name,
                    town=town,
                    legal_form=legal_form,
                    territory=territory,
                    description=description,
                    created_at=now(),
                )
            ).returning(Lieu.id)
        )
        await NetworkLieu.insert(
            NetworkLieu(network=network_id, lieu=lieu_id, weight=weight, joined_at=now())
        )
        await invitations.create(
            settings,
            actor,
            kind=InvitationKind.LIEU_ADMIN,
            email=email,
            network_id=network_id,
            lieu_id=lieu_id,
        )
        await audit.record(
            actor,
            "lieu.invite",
            entity="lieu",
            entity_id=lieu_id,
            network_id=network_id,
            after={**after, "email": email},
        )
    return lieu_id


async def set_lieu_status(
    actor: Actor,
    *,
    network_id: int,
    lieu_id: int,
    legal_form: str,
    territory: str,
    weight: str | int,
) -> None:
    """A coordinator sets a lieu's legal form, territory and weight in the network."""
    target = await lieu_target(lieu_id)
    if network_id not in target.lieu_network_ids:
        raise NotFound("lieu", lieu_id)
    require(actor, Action.LIEU_SET_STATUS, target)
    checker = Checker()
    legal_form = checker.choice("legal_form", legal_form, LegalForm)
    territory = checker.text("territory", territory, max_length=120, required=False)
    weight = checker.positive_int("weight", weight, maximum=MAX_WEIGHT)
    checker.raise_if_any()
    async with write_transaction():
        before = await fetch_one(
            Lieu.select(Lieu.legal_form, Lieu.territory).where(Lieu.id == lieu_id).first(),
            _Status,
        )
        link = await fetch_one(
            NetworkLieu.select(NetworkLieu.weight)
            .where(NetworkLieu.lieu == lieu_id)
            .where(NetworkLieu.network == network_id)
            .first(),
            _Weight,
        )
        await Lieu.update({Lieu.legal_form: legal_form, Lieu.territory: territory}).where(
            Lieu.id == lieu_id
        )
        await (
            NetworkLieu.update({NetworkLieu.weight: weight})
            .where(NetworkLieu.lieu == lieu_id)
            .where(NetworkLieu.network == network_id)
        )
        await audit.record(
            actor,
            "lieu.set_status",
            entity="lieu",
            entity_id=lieu_id,
            network_id=network_id,
            before={
                **(msgspec.structs.asdict(before) if before else {}),
                "weight": link.weight if link else None,
            },
            after={"legal_form": legal_form, "territory": territory, "weight": weight},
        )


class _Status(msgspec.Struct, frozen=True):
    legal_form: str
    territory: str


class _Weight(msgspec.Struct, frozen=True):
    weight: int


class _Profile(msgspec.Struct, frozen=True):
    name: str
    town: str
    territory: str
    description: str
    website: str
    address: str
    contact_email: str
    contact_phone: str


async def edit_profile(
    actor: Actor,
    *,
    lieu_id: int,
    name: str,
    town: str,
    description: str,
    website: str,
    territory: str = "",
    address: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> None:
    """A lieu admin edits its public profile: name, town, territory, postal address, a
    public contact (email and/or phone, each optional), description and website."""
    require(actor, Action.LIEU_EDIT_PROFILE, await lieu_target(lieu_id))
    checker = Checker()
    fields = {
        "name": checker.text("name", name, max_length=120),
        "town": checker.text("town", town, max_length=120),
        "territory": checker.text("territory", territory, max_length=120, required=False),
        "description": checker.text("description", description, max_length=2000, required=False),
        "website": checker.text("website", website, max_length=300, required=False),
        "address": checker.text("address", address, max_length=400, required=False),
        "contact_email": checker.optional_email("contact_email", contact_email),
        "contact_phone": checker.phone("contact_phone", contact_phone),
    }
    if fields["website"] and not fields["website"].startswith(("https://", "http://")):
        checker.fail("website", "invalid_url")
    checker.raise_if_any()
    async with write_transaction():
        before = await fetch_one(
            Lieu.select(*(getattr(Lieu, key) for key in _Profile.__struct_fields__))
            .where(Lieu.id == lieu_id)
            .first(),
            _Profile,
        )
        await Lieu.update({getattr(Lieu, key): value for key, value in fields.items()}).where(
            Lieu.id == lieu_id
        )
        await audit.record(
            actor,
            "lieu.edit_profile",
            entity="lieu",
            entity_id=lieu_id,
            before=msgspec.structs.asdict(before) if before else None,
            after=fields,
        )


async def invite_person(
    settings: Settings, actor: Actor, *, lieu_id: int, email: str, as_admin: bool
) -> None:
    """A lieu admin invites a person to the lieu (as member, or as another admin)."""
    target = await lieu_target(lieu_id)
    require(actor, Action.PERSON_INVITE, target)
    checker = Checker()
    email = checker.email("email", email)
    checker.raise_if_any()
    network_id = min(target.lieu_network_ids) if target.lieu_network_ids else None
    if network_id is None:
        raise NotFound("network", None)
    await invitations.reserve(settings, email=email, network_id=network_id, lieu_id=lieu_id)
    async with write_transaction():
        member = (
            Membership.select(Membership.id)
            .where(Membership.lieu == lieu_id)
            .where(Membership.user.email == email)
        )
        if await member.first():
            raise InvalidInput({"email": "already_member"})
        await invitations.create(
            settings,
            actor,
            kind=InvitationKind.LIEU_ADMIN if as_admin else InvitationKind.MEMBER,
            email=email,
            network_id=network_id,
            lieu_id=lieu_id,
        )
        await audit.record(
            actor,
            "person.invite",
            entity="lieu",
            entity_id=lieu_id,
            network_id=network_id,
            after={"email": email, "as_admin": as_admin},
        )
