"""A person's own account (issue 17): their name, their email (changed once the link sent to the
new address is opened), their password (the current one required, every other session ended)
and their language. Deleting the account is `account_deletion`; their data, `queries.account_data`.

Every change that needs the current password first reserves a failed check against the account
(`limits`), released when the password proves right: a stolen session cannot guess it."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget import i18n
from cobudget.db.rows import fetch_one
from cobudget.db.tables import EmailChange, User, WebSession
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain.errors import InvalidInput, LoginRequired
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.rendering import render_email
from cobudget.services import audit, limits, outbox
from cobudget.services.clock import now
from cobudget.services.limits import Limit
from cobudget.services.passwords import hash_password, verify_password
from cobudget.services.tokens import new_token, token_hash

EMAIL_CHANGE_VALID_FOR = dt.timedelta(hours=24)
EMAIL_CHANGES_PER_HOUR = 5
PASSWORD_CHECKS_PER_HOUR = 10
MAX_NAME_LENGTH = 120
MAX_PASSWORD_LENGTH = 200
HOUR = 3600


class Profile(msgspec.Struct, frozen=True):
    id: int
    name: str
    email: str
    locale: str
    password_hash: str


def _signed_in(actor: Actor, action: str) -> int:
    if actor.user_id is None:
        raise LoginRequired(action)
    return actor.user_id


async def profile(user_id: int) -> Profile | None:
    """The account as its owner sees it; None once deleted."""
    return await fetch_one(
        User.select(User.id, User.name, User.email, User.locale, User.password_hash)
        .where(User.id == user_id)
        .where(User.deleted_at.is_null())
        .first(),
        Profile,
    )


async def check_password(user_id: int, password: str, *, field: str = "current_password") -> None:
    """Refuse (`InvalidInput` on `field`) unless `password` is the account's own; failures are
    limited per account (`TooManyAttempts`), a right password forgets its reservation."""
    async with write_transaction():
        reserved = await limits.reserve(
            [Limit(f"password-check:{user_id}", PASSWORD_CHECKS_PER_HOUR, HOUR)],
            action="password_check",
        )
    person = await profile(user_id)
    right = (
        person is not None
        and len(password or "") <= MAX_PASSWORD_LENGTH
        and await verify_password(person.password_hash, password or "")
    )
    if not right:
        raise InvalidInput({field: "wrong_password"})
    async with write_transaction():
        await limits.release(reserved)


async def _email_in(user_id: int, address: str, template: str, **context: object) -> None:
    """An email to `address` in the account's language (the new address has no account yet,
    so the outbox could not find the language by the address); inside the transaction."""
    row = await fetch_one(User.select(User.locale).where(User.id == user_id).first(), _Locale)
    locale = row.locale if row else i18n.DEFAULT_LOCALE
    subject, body = render_email(template, context, locale)
    await outbox.insert([outbox.Outgoing(address, subject, body)])


class _Locale(msgspec.Struct, frozen=True):
    locale: str


async def change_name(actor: Actor, name: str | None) -> None:
    user_id = _signed_in(actor, "account.write")
    checker = Checker()
    cleaned = checker.text("name", name, max_length=MAX_NAME_LENGTH)
    checker.raise_if_any()
    async with write_transaction():
        await (
            User.update({User.name: cleaned})
            .where(User.id == user_id)
            .where(User.deleted_at.is_null())
        )
        await audit.record(actor, "user.name_changed", entity="user", entity_id=user_id)


async def _taken_by_another(user_id: int, email: str) -> bool:
    other = await User.select(User.id).where(User.email == email).where(User.id != user_id).first()
    return other is not None


async def request_email_change(
    actor: Actor, *, base_url: str, new_email: str | None, password: str | None
) -> None:
    """Send a link to the new address; tell the old one that a change was asked. The email of
    the account changes only when the link is opened (`confirm_email_change`)."""
    user_id = _signed_in(actor, "account.write")
    checker = Checker()
    email = checker.email("new_email", new_email)
    checker.raise_if_any()
    person = await profile(user_id)
    if person is not None and email == person.email:
        raise InvalidInput({"new_email": "same_email"})
    if await _taken_by_another(user_id, email):
        raise InvalidInput({"new_email": "email_taken"})
    await check_password(user_id, password or "")
    async with write_transaction():
        await limits.reserve(
            [Limit(f"email-change:{user_id}", EMAIL_CHANGES_PER_HOUR, HOUR)],
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
                expires_at=moment + EMAIL_CHANGE_VALID_FOR,
            )
        )
        await _email_in(
            user_id,
            email,
            "email_change_confirm",
            name=current.name,
            link=f"{base_url}/mon-compte/email/{token}",
        )
        await _email_in(
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


async def describe_email_change(token: str) -> EmailChangeView | None:
    """What the link would do (its page asks before it acts); None if it no longer works."""
    return await _valid_change(token)


async def confirm_email_change(token: str) -> int:
    """Make the new address the account's: the link works once, within its time, and only while
    the address belongs to nobody else (checked again here, holding the link's row; the unique
    index on the email holds under a race). Returns the user id."""
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
        await User.update({User.email: change.new_email}).where(User.id == change.user)
        await audit.record(
            Actor(user_id=change.user), "user.email_changed", entity="user", entity_id=change.user
        )
    return change.user


async def change_password(
    actor: Actor,
    *,
    current: str | None,
    password: str | None,
    confirmation: str | None,
    session_token: str | None,
) -> None:
    """The current password, then the new one (the rules of sign-up); every other session of
    the person ends, this one stays; the person is told by email."""
    user_id = _signed_in(actor, "account.write")
    checker = Checker()
    new_password = checker.password("password", password, confirmation)
    checker.raise_if_any()
    await check_password(user_id, current or "")
    new_hash = await hash_password(new_password)
    async with write_transaction():
        person = await profile(user_id)
        if person is None:
            raise LoginRequired("account.write")
        await User.update({User.password_hash: new_hash}).where(User.id == user_id)
        await (
            WebSession.delete()
            .where(WebSession.user == user_id)
            .where(WebSession.key_hash != token_hash(session_token or ""))
        )
        await _email_in(user_id, person.email, "password_changed", name=person.name)
        await audit.record(actor, "user.password_changed", entity="user", entity_id=user_id)


async def change_language(actor: Actor, locale: str | None) -> str:
    """The language of the pages and emails (user.locale); returns it, for the cookie."""
    user_id = _signed_in(actor, "account.write")
    if locale not in i18n.LOCALES:
        raise InvalidInput({"locale": "invalid_choice"})
    async with write_transaction():
        await User.update({User.locale: locale}).where(User.id == user_id)
    return locale
