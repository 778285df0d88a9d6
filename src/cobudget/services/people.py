"""The people of a lieu (issue 17): a lieu admin changes a role, removes someone, cancels or
resends a pending invitation; a member leaves. A lieu always keeps an admin (`domain.people`),
checked inside the write transaction with every membership row of the lieu held."""

from __future__ import annotations

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import Membership
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain import people
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.services import audit, invitations
from cobudget.services.targets import lieu_target
from cobudget.settings import Settings


class _Membership(msgspec.Struct, frozen=True):
    user: int
    is_admin: bool


async def _held_admins(lieu_id: int) -> dict[int, bool]:
    """Every person of the lieu → whether they administer it, their rows held until the
    transaction ends (PostgreSQL; SQLite's write transactions run one at a time)."""
    rows = await fetch(
        for_update(
            Membership.select(Membership.user, Membership.is_admin).where(
                Membership.lieu == lieu_id
            )
        ),
        _Membership,
    )
    return {row.user: row.is_admin for row in rows}


def _network_of(target: Target) -> int | None:
    """The network a lieu's entries are journalled under (as its invitations are)."""
    return min(target.lieu_network_ids) if target.lieu_network_ids else None


async def change_role(actor: Actor, *, lieu_id: int, user_id: int, role: str) -> None:
    """Make a person of the lieu its admin or a member; the last admin stays."""
    target = await lieu_target(lieu_id)
    require(actor, Action.PERSON_MANAGE, target)
    if role not in people.Role.ALL:
        raise InvalidInput({"role": "invalid_choice"})
    becomes_admin = role == people.Role.ADMIN
    async with write_transaction():
        admins = await _held_admins(lieu_id)
        _still_admin(actor, admins)
        people.check_change(admins, user_id, becomes_admin)
        if admins[user_id] == becomes_admin:
            return
        await (
            Membership.update({Membership.is_admin: becomes_admin})
            .where(Membership.lieu == lieu_id)
            .where(Membership.user == user_id)
        )
        await audit.record(
            actor,
            "person.set_role",
            entity="lieu",
            entity_id=lieu_id,
            network_id=_network_of(target),
            before={"user_id": user_id, "is_admin": admins[user_id]},
            after={"user_id": user_id, "is_admin": becomes_admin},
        )


async def remove(actor: Actor, *, lieu_id: int, user_id: int, confirmed: bool) -> None:
    """Remove a person from the lieu: they lose its rights at once (each request reads its
    actor's roles afresh), what they wrote for it stays. Confirmed first."""
    target = await lieu_target(lieu_id)
    require(actor, Action.PERSON_MANAGE, target)
    await _leave(actor, target, user_id, confirmed, "person.remove")


async def leave(actor: Actor, *, lieu_id: int, confirmed: bool) -> None:
    """A person leaves a lieu themselves (not its last admin). Confirmed first."""
    target = await lieu_target(lieu_id)
    require(actor, Action.LIEU_LEAVE, target)
    assert actor.user_id is not None  # a member is logged in
    await _leave(actor, target, actor.user_id, confirmed, "person.leave")


async def _leave(actor: Actor, target: Target, user_id: int, confirmed: bool, action: str) -> None:
    lieu_id = target.lieu_id
    async with write_transaction():
        admins = await _held_admins(lieu_id or 0)
        if action == "person.remove":
            _still_admin(actor, admins)
        people.check_change(admins, user_id, None)
        if not confirmed:
            raise ConfirmationNeeded(action)
        await (
            Membership.delete().where(Membership.lieu == lieu_id).where(Membership.user == user_id)
        )
        await audit.record(
            actor,
            action,
            entity="lieu",
            entity_id=lieu_id,
            network_id=_network_of(target),
            before={"user_id": user_id, "is_admin": admins[user_id]},
        )


def _still_admin(actor: Actor, admins: dict[int, bool]) -> None:
    """The actor administers the lieu now, not only when their request began: another admin
    may have demoted or removed them a moment ago."""
    if not admins.get(actor.user_id or 0, False):
        raise NotAllowed(Action.PERSON_MANAGE.value, "lieu_admin_only")


async def cancel_invitation(actor: Actor, *, lieu_id: int, invitation_id: int) -> None:
    """Cancel a pending invitation to the lieu: its link stops working."""
    target = await lieu_target(lieu_id)
    require(actor, Action.PERSON_MANAGE, target)
    await invitations.cancel(actor, await _of_lieu(lieu_id, invitation_id))


async def resend_invitation(
    settings: Settings, actor: Actor, *, lieu_id: int, invitation_id: int
) -> None:
    """Send a pending invitation to the lieu again: a new link and a new expiry."""
    target = await lieu_target(lieu_id)
    require(actor, Action.PERSON_MANAGE, target)
    await invitations.resend(settings, actor, await _of_lieu(lieu_id, invitation_id))


async def _of_lieu(lieu_id: int, invitation_id: int) -> invitations.InvitationRow:
    invitation = await invitations.not_accepted(invitation_id)
    if invitation.lieu != lieu_id:
        raise NotFound("invitation", invitation_id)
    return invitation
