"""Invitations by email: the one way into a network (lieu admins, members, co-funders,
coordinators). The link carries a secret token; accepting it creates the account if needed and
grants the role the invitation was for."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import msgspec
from piccolo.columns import Column

from cobudget import i18n
from cobudget.db.rows import fetch, fetch_one
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
from cobudget.db.transactions import RowId, for_update, inserted_ids, write_transaction
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
    `reserve` outside it.

    Inviting an address that already has a pending invitation to the same place (network, lieu
    or organisation) refreshes that one instead of adding a second: a new link (the old one
    stops working), a new expiry, the role now chosen. The person gets one invitation to
    accept, not two that grant different roles."""
    token, hashed = new_token()
    moment = now()
    pending = (
        Invitation.select(Invitation.id)
        .where(Invitation.email == email)
        .where(Invitation.accepted_at.is_null())
        .where(Invitation.expires_at > moment)
        .where(Invitation.network == network_id)
        .where(Invitation.lieu == lieu_id if lieu_id is not None else Invitation.lieu.is_null())
        .where(Invitation.org == org_id if org_id is not None else Invitation.org.is_null())
    )
    earlier = [row.id for row in await fetch(pending, _Id)]
    fields: dict[Column | str, Any] = {
        "token_hash": hashed,
        "kind": kind.value,
        "invited_by": actor.user_id,
        "created_at": moment,
        "expires_at": moment + VALID_FOR,
    }
    if earlier:
        await Invitation.update(fields).where(Invitation.id.is_in(earlier[:1]))
        if earlier[1:]:  # two made at once before this rule: one is enough
            await Invitation.delete().where(Invitation.id.is_in(earlier[1:]))
    else:
        await Invitation.insert(
            Invitation(
                email=email,
                network=network_id,
                lieu=lieu_id,
                org=org_id,
                **fields,  # type: ignore[arg-type]
            )
        )
    await _send(settings, actor, token, kind.value, email, network_id, lieu_id, org_id)


async def _send(
    settings: Settings,
    actor: Actor,
    token: str,
    kind: str,
    email: str,
    network_id: int,
    lieu_id: int | None,
    org_id: int | None,
) -> None:
    """Write the invitation's email, with its link, into the outbox (in the transaction)."""
    view = await _view_of(kind, email, network_id, lieu_id, org_id)
    inviter = await fetch_one(User.select(User.name).where(User.id == actor.user_id).first(), _Name)
    await outbox.enqueue(
        email,
        f"invitation_{kind}",
        invitation=view,
        inviter=inviter.name if inviter else "",
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


class _Name(msgspec.Struct, frozen=True):
    name: str


class _Id(msgspec.Struct, frozen=True):
    id: int


async def _view_of(
    kind: str, email: str, network_id: int, lieu_id: int | None, org_id: int | None
) -> InvitationView:
    network = await fetch_one(
        Network.select(Network.name).where(Network.id == network_id).first(), _Name
    )
    lieu = (
        await fetch_one(Lieu.select(Lieu.name).where(Lieu.id == lieu_id).first(), _Name)
        if lieu_id
        else None
    )
    org = (
        await fetch_one(
            CofundingOrg.select(CofundingOrg.name).where(CofundingOrg.id == org_id).first(), _Name
        )
        if org_id
        else None
    )
    return InvitationView(
        kind=kind,
        email=email,
        network_name=network.name if network else "",
        lieu_name=lieu.name if lieu else None,
        org_name=org.name if org else None,
        account_exists=await User.exists().where(User.email == email),
    )


class InvitationRow(msgspec.Struct, frozen=True):
    """An invitation's row, as accepting, cancelling or resending it reads it."""

    id: int
    kind: str
    email: str
    network: int | None
    lieu: int | None
    org: int | None
    expires_at: dt.datetime
    accepted_at: dt.datetime | None


async def _by_token(token: str) -> InvitationRow:
    invitation = await fetch_one(
        Invitation.select(*(getattr(Invitation, name) for name in InvitationRow.__struct_fields__))
        .where(Invitation.token_hash == token_hash(token))
        .first(),
        InvitationRow,
    )
    if invitation is None:
        raise NotFound("invitation", "token")
    return invitation


async def _pending(token: str) -> InvitationRow:
    return _still_pending(await _by_token(token))


def _still_pending(invitation: InvitationRow) -> InvitationRow:
    if invitation.accepted_at is not None:
        raise NotFound("invitation", "token")
    if invitation.expires_at < now():
        raise NotFound("invitation", "expired")
    return invitation


async def describe(token: str) -> InvitationView:
    invitation = await _pending(token)
    return await _view_of(
        invitation.kind, invitation.email, invitation.network or 0, invitation.lieu, invitation.org
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
    email = invitation.email
    existing = await fetch_one(User.select(User.id).where(User.email == email).first(), RowId)
    invited_is_actor = existing is not None and actor.user_id == existing.id
    if existing is not None and invitation.accepted_at is not None and invited_is_actor:
        return existing.id
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
        await for_update(Invitation.select(Invitation.id).where(Invitation.id == invitation.id))
        invitation = await _by_token(token)  # again, holding its row: accepted once
        if existing is not None and invitation.accepted_at is not None and invited_is_actor:
            return existing.id
        _still_pending(invitation)
        if existing is None:
            # Another invitation to this email accepted at the same moment made the account.
            ids = await inserted_ids(
                User.insert(
                    User(
                        email=email,
                        name=name,
                        password_hash=new_hash,
                        created_at=now(),
                        locale=i18n.current_locale(),  # the language the sign-up was read in
                    )
                )
                .on_conflict(action="DO NOTHING")
                .returning(User.id)
            )
            if not ids:
                raise InvalidInput({"email": "email_taken"})
            user_id = ids[0]
            await outbox.enqueue(email, "welcome", name=name)
        else:
            user_id = existing.id
        await _grant(invitation, user_id)
        await Invitation.update({Invitation.accepted_at: now()}).where(
            Invitation.id == invitation.id
        )
        await audit.record(
            Actor(user_id=user_id),
            "invitation.accept",
            entity="invitation",
            entity_id=invitation.id,
            network_id=invitation.network,
            after={"kind": invitation.kind, "user_id": user_id},
        )
    return user_id


async def _grant(invitation: InvitationRow, user_id: int) -> None:
    kind = InvitationKind(invitation.kind)
    if kind in (InvitationKind.LIEU_ADMIN, InvitationKind.MEMBER):
        # One membership per person and lieu (a unique index): another invitation to the same
        # lieu accepted at the same moment has granted it already, and that is no error.
        is_admin = kind == InvitationKind.LIEU_ADMIN
        await Membership.insert(
            Membership(user=user_id, lieu=invitation.lieu, is_admin=is_admin)
        ).on_conflict(action="DO NOTHING")
        if is_admin:
            await (
                Membership.update({Membership.is_admin: True})
                .where(Membership.user == user_id)
                .where(Membership.lieu == invitation.lieu)
            )
    elif kind == InvitationKind.COFUNDER:
        if (
            not await CofunderPerson.exists()
            .where(CofunderPerson.user == user_id)
            .where(CofunderPerson.org == invitation.org)
        ):
            await CofunderPerson.insert(CofunderPerson(user=user_id, org=invitation.org))
    elif (
        not await Coordinator.exists()
        .where(Coordinator.user == user_id)
        .where(Coordinator.network == invitation.network)
    ):
        await Coordinator.insert(Coordinator(user=user_id, network=invitation.network))


async def not_accepted(invitation_id: int) -> InvitationRow:
    """An invitation not accepted yet (expired or not), read to check who may cancel or resend
    it; `NotFound` otherwise."""
    invitation = await _by_id(invitation_id)
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("invitation", invitation_id)
    return invitation


async def _by_id(invitation_id: int) -> InvitationRow | None:
    return await fetch_one(
        Invitation.select(*(getattr(Invitation, name) for name in InvitationRow.__struct_fields__))
        .where(Invitation.id == invitation_id)
        .first(),
        InvitationRow,
    )


async def _held(invitation: InvitationRow) -> InvitationRow:
    """Inside the write transaction: the invitation again, its row held, still not accepted
    (an acceptance holds the same row: one of the two comes first, and the other sees it)."""
    await for_update(Invitation.select(Invitation.id).where(Invitation.id == invitation.id))
    again = await _by_id(invitation.id)
    if again is None or again.accepted_at is not None:
        raise InvalidInput({"invitation": "invitation_gone"})
    return again


async def cancel(actor: Actor, invitation: InvitationRow) -> None:
    """Cancel an invitation not accepted yet (its link stops working), once the caller has
    checked the actor may; audited."""
    async with write_transaction():
        invitation = await _held(invitation)
        await Invitation.delete().where(Invitation.id == invitation.id)
        await audit.record(
            actor,
            "invitation.cancel",
            entity="invitation",
            entity_id=invitation.id,
            network_id=invitation.network,
            before={"kind": invitation.kind, "email": invitation.email, "lieu": invitation.lieu},
        )


async def resend(settings: Settings, actor: Actor, invitation: InvitationRow) -> None:
    """Send an invitation not accepted yet again, once the caller has checked the actor may:
    a new link (the old one stops working), a new expiry, the email through the outbox. It
    counts against the day's invitation limits like a new one (`reserve`)."""
    network_id = invitation.network or 0
    await reserve(settings, email=invitation.email, network_id=network_id, lieu_id=invitation.lieu)
    async with write_transaction():
        invitation = await _held(invitation)
        token, hashed = new_token()
        moment = now()
        await Invitation.update(
            {
                Invitation.token_hash: hashed,
                Invitation.invited_by: actor.user_id,
                Invitation.created_at: moment,
                Invitation.expires_at: moment + VALID_FOR,
            }
        ).where(Invitation.id == invitation.id)
        await _send(
            settings,
            actor,
            token,
            invitation.kind,
            invitation.email,
            network_id,
            invitation.lieu,
            invitation.org,
        )
        await audit.record(
            actor,
            "invitation.resend",
            entity="invitation",
            entity_id=invitation.id,
            network_id=invitation.network,
            before={"expires_at": invitation.expires_at.isoformat()},
            after={"kind": invitation.kind, "email": invitation.email, "lieu": invitation.lieu},
        )
