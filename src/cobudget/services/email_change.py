"""Changing one's email (issue 17): a link valid a limited time is sent to the new address, and
the old one is told a change was asked; the account keeps its email until the link's page is
confirmed. Only the SHA-256 of the link's token is stored (`email_change`), as for password
resets."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch_one
from cobudget.db.tables import EmailChange, PasswordReset, User
from cobudget.db.transactions import for_update, unless_duplicate, write_transaction
from cobudget.domain.errors import Duplicate, InvalidInput, LoginRequired
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.services import audit, limits
from cobudget.services.clock import now
from cobudget.services.limits import Limit
from cobudget.services.my_account import HOUR, check_password, email_in, profile, signed_in
from cobudget.services.tokens import new_token, token_hash

VALID_FOR = dt.timedelta(hours=24)
REQUESTS_PER_HOUR = 5


async def _taken_by_another(user_id: int, email: str) -> bool:
    other = await User.select(User.id).where(User.email == email).where(User.id != user_id).first()
    return other is not None


async def request(
    actor: Actor, *, base_url: str, new_email: str | None, password: str | None
) -> None:
    """Send a link to the new address; tell the old one that a change was asked. The email of
    the account changes only when the link is opened (`confirm`)."""
    user_id = signed_in(actor, "account.write")
    checker = Checker()
    email = checker.email("new_email", new_email)
    checker.raise_if_any()
    person = await profile(user_id)
    if person is not None and email == person.email:
        raise InvalidInput({"new_email": "same_email"})
    # The password first: whether an address has an account is told to its owner only, and
    # each wrong password counts (a session alone cannot probe the instance's addresses).
    await check_password(user_id, password or "")
    if await _taken_by_another(user_id, email):
        raise InvalidInput({"new_email": "email_taken"})
    async with write_transaction():
        await limits.reserve(
            [Limit(f"email-change:{user_id}", REQUESTS_PER_HOUR, HOUR)],
            action="email_change",
        )
        current = await profile(user_id)
        if current is None:
            raise LoginRequired("account.write")
        token, hashed = new_token()
        moment = now()
        await EmailChange.insert(
            EmailChange(
                token_hash=hashed,
                user=user_id,
                new_email=email,
                created_at=moment,
                expires_at=moment + VALID_FOR,
            )
        )
        await email_in(
            user_id,
            email,
            "email_change_confirm",
            name=current.name,
            link=f"{base_url}/mon-compte/email/{token}",
        )
        await email_in(
            user_id, current.email, "email_change_requested", name=current.name, new_email=email
        )
        await audit.record(actor, "user.email_change_requested", entity="user", entity_id=user_id)


class EmailChangeView(msgspec.Struct, frozen=True):
    id: int
    user: int
    new_email: str
    expires_at: dt.datetime
    used_at: dt.datetime | None


async def _valid_change(token: str) -> EmailChangeView | None:
    change = await fetch_one(
        EmailChange.select(
            EmailChange.id,
            EmailChange.user,
            EmailChange.new_email,
            EmailChange.expires_at,
            EmailChange.used_at,
        )
        .where(EmailChange.token_hash == token_hash(token))
        .first(),
        EmailChangeView,
    )
    if change is None or change.used_at is not None or change.expires_at < now():
        return None
    return change


async def describe(token: str) -> EmailChangeView | None:
    """What the link would do (its page asks before it acts); None if it no longer works."""
    return await _valid_change(token)


async def confirm(token: str) -> int:
    """Make the new address the account's: the link works once, within its time, and only while
    the address belongs to nobody else (checked again here, holding the link's row; the unique
    index on the email holds under a race). The password-reset links not used yet, sent to the
    old address, stop working. Returns the user id."""
    async with write_transaction():
        await for_update(
            EmailChange.select(EmailChange.id).where(EmailChange.token_hash == token_hash(token))
        )
        change = await _valid_change(token)
        if change is None or await profile(change.user) is None:
            raise InvalidInput({"token": "email_link_invalid"})
        if await _taken_by_another(change.user, change.new_email):
            raise InvalidInput({"token": "email_taken"})
        moment = now()
        await EmailChange.update({EmailChange.used_at: moment}).where(
            (EmailChange.user == change.user) & EmailChange.used_at.is_null()
        )
        try:
            async with unless_duplicate():
                await User.update({User.email: change.new_email}).where(User.id == change.user)
        except Duplicate:  # another account took the address a moment ago
            raise InvalidInput({"token": "email_taken"}) from None
        # The reset links sent to the old address die: its mailbox no longer holds the account.
        await PasswordReset.update({PasswordReset.used_at: moment}).where(
            (PasswordReset.user == change.user) & PasswordReset.used_at.is_null()
        )
        await audit.record(
            Actor(user_id=change.user), "user.email_changed", entity="user", entity_id=change.user
        )
    return change.user
