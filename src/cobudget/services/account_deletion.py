"""Deleting one's own account (issue 17, RGPD article 17).

What the person wrote stays in the public record — comments, questions, answers, the positions
they took for their lieu, challenges, pledges, reports, the audit log — because other people's
work and the network's decisions rest on it; pages sign it « ancien membre ». Their personal
data goes: the `app_user` row is kept (everything above references it, and a foreign key's
cascade must never delete public record) but anonymised, and every row that is only about them
is deleted (see docs/accounts.md for the list).

The last person who administers a lieu, the last coordinator of a network and the last site
admin cannot delete their account: the lieu, the network or the instance would be left with
nobody to manage it, and only they can hand it over (by inviting or appointing someone first).
"""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column

from cobudget.db.rows import fetch
from cobudget.db.tables import (
    AuditEntry,
    CofunderPerson,
    Coordinator,
    EmailChange,
    Invitation,
    LoginAttempt,
    Membership,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PasswordReset,
    User,
    WebSession,
)
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain.errors import ConfirmationNeeded, LoginRequired, NotAllowed
from cobudget.domain.permissions import Actor
from cobudget.services import audit
from cobudget.services.accounts import account_key
from cobudget.services.clock import now
from cobudget.services.my_account import check_password, profile

# A password hash no password matches (argon2 rejects it as malformed, so no login ever passes).
UNUSABLE_PASSWORD = "!deleted"
# Audit entries that may carry the person's email (invitations to them), scrubbed at most.
MAX_AUDIT_SCRUBBED = 10_000


def placeholder_email(user_id: int) -> str:
    """What takes the place of a deleted person's email: unique, and no address (no `@`), so
    nobody can log in with it, be invited at it or be sent anything."""
    return f"ancien-membre-{user_id}"


class _Id(msgspec.Struct, frozen=True):
    id: int


class _Count(msgspec.Struct, frozen=True):
    ref: int
    others: int


async def _refuse_if_last(actor: Actor, user_id: int) -> None:
    """NotAllowed if the person is the last admin of a lieu, the last coordinator of a network
    or the last site admin. Inside the write transaction, the rows read are held (PostgreSQL),
    so two admins of one lieu deleting at once cannot both leave."""
    if actor.lieu_admin_of:
        admins = await fetch(
            for_update(
                Membership.select(
                    Membership.lieu.as_alias("ref"), Membership.user.as_alias("others")
                )
                .where(Membership.lieu.is_in(sorted(actor.lieu_admin_of)))
                .where(Membership.is_admin.eq(True))
            ),
            _Count,
        )
        for lieu in actor.lieu_admin_of:
            if not any(row.ref == lieu and row.others != user_id for row in admins):
                raise NotAllowed("account.delete", "last_lieu_admin")
    if actor.coordinator_of:
        coordinators = await fetch(
            for_update(
                Coordinator.select(
                    Coordinator.network.as_alias("ref"), Coordinator.user.as_alias("others")
                ).where(Coordinator.network.is_in(sorted(actor.coordinator_of)))
            ),
            _Count,
        )
        for network in actor.coordinator_of:
            if not any(row.ref == network and row.others != user_id for row in coordinators):
                raise NotAllowed("account.delete", "last_coordinator")
    if actor.is_site_admin:
        # Every site admin's row held, this one's too: two site admins deleting at once are
        # decided one after the other, and the second sees the first gone.
        site_admins = await fetch(
            for_update(User.select(User.id).where(User.is_site_admin.eq(True))), _Id
        )
        if not any(row.id != user_id for row in site_admins):
            raise NotAllowed("account.delete", "last_site_admin")


async def delete_account(actor: Actor, *, password: str | None, confirmed: bool) -> None:
    """Check the rules, ask for confirmation, check the password, then anonymise the account
    and delete what is only about the person, in one transaction."""
    if actor.user_id is None:
        raise LoginRequired("account.delete")
    user_id = actor.user_id
    async with write_transaction():
        await _refuse_if_last(actor, user_id)
    if not confirmed:
        raise ConfirmationNeeded("account.delete")
    await check_password(user_id, password or "", field="password")
    async with write_transaction():
        person = await profile(user_id)
        if person is None:
            raise LoginRequired("account.delete")
        await _refuse_if_last(actor, user_id)
        email, hidden = person.email, placeholder_email(user_id)
        await User.update(
            {
                User.name: "",
                User.email: hidden,
                User.password_hash: UNUSABLE_PASSWORD,
                User.is_site_admin: False,
                User.locale: "fr",
                User.deleted_at: now(),
            }
        ).where(User.id == user_id)
        for table in (
            WebSession,
            PasswordReset,
            EmailChange,
            Notification,
            NotificationPreference,
            Membership,
            Coordinator,
            CofunderPerson,
        ):
            await table.delete().where(table.user == user_id)
        await (
            Invitation.delete()
            .where(Invitation.email == email)
            .where(Invitation.accepted_at.is_null())
        )
        await Invitation.update({Invitation.email: hidden}).where(Invitation.email == email)
        await OutboxMessage.delete().where(OutboxMessage.to_address == email)
        await LoginAttempt.delete().where(
            LoginAttempt.key.is_in(
                [
                    account_key(email),
                    f"reset-email:{email}",
                    f"password-check:{user_id}",
                    f"email-change:{user_id}",
                ]
            )
        )
        await _scrub_audit(email, hidden)
        await audit.record(actor, "user.deleted", entity="user", entity_id=user_id)


class _Logged(msgspec.Struct, frozen=True):
    id: int
    before: str | None
    after: str | None


async def _scrub_audit(email: str, hidden: str) -> None:
    """The audit log keeps who was invited by their email (`after`; `before` for an invitation
    cancelled); a deleted person's email is replaced by their placeholder there, the entries
    themselves stay."""
    rows = await fetch(
        AuditEntry.raw(
            "SELECT id, CAST(before AS TEXT) AS before, CAST(after AS TEXT) AS after"
            " FROM audit_entry WHERE CAST(before AS TEXT) LIKE {} OR CAST(after AS TEXT) LIKE {}"
            " ORDER BY id LIMIT {}",
            f"%{email}%",
            f"%{email}%",
            MAX_AUDIT_SCRUBBED,
        ),
        _Logged,
    )
    for row in rows:
        scrubbed: dict[Column | str, Any] = {
            column: msgspec.json.decode(text.replace(email, hidden))
            for column, text in ((AuditEntry.before, row.before), (AuditEntry.after, row.after))
            if text and email in text
        }
        if scrubbed:
            await AuditEntry.update(scrubbed).where(AuditEntry.id == row.id)
