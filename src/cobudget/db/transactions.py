"""One way to open a write transaction, so that concurrent writers queue instead of failing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.methods.select import Select

from cobudget.db.tables import User

_sqlite_write_lock = asyncio.Lock()


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for a use case that writes.

    On SQLite: BEGIN IMMEDIATE takes the write lock at the start (a deferred transaction that
    reads then writes fails under concurrency), and one asyncio lock per process keeps this
    process's writers in line so that only other processes wait on the busy timeout.
    On PostgreSQL: an ordinary transaction; row locks are taken where a use case needs them.
    """
    engine = User._meta.db
    if isinstance(engine, SQLiteEngine):
        async with (
            _sqlite_write_lock,
            engine.transaction(transaction_type=TransactionType.immediate),
        ):
            yield
    else:
        async with engine.transaction():
            yield


def for_update(query: Select) -> Select:
    """Lock the selected rows until the transaction ends, on PostgreSQL. SQLite has no row
    locks and needs none: its write transactions run one at a time (BEGIN IMMEDIATE)."""
    if isinstance(User._meta.db, SQLiteEngine):
        return query
    return query.lock_rows()


def for_share(query: Select) -> Select:
    """Hold the selected rows unchanged until the transaction ends, on PostgreSQL: many
    transactions may share them (pledges to one envelope), but one that locks them for update
    (closing or settling it) waits for all of them, and they for it. SQLite: as `for_update`."""
    if isinstance(User._meta.db, SQLiteEngine):
        return query
    return query.lock_rows("SHARE")
