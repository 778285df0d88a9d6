"""Who keeps a lieu running: a lieu always keeps at least one admin (issue 17).

A lieu's people are its memberships, each an admin or not. A change (a role, a removal, a
departure) is refused when it would leave a lieu that has an admin with none: nobody could
then invite, edit the profile or pledge the lieu's own money. The services hold every
membership row of the lieu while they ask, so two admins demoting each other at once are
decided one after the other, and the second sees the first's change.
"""

from __future__ import annotations

from collections.abc import Mapping

from cobudget.domain.errors import InvalidInput


class Role:
    ADMIN = "admin"
    MEMBER = "member"
    ALL = (ADMIN, MEMBER)


def admins_after(admins: Mapping[int, bool], user_id: int, becomes_admin: bool | None) -> int:
    """How many admins the lieu has once `user_id` becomes admin (True), member (False) or
    leaves (None); `admins` maps each person of the lieu to whether they administer it."""
    after = dict(admins)
    if becomes_admin is None:
        after.pop(user_id, None)
    elif user_id in after:
        after[user_id] = becomes_admin
    return sum(after.values())


def check_change(admins: Mapping[int, bool], user_id: int, becomes_admin: bool | None) -> None:
    """Raise `InvalidInput(person: not_a_member)` when `user_id` is not one of the lieu's
    people, `InvalidInput(person: last_admin)` when the change would leave the lieu, which has
    an admin, without one."""
    if user_id not in admins:
        raise InvalidInput({"person": "not_a_member"})
    if any(admins.values()) and admins_after(admins, user_id, becomes_admin) == 0:
        raise InvalidInput({"person": "last_admin"})


def check_coordinator_removal(coordinators: frozenset[int], user_id: int) -> None:
    """A network keeps at least one coordinator (someone must open envelopes, invite lieux,
    close rounds): removing the last one is refused, `InvalidInput(coordinator: …)`."""
    if user_id not in coordinators:
        raise InvalidInput({"coordinator": "not_a_coordinator"})
    if len(coordinators) == 1:
        raise InvalidInput({"coordinator": "last_coordinator"})
