"""Logged-in sessions kept in the database, so they survive restarts and serve every worker.

The browser holds a random token; the table holds its SHA-256, the user and an expiry. A login
always makes a new token (no session fixation); logging out deletes the row, so the old cookie
is worth nothing; resetting a password deletes every session of that user. Each request reads
its session with the person's roles, in one query (`actors.session_actor`).
"""

from __future__ import annotations

import datetime as dt

from cobudget.db.tables import WebSession
from cobudget.db.transactions import write_transaction
from cobudget.services.clock import now
from cobudget.services.tokens import new_token, token_hash


async def open_session(user_id: int, max_age_seconds: int) -> str:
    token, hashed = new_token()
    moment = now()
    async with write_transaction():
        await WebSession.delete().where(WebSession.expires_at < moment)
        await WebSession.insert(
            WebSession(
                key_hash=hashed,
                user=user_id,
                created_at=moment,
                expires_at=moment + dt.timedelta(seconds=max_age_seconds),
            )
        )
    return token


async def close_session(token: str | None) -> None:
    if token:
        async with write_transaction():
            await WebSession.delete().where(WebSession.key_hash == token_hash(token))


async def close_all_sessions(user_id: int) -> None:
    """Call inside the transaction that changes the user's password."""
    await WebSession.delete().where(WebSession.user == user_id)
