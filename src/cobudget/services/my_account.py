"""A person's own account (issue 17): their name, their password (the current one required, every
other session ended) and their language. Their email is `email_change`; deleting the account,
`account_deletion`; their data, `queries.account_data`.

Every change that needs the current password first reserves a failed check against the account
(`limits`), released when the password proves right: a stolen session cannot guess it."""

from __future__ import annotations

import msgspec

from cobudget import i18n
from cobudget.db.rows import fetch_one
from cobudget.db.tables import User, WebSession
from cobudget.db.transactions import write_transaction
from cobudget.domain.errors import InvalidInput, LoginRequired
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.rendering import render_email
from cobudget.services import audit, limits, outbox
from cobudget.services.limits import Limit
from cobudget.services.passwords import hash_password, verify_password
from cobudget.services.tokens import token_hash

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


def signed_in(actor: Actor, action: str) -> int:
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


async def email_in(user_id: int, address: str, template: str, **context: object) -> None:
    """An email to `address` in the account's language (the new address has no account yet,
    so the outbox could not find the language by the address); inside the transaction."""
    row = await fetch_one(User.select(User.locale).where(User.id == user_id).first(), _Locale)
    locale = row.locale if row else i18n.DEFAULT_LOCALE
    subject, body = render_email(template, context, locale)
    await outbox.insert([outbox.Outgoing(address, subject, body)])


class _Locale(msgspec.Struct, frozen=True):
    locale: str


async def change_name(actor: Actor, name: str | None) -> None:
    user_id = signed_in(actor, "account.write")
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
    user_id = signed_in(actor, "account.write")
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
        await email_in(user_id, person.email, "password_changed", name=person.name)
        await audit.record(actor, "user.password_changed", entity="user", entity_id=user_id)


async def change_language(actor: Actor, locale: str | None) -> str:
    """The language of the pages and emails (user.locale); returns it, for the cookie."""
    user_id = signed_in(actor, "account.write")
    if locale not in i18n.LOCALES:
        raise InvalidInput({"locale": "invalid_choice"})
    async with write_transaction():
        await User.update({User.locale: locale}).where(User.id == user_id)
    return locale
