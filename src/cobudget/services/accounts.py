"""Logging in (with its rate limit), resetting a forgotten password, and the language a
person's emails are written in."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget import i18n
from cobudget.db.rows import fetch_one
from cobudget.db.tables import PasswordReset, User
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.services import audit, devices, limits, outbox
from cobudget.services.clock import now
from cobudget.services.limits import Limit
from cobudget.services.passwords import hash_password, verify_password
from cobudget.services.sessions import close_all_sessions
from cobudget.services.tokens import new_token, token_hash
from cobudget.settings import Settings

RESET_VALID_FOR = dt.timedelta(hours=2)
MAX_PASSWORD_LENGTH = 200
HOUR = 3600


def _login_limits(settings: Settings, email: str, address: str, device: str | None) -> list[Limit]:
    window = settings.login_window_seconds
    return [
        Limit(
            devices.device_key(settings.secret_key, device, email) or account_key(email),
            settings.login_max_per_account,
            window,
            settings.login_delay_seconds,
            settings.login_max_delay_seconds,
        ),
        Limit(
            f"address:{address[:200]}",
            settings.login_max_per_address,
            window,
            settings.login_delay_seconds,
            window,
        ),
    ]


def account_key(email: str) -> str:
    return f"account:{email[:254]}"


async def authenticate(
    settings: Settings, *, email: str, password: str, address: str, device: str | None = None
) -> int:
    """Return the user id for a right email and password.

    The attempt is first reserved as a failure of the account and of the client address, in
    one write transaction (refused with `TooManyAttempts` beyond the limits), and only then is
    the password checked: parallel guesses cannot all pass a check that each made alone. A
    right password forgets its reservation, so the limits count failures only. A browser that
    logged in to this account before (`device`, services/devices.py) is counted on its own, so
    a guesser elsewhere does not hold it back.
    """
    email = (email or "").strip().lower()
    password = password or ""
    async with write_transaction():
        reserved = await limits.reserve(
            _login_limits(settings, email, address, device), action="login"
        )
    user = await fetch_one(
        User.select(User.id, User.password_hash).where(User.email == email).first(), _Credentials
    )
    # Longer passwords are never set (validation), so they are not worth a hash.
    right = len(password) <= MAX_PASSWORD_LENGTH and await verify_password(
        user.password_hash if user else None, password
    )
    if not right:
        raise InvalidInput({"password": "bad_credentials"})
    assert user is not None
    async with write_transaction():
        await limits.release(reserved)
    return user.id


class _Credentials(msgspec.Struct, frozen=True):
    id: int
    password_hash: str


class _Named(msgspec.Struct, frozen=True):
    id: int
    name: str


async def request_password_reset(settings: Settings, *, email: str, address: str) -> None:
    """Email a reset link if the account exists; say nothing either way (no account probing).

    Limited per client address and per email, whether or not an account has that email (the
    limit must not tell); the links already sent stay valid, so the owner is never stuck."""
    checker = Checker()
    email = checker.email("email", email)
    checker.raise_if_any()
    async with write_transaction():
        await limits.reserve(
            [
                Limit(
                    f"reset-address:{address[:200]}",
                    settings.reset_requests_per_address_per_hour,
                    HOUR,
                ),
                Limit(f"reset-email:{email}", settings.reset_requests_per_email_per_hour, HOUR),
            ],
            action="reset_request",
        )
        user = await fetch_one(
            User.select(User.id, User.name).where(User.email == email).first(), _Named
        )
        if user is None:
            return
        token, hashed = new_token()
        moment = now()
        await PasswordReset.insert(
            PasswordReset(
                token_hash=hashed,
                user=user.id,
                created_at=moment,
                expires_at=moment + RESET_VALID_FOR,
            )
        )
        await outbox.enqueue(
            email,
            "password_reset",
            name=user.name,
            link=f"{settings.base_url}/mot-de-passe/{token}",
        )


class _Reset(msgspec.Struct, frozen=True):
    id: int
    user: int
    expires_at: dt.datetime
    used_at: dt.datetime | None


async def _valid_reset(token: str) -> _Reset | None:
    reset = await fetch_one(
        PasswordReset.select(
            PasswordReset.id, PasswordReset.user, PasswordReset.expires_at, PasswordReset.used_at
        )
        .where(PasswordReset.token_hash == token_hash(token))
        .first(),
        _Reset,
    )
    if reset is None or reset.used_at is not None or reset.expires_at < now():
        return None
    return reset


class _Email(msgspec.Struct, frozen=True):
    email: str


async def reset_password(
    settings: Settings, *, token: str, password: str, confirmation: str, address: str
) -> int:
    """Set a new password from a valid, unused reset link; return the user id.

    The link is checked before any hashing, so a made-up link costs one lookup; the failures
    of one client address are limited. A valid link always works, whatever the limits, and
    forgets the account's failed logins: the owner is in again."""
    checker = Checker()
    password = checker.password("password", password, confirmation)
    checker.raise_if_any()
    if await _valid_reset(token) is None:
        async with write_transaction():
            await limits.reserve(
                [
                    Limit(
                        f"reset-failure:{address[:200]}",
                        settings.reset_failures_per_address_per_hour,
                        HOUR,
                    )
                ],
                action="reset",
            )
        raise InvalidInput({"token": "reset_link_invalid"})
    new_hash = await hash_password(password)
    async with write_transaction():
        await for_update(
            PasswordReset.select(PasswordReset.id).where(
                PasswordReset.token_hash == token_hash(token)
            )
        )
        reset = await _valid_reset(token)  # again, holding the row: a link is used once
        if reset is None:
            raise InvalidInput({"token": "reset_link_invalid"})
        user_id = reset.user
        await PasswordReset.update({PasswordReset.used_at: now()}).where(
            PasswordReset.id == reset.id
        )
        await User.update({User.password_hash: new_hash}).where(User.id == user_id)
        user = await fetch_one(User.select(User.email).where(User.id == user_id).first(), _Email)
        if user is not None:
            await limits.forget(account_key(user.email))
        await close_all_sessions(user_id)
        await audit.record(
            Actor(user_id=user_id), "user.password_reset", entity="user", entity_id=user_id
        )
    return user_id


class _Locale(msgspec.Struct, frozen=True):
    locale: str


async def locale_of(user_id: int) -> str:
    """The language kept on the account (French if the account is gone)."""
    row = await fetch_one(User.select(User.locale).where(User.id == user_id).first(), _Locale)
    return row.locale if row else i18n.DEFAULT_LOCALE


async def set_locale(actor: Actor, locale: str) -> None:
    """The language switch, for someone logged in: their emails go out in this language from
    now on. An unknown language changes nothing (the switch ignores it too)."""
    if actor.user_id is None or locale not in i18n.LOCALES:
        return
    async with write_transaction():
        await User.update({User.locale: locale}).where(User.id == actor.user_id)
