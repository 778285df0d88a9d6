"""Rate limits on what costs a password hash or an email: attempts are reserved before the
work, counted and recorded in one write transaction, so parallel requests cannot all slip under
a limit that each of them checked alone (issue 14).

A limit counts the rows of one key (`account:…`, `address:…`, `reset-email:…`) in the
`login_attempt` table within a window. Two kinds:

- a **fixed** limit: `limit` attempts per window, then refused until the oldest leaves it;
- a **growing** limit: `limit` attempts per window are free, then each further one waits a
  delay that doubles from `delay_seconds` (counted from the latest attempt) up to
  `max_delay_seconds`. A guesser slows down more and more, but cannot lock an owner out for
  longer than the cap.

On PostgreSQL an advisory lock per key (held until the transaction ends) serialises the
transactions that count the same key, across processes; SQLite's write transactions already run
one at a time. A reservation is its own short transaction, before the work it limits, so that
the lock is never held for a whole use case.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from piccolo.engine.sqlite import SQLiteEngine

from cobudget.db.rows import fetch
from cobudget.db.tables import LoginAttempt
from cobudget.db.transactions import inserted_ids
from cobudget.domain.errors import TooManyAttempts
from cobudget.services.clock import now


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int
    window_seconds: int
    delay_seconds: int = 0  # 0: a fixed limit; else the first delay of a growing one
    max_delay_seconds: int = 0

    def retry_after(self, moments: Sequence[dt.datetime], moment: dt.datetime) -> float:
        """Seconds until one more attempt is allowed, given the attempts in the window
        (oldest first); 0 when it is allowed now."""
        count = len(moments)
        if count < self.limit:
            return 0.0
        if self.delay_seconds:
            delay = min(
                self.max_delay_seconds, self.delay_seconds * 2 ** min(count - self.limit, 30)
            )
            allowed_at = moments[-1] + dt.timedelta(seconds=delay)
        else:
            allowed_at = moments[count - self.limit] + dt.timedelta(seconds=self.window_seconds)
        return max(0.0, (allowed_at - moment).total_seconds())


# How long a reservation waits for the others of its keys. Longer than the database's lock
# timeout (3 s): the only holders of these locks are reservations, a few statements each, so a
# queue of them is legitimate traffic (fifty invitations sent at once in one network), and one
# frozen in the middle is ended by the idle-in-transaction timeout (10 s) anyway.
LOCK_WAIT_SECONDS = 12


async def _lock(keys: Sequence[str]) -> None:
    if isinstance(LoginAttempt._meta.db, SQLiteEngine):
        return
    await LoginAttempt.raw(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'")
    for key in sorted(set(keys)):  # one order for every transaction: no deadlock
        await LoginAttempt.raw("SELECT pg_advisory_xact_lock(hashtext({}))", key)
    await LoginAttempt.raw("SET LOCAL lock_timeout TO DEFAULT")


async def reserve(limits: Sequence[Limit], *, action: str) -> list[int]:
    """Record one attempt against every limit, or refuse them all with `TooManyAttempts`
    (nothing recorded). Call inside a write transaction; returns the ids of the recorded
    attempts, for `release`."""
    await _lock([limit.key for limit in limits])
    moment = now()
    wait = 0.0
    for limit in limits:
        since = moment - dt.timedelta(seconds=limit.window_seconds)
        # What left the window counts no more: the table keeps one window per key.
        await (
            LoginAttempt.delete()
            .where(LoginAttempt.key == limit.key)
            .where(LoginAttempt.at <= since)
        )
        rows = await fetch(
            LoginAttempt.select(LoginAttempt.at)
            .where(LoginAttempt.key == limit.key)
            .where(LoginAttempt.at > since)
            .order_by(LoginAttempt.at),
            _Attempt,
        )
        wait = max(wait, limit.retry_after([row.at for row in rows], moment))
    if wait > 0:
        raise TooManyAttempts(max(1, math.ceil(wait)), action=action)
    return await inserted_ids(
        LoginAttempt.insert(
            *(LoginAttempt(key=limit.key, at=moment) for limit in limits)
        ).returning(LoginAttempt.id)
    )


class _Attempt(msgspec.Struct, frozen=True):
    at: dt.datetime


async def release(ids: Sequence[int]) -> None:
    """Forget attempts that turned out well (a right password, a valid link)."""
    if ids:
        await LoginAttempt.delete().where(LoginAttempt.id.is_in(list(ids)))


async def forget(key: str) -> None:
    """Forget every attempt of one key (an account whose password was just reset)."""
    await LoginAttempt.delete().where(LoginAttempt.key == key)
