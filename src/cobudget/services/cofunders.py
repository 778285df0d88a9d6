"""Coordinators invite co-funding organisations (collectivités, fondations, companies)."""

from __future__ import annotations

from cobudget.db.tables import CofundingOrg
from cobudget.db.transactions import inserted_id, write_transaction
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, Actor, require
from cobudget.domain.validation import Checker, CofunderKind
from cobudget.services import audit, invitations
from cobudget.services.clock import now
from cobudget.services.invitations import InvitationKind
from cobudget.services.targets import network_target
from cobudget.settings import Settings


async def invite_cofunder(
    settings: Settings,
    actor: Actor,
    *,
    network_id: int,
    name: str,
    kind: str,
    description: str,
    email: str,
) -> int:
    """Add a co-funding organisation to the network and invite its contact; return its id."""
    require(actor, Action.COFUNDER_INVITE, await network_target(network_id))
    checker = Checker()
    name = checker.text("name", name, max_length=120)
    kind = checker.choice("kind", kind, CofunderKind)
    description = checker.text("description", description, max_length=2000, required=False)
    email = checker.email("email", email)
    checker.raise_if_any()
    await invitations.reserve(settings, email=email, network_id=network_id)
    async with write_transaction():
        if (
            await CofundingOrg.exists()
            .where(CofundingOrg.network == network_id)
            .where(CofundingOrg.name == name)
        ):
            raise InvalidInput({"name": "cofunder_name_taken"})
        org_id = await inserted_id(
            CofundingOrg.insert(
                CofundingOrg(
                    network=network_id,
                    name=name,
                    kind=kind,
                    description=description,
                    created_at=now(),
                )
            ).returning(CofundingOrg.id)
        )
        await invitations.create(
            settings,
            actor,
            kind=InvitationKind.COFUNDER,
            email=email,
            network_id=network_id,
            org_id=org_id,
        )
        await audit.record(
            actor,
            "cofunder.invite",
            entity="cofunding_org",
            entity_id=org_id,
            network_id=network_id,
            after={"name": name, "kind": kind, "email": email},
        )
    return org_id
