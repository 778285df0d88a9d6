"""Logging in (with its rate limit) and resetting a forgotten password."""

from __future__ import annotations

import datetime as dt

from cobudget.db.tables import LoginAttempt, PasswordReset, User
from cobudget.db.transactions import write_transaction
from cobudget.domain.errors import InvalidInput, TooManyAttempts
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.services import audit, outbox
from cobudget.services.clock import now
from cobudget.services.passwords import hash_password, verify_password
from cobudget.services.sessions import close_all_sessions
from cobudget.services.tokens import new_token, token_hash
from cobudget.settings import Settings

RESET_VALID_FOR = dt.timedelta(hours=2)


async def _check_rate_limit(settings: Settings, email: str, address: str) -> None:
    since = now() - dt.timedelta(seconds=settings.login_window_seconds)
    for key, limit in (
        (f"account:{email}", settings.login_max_per_account),
        (f"address:{address}", settings.login_max_per_address),
    ):
        attempts = (
            await LoginAttempt.count().where(LoginAttempt.key == key).where(LoginAttempt.at > since)
        )
        if attempts >= limit:
            raise TooManyAttempts(settings.login_window_seconds)


async def authenticate(settings: Settings, *, email: str, password: str, address: str) -> int:
    """Return the user id for a right email and password; count a failure against both the
    account and the client address, so guessing is slowed for one account and from one place."""
    email = (email or "").strip().lower()
    await _check_rate_limit(settings, email, address)
    user = await User.select(User.id, User.password_hash).where(User.email == email).first()
    if await verify_password(user["password_hash"] if user else None, password or ""):
        assert user is not None
        return int(user["id"])
    async with write_transaction():
        moment = now()
        await LoginAttempt.insert(
            LoginAttempt(key=f"account:{email}", at=moment),
            LoginAttempt(key=f"address:{address}", at=moment),
        )
    raise InvalidInput({"password": "bad_credentials"})


async def request_password_reset(settings: Settings, *, email: str) -> None:
    """Email a reset link if the account exists; say nothing either way (no account probing)."""
    checker = Checker()
    email = checker.email("email", email)
    checker.raise_if_any()
    user = await User.select(User.id, User.name).where(User.email == email).first()
    if user is None:
        return
    token, hashed = new_token()
    async with write_transaction():
        moment = now()
        await PasswordReset.insert(
            PasswordReset(
                token_hash=hashed,
                user=user["id"],
                created_at=moment,
                expires_at=moment + RESET_VALID_FOR,
            )
        )
        await outbox.enqueue(
            email,
            "password_reset",
            name=user["name"],
            link=f"{settings.base_url}/mot-de-passe/{token}",
        )


async def reset_password(*, token: str, password: str, confirmation: str) -> int:
    """Set a new password from a valid, unused reset link; return the user id."""
    checker = Checker()
    password = checker.password("password", password, confirmation)
    checker.raise_if_any()
    new_hash = await hash_password(password)
    async with write_transaction():
        reset = (
            await PasswordReset.select()
            .where(PasswordReset.token_hash == token_hash(token))
            .first()
        )
        if reset is None or reset["used_at"] is not None or reset["expires_at"] < now():
            raise InvalidInput({"token": "reset_link_invalid"})
        await PasswordReset.update({PasswordReset.used_at: now()}).where(
            PasswordReset.id == reset["id"]
        )
        await User.update({User.password_hash: new_hash}).where(User.id == reset["user"])
        await close_all_sessions(int(reset["user"]))
        await audit.record(
            Actor(user_id=int(reset["user"])),
            "user.password_reset",
            entity="user",
            entity_id=reset["user"],
        )
    return int(reset["user"])
