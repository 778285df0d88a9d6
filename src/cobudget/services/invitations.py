"""Invitations by email: the one way into a network (lieu admins, members, co-funders,
coordinators). The link carries a secret token; accepting it creates the account if needed and
grants the role the invitation was for."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import msgspec

from cobudget.db.tables import (
    CofunderPerson,
    CofundingOrg,
    Coordinator,
    Invitation,
    Lieu,
    Membership,
    Network,
    User,
)
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain.errors import InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.services import audit, limits, outbox
from cobudget.services.clock import now
from cobudget.services.limits import Limit
from cobudget.services.passwords import hash_password
from cobudget.services.tokens import new_token, token_hash
from cobudget.settings import Settings

VALID_FOR = dt.timedelta(days=14)
HOUR = 3600
DAY = 24 * HOUR


class InvitationKind(StrEnum):
    LIEU_ADMIN = "lieu_admin"
    MEMBER = "member"
    COFUNDER = "cofunder"
    COORDINATOR = "coordinator"


class InvitationView(msgspec.Struct, frozen=True):
    kind: str
    email: str
    network_name: str
    lieu_name: str | None
    org_name: str | None
    account_exists: bool


async def create(
    settings: Settings,
    actor: Actor,
    *,
    kind: InvitationKind,
    email: str,
    network_id: int,
    lieu_id: int | None = None,
    org_id: int | None = None,
) -> None:
    """Store an invitation and write its email; call inside the use case's transaction, after
    `reserve` outside it."""
    token, hashed = new_token()
    moment = now()
    await Invitation.insert(
        Invitation(
            token_hash=hashed,
            kind=kind.value,
            email=email,
            network=network_id,
            lieu=lieu_id,
            org=org_id,
            invited_by=actor.user_id,
            created_at=moment,
            expires_at=moment + VALID_FOR,
        )
    )
    view = await _view_of(kind.value, email, network_id, lieu_id, org_id)
    inviter = await User.select(User.name).where(User.id == actor.user_id).first()
    await outbox.enqueue(
        email,
        f"invitation_{kind.value}",
        invitation=view,
        inviter=inviter["name"] if inviter else "",
        link=f"{settings.base_url}/invitations/{token}",
    )


async def reserve(
    settings: Settings, *, email: str, network_id: int, lieu_id: int | None = None
) -> None:
    """Count one invitation against the day's limits of the invited address, the network and
    the inviting lieu, so nobody can mail an address again and again or send a flood from one
    lieu; `TooManyAttempts` before anything is written.

    In a short transaction of its own, before the use case's: the count is serialised per key
    (services/limits.py), and holding that for a whole use case would queue every invitation of
    a network behind the slowest one. An invitation refused later still counts: it was tried."""
    rules = [
        Limit(f"invite-email:{email}", settings.invitations_per_email_per_day, DAY),
        Limit(f"invite-network:{network_id}", settings.invitations_per_network_per_day, DAY),
    ]
    if lieu_id is not None:
        rules.append(Limit(f"invite-lieu:{lieu_id}", settings.invitations_per_lieu_per_day, DAY))
    async with write_transaction():
        await limits.reserve(rules, action="invitation")


async def _view_of(
    kind: str, email: str, network_id: int, lieu_id: int | None, org_id: int | None
) -> InvitationView:
    network = await Network.select(Network.name).where(Network.id == network_id).first()
    lieu = await Lieu.select(Lieu.name).where(Lieu.id == lieu_id).first() if lieu_id else None
    org = (
        await CofundingOrg.select(CofundingOrg.name).where(CofundingOrg.id == org_id).first()
        if org_id
        else None
    )
    return InvitationView(
        kind=kind,
        email=email,
        network_name=network["name"] if network else "",
        lieu_name=lieu["name"] if lieu else None,
        org_name=org["name"] if org else None,
        account_exists=await User.exists().where(User.email == email),
    )


async def _by_token(token: str) -> dict[str, object]:
    invitation = await Invitation.select().where(Invitation.token_hash == token_hash(token)).first()
    if invitation is None:
        raise NotFound("invitation", "token")
    return invitation


async def _pending(token: str) -> dict[str, object]:
    return _still_pending(await _by_token(token))


def _still_pending(invitation: dict[str, object]) -> dict[str, object]:
    if invitation["accepted_at"] is not None:
        raise NotFound("invitation", "token")
    if invitation["expires_at"] < now():  # type: ignore[operator]
        raise NotFound("invitation", "expired")
    return invitation


async def describe(token: str) -> InvitationView:
    invitation = await _pending(token)
    return await _view_of(
        str(invitation["kind"]),
        str(invitation["email"]),
        int(str(invitation["network"])),
        invitation["lieu"],
        invitation["org"],  # type: ignore[arg-type]
    )


async def accept(
    settings: Settings,
    actor: Actor,
    *,
    token: str,
    address: str,
    name: str | None = None,
    password: str | None = None,
    confirmation: str | None = None,
) -> int:
    """Accept an invitation and return the user id to log in.

    A new email signs up here (name and password; sign-ups are limited per client address,
    before the password is hashed); an existing account must be logged in as that account, so
    nobody can attach a role to someone else's account. The invitation's row is held while it
    is accepted: the same invitation accepted twice at once grants once, and the second
    request of the invited account gets the same answer as the first.
    """
    invitation = await _by_token(token)
    email = str(invitation["email"])
    existing = await User.select(User.id).where(User.email == email).first()
    invited_is_actor = existing is not None and actor.user_id == existing["id"]
    if invitation["accepted_at"] is not None and invited_is_actor:
        return int(existing["id"])  # type: ignore[index]
    _still_pending(invitation)
    new_hash = None
    if existing is None:
        checker = Checker()
        name = checker.text("name", name, max_length=120)
        password = checker.password("password", password, confirmation)
        checker.raise_if_any()
        async with write_transaction():
            await limits.reserve(
                [Limit(f"signup:{address[:200]}", settings.signups_per_address_per_hour, HOUR)],
                action="signup",
            )
        new_hash = await hash_password(password)
    elif not invited_is_actor:
        raise NotAllowed("invitation.accept", "log_in_as_invited_account")
    async with write_transaction():
        await for_update(Invitation.select(Invitation.id).where(Invitation.id == invitation["id"]))
        invitation = await _by_token(token)  # again, holding its row: accepted once
        if invitation["accepted_at"] is not None and invited_is_actor:
            return int(existing["id"])  # type: ignore[index]
        _still_pending(invitation)
        if existing is None:
            # Another invitation to this email accepted at the same moment made the account.
            rows = (
                await User.insert(
                    User(email=email, name=name, password_hash=new_hash, created_at=now())
                )
                .on_conflict(action="DO NOTHING")
                .returning(User.id)
            )
            if not rows:
                raise InvalidInput({"email": "email_taken"})
            user_id = int(rows[0]["id"])
            await outbox.enqueue(email, "welcome", name=name)
        else:
            user_id = int(existing["id"])
        await _grant(invitation, user_id)
        await Invitation.update({Invitation.accepted_at: now()}).where(
            Invitation.id == invitation["id"]
        )
        await audit.record(
            Actor(user_id=user_id),
            "invitation.accept",
            entity="invitation",
            entity_id=int(str(invitation["id"])),
            network_id=invitation["network"],  # type: ignore[arg-type]
            after={"kind": invitation["kind"], "user_id": user_id},
        )
    return user_id


async def _grant(invitation: dict[str, object], user_id: int) -> None:
    kind = InvitationKind(str(invitation["kind"]))
    if kind in (InvitationKind.LIEU_ADMIN, InvitationKind.MEMBER):
        # One membership per person and lieu (a unique index): another invitation to the same
        # lieu accepted at the same moment has granted it already, and that is no error.
        is_admin = kind == InvitationKind.LIEU_ADMIN
        await Membership.insert(
            Membership(user=user_id, lieu=invitation["lieu"], is_admin=is_admin)
        ).on_conflict(action="DO NOTHING")
        if is_admin:
            await (
                Membership.update({Membership.is_admin: True})
                .where(Membership.user == user_id)
                .where(Membership.lieu == invitation["lieu"])
            )
    elif kind == InvitationKind.COFUNDER:
        if (
            not await CofunderPerson.exists()
            .where(CofunderPerson.user == user_id)
            .where(CofunderPerson.org == invitation["org"])
        ):
            await CofunderPerson.insert(CofunderPerson(user=user_id, org=invitation["org"]))
    elif (
        not await Coordinator.exists()
        .where(Coordinator.user == user_id)
        .where(Coordinator.network == invitation["network"])
    ):
        await Coordinator.insert(Coordinator(user=user_id, network=invitation["network"]))
