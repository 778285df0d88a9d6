"""Site admins create networks and appoint their coordinators (SPEC §2)."""

from __future__ import annotations

import msgspec

from cobudget.db.rows import fetch_one
from cobudget.db.tables import Coordinator, Network, User
from cobudget.db.transactions import inserted_id, write_transaction
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.validation import Checker, slugify
from cobudget.services import audit, invitations, outbox
from cobudget.services.clock import now
from cobudget.services.invitations import InvitationKind
from cobudget.services.targets import network_target
from cobudget.settings import Settings


async def create_network(
    actor: Actor, *, name: str, region: str, description: str, is_public: bool
) -> str:
    """Create a network; return its slug."""
    require(actor, Action.NETWORK_CREATE, Target())
    checker = Checker()
    name = checker.text("name", name, max_length=120)
    region = checker.text("region", region, max_length=120, required=False)
    description = checker.text("description", description, max_length=4000, required=False)
    checker.raise_if_any()
    slug = slugify(name)
    async with write_transaction():
        if await Network.exists().where((Network.name == name) | (Network.slug == slug)):
            raise InvalidInput({"name": "network_name_taken"})
        after = {"name": name, "slug": slug, "region": region, "is_public": is_public}
        network_id = await inserted_id(
            Network.insert(
                Network(
                    name=name,
                    slug=slug,
                    region=region,
                    description=description,
                    is_public=is_public,
                    created_at=now(),
                )
            ).returning(Network.id)
        )
        await audit.record(
            actor,
            "network.create",
            entity="network",
            entity_id=network_id,
            network_id=network_id,
            after=after,
        )
    return slug


class _Person(msgspec.Struct, frozen=True):
    id: int
    name: str


class _Network(msgspec.Struct, frozen=True):
    name: str
    slug: str


async def appoint_coordinator(
    settings: Settings, actor: Actor, *, network_id: int, email: str
) -> None:
    """Make a person coordinator: at once if they have an account, else by invitation."""
    require(actor, Action.COORDINATOR_APPOINT, await network_target(network_id))
    checker = Checker()
    email = checker.email("email", email)
    checker.raise_if_any()
    await invitations.reserve(settings, email=email, network_id=network_id)
    async with write_transaction():
        user = await fetch_one(
            User.select(User.id, User.name).where(User.email == email).first(), _Person
        )
        if user is None:
            await invitations.create(
                settings,
                actor,
                kind=InvitationKind.COORDINATOR,
                email=email,
                network_id=network_id,
            )
        elif (
            await Coordinator.exists()
            .where(Coordinator.user == user.id)
            .where(Coordinator.network == network_id)
        ):
            raise InvalidInput({"email": "already_coordinator"})
        else:
            await Coordinator.insert(Coordinator(user=user.id, network=network_id))
            network = await fetch_one(
                Network.select(Network.name, Network.slug).where(Network.id == network_id).first(),
                _Network,
            )
            await outbox.enqueue(
                email,
                "coordinator_appointed",
                name=user.name,
                network=network,
                link=f"{settings.base_url}/reseaux/{network.slug if network else ''}/gerer",
            )
        await audit.record(
            actor,
            "coordinator.appoint",
            entity="network",
            entity_id=network_id,
            network_id=network_id,
            after={"email": email, "invited": user is None},
        )
