"""The site admin's hold on a network's coordination (issue 17): remove a coordinator (never
the last one: a network with nobody to open envelopes, invite lieux or close rounds would be
stuck), cancel or resend a pending appointment (an invitation of kind coordinator). Appointing
is `networks.appoint_coordinator`."""

from __future__ import annotations

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import Coordinator
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain import people
from cobudget.domain.errors import ConfirmationNeeded, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.services import audit, invitations
from cobudget.services.invitations import InvitationKind, InvitationRow
from cobudget.services.targets import network_target
from cobudget.settings import Settings


class _Coordinator(msgspec.Struct, frozen=True):
    user: int


async def remove_coordinator(
    actor: Actor, *, network_id: int, user_id: int, confirmed: bool
) -> None:
    """Remove a person from a network's coordination: they lose its rights at once. Every
    coordinator row of the network is held while the rule is asked, so two removals at once
    cannot leave the network with none. Confirmed first."""
    require(actor, Action.COORDINATOR_REMOVE, await network_target(network_id))
    async with write_transaction():
        rows = await fetch(
            for_update(
                Coordinator.select(Coordinator.user).where(Coordinator.network == network_id)
            ),
            _Coordinator,
        )
        people.check_coordinator_removal(frozenset(row.user for row in rows), user_id)
        if not confirmed:
            raise ConfirmationNeeded("coordinator.remove")
        await (
            Coordinator.delete()
            .where(Coordinator.network == network_id)
            .where(Coordinator.user == user_id)
        )
        await audit.record(
            actor,
            "coordinator.remove",
            entity="network",
            entity_id=network_id,
            network_id=network_id,
            before={"user_id": user_id},
        )


async def _appointment(actor: Actor, invitation_id: int) -> InvitationRow:
    require(actor, Action.SITE_ADMINISTER, Target())  # before anything is read of it
    invitation = await invitations.not_accepted(invitation_id)
    if invitation.kind != InvitationKind.COORDINATOR or invitation.network is None:
        raise NotFound("invitation", invitation_id)
    require(actor, Action.COORDINATOR_APPOINT, await network_target(invitation.network))
    return invitation


async def cancel_appointment(actor: Actor, *, invitation_id: int) -> None:
    """Cancel a pending appointment: its link stops working."""
    await invitations.cancel(actor, await _appointment(actor, invitation_id))


async def resend_appointment(settings: Settings, actor: Actor, *, invitation_id: int) -> None:
    """Send a pending appointment again: a new link and a new expiry."""
    await invitations.resend(settings, actor, await _appointment(actor, invitation_id))
