"""Load who is asking, with the roles the permission policy needs (SPEC §2)."""

from __future__ import annotations

from cobudget.db.tables import CofunderPerson, Coordinator, Membership, User
from cobudget.domain.permissions import VISITOR, Actor


async def load_actor(user_id: int | None) -> Actor:
    if user_id is None:
        return VISITOR
    user = await User.select(User.id, User.is_site_admin).where(User.id == user_id).first()
    if user is None:
        return VISITOR
    coordinated = await Coordinator.select(Coordinator.network).where(Coordinator.user == user_id)
    memberships = await Membership.select(Membership.lieu, Membership.is_admin).where(
        Membership.user == user_id
    )
    orgs = await CofunderPerson.select(CofunderPerson.org).where(CofunderPerson.user == user_id)
    return Actor(
        user_id=user_id,
        is_site_admin=bool(user["is_site_admin"]),
        coordinator_of=frozenset(row["network"] for row in coordinated),
        member_of=frozenset(row["lieu"] for row in memberships),
        lieu_admin_of=frozenset(row["lieu"] for row in memberships if row["is_admin"]),
        cofunder_of=frozenset(row["org"] for row in orgs),
    )
