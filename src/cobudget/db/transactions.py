"""One way to open a write transaction, so that concurrent writers queue instead of failing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import msgspec
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.methods.select import Select
from piccolo.table import Table

from cobudget.db.engine import Timeouts
from cobudget.db.rows import fetch
from cobudget.db.tables import User
from cobudget.domain.errors import Busy, Duplicate

_sqlite_write_lock = asyncio.Lock()
TableT = TypeVar("TableT", bound=Table)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for a use case that writes.

    On SQLite: BEGIN IMMEDIATE takes the write lock at the start (a deferred transaction that
    reads then writes fails under concurrency), and one asyncio lock per process keeps this
    process's writers in line so that only other processes wait on the busy timeout. Neither
    wait is endless: past the engine's `Timeouts.write_queue` (the process's lock) or `lock` (the
    busy timeout, another process holding SQLite's lock), the request is refused with `Busy`.
    On PostgreSQL: an ordinary transaction; row locks are taken where a use case needs them,
    and a lock held elsewhere is waited for `lock_timeout`, then `Busy` (`db.engine`).
    """
    engine = User._meta.db
    if isinstance(engine, SQLiteEngine):
        timeouts: Timeouts = getattr(engine, "timeouts", Timeouts())
        try:
            async with asyncio.timeout(timeouts.write_queue or None):
                await _sqlite_write_lock.acquire()
        except TimeoutError as error:
            raise Busy(timeouts.retry_after_seconds, "write lock") from error
        try:
            async with engine.transaction(transaction_type=TransactionType.immediate):
                yield
        finally:
            _sqlite_write_lock.release()
    else:
        async with engine.transaction():
            yield


async def allow_long_pause(seconds: int) -> None:
    """Inside a write transaction that must compute for a while between two statements (the
    engine settling a large envelope), let this transaction stay idle up to `seconds` on
    PostgreSQL instead of the idle-in-transaction timeout meant for frozen processes."""
    if not isinstance(User._meta.db, SQLiteEngine):
        await User.raw(f"SET LOCAL idle_in_transaction_session_timeout = '{int(seconds)}s'")


class RowId(msgspec.Struct, frozen=True):
    """A row's id alone: what `insert(...).returning(Table.id)` gives back."""

    id: int


async def inserted_ids(query: Awaitable[list[dict[str, Any]]]) -> list[int]:
    """The ids an `insert(...).returning(Table.id)` wrote (none when a conflict skipped it)."""
    return [row.id for row in await fetch(query, RowId)]


async def inserted_id(query: Awaitable[list[dict[str, Any]]]) -> int:
    """The id of the one row an `insert(...).returning(Table.id)` wrote."""
    (row_id,) = await inserted_ids(query)
    return row_id


def for_update(query: Select[TableT]) -> Select[TableT]:
    """Lock the selected rows until the transaction ends, on PostgreSQL. SQLite has no row
    locks and needs none: its write transactions run one at a time (BEGIN IMMEDIATE)."""
    if isinstance(User._meta.db, SQLiteEngine):
        return query
    return query.lock_rows()


def for_share(query: Select[TableT]) -> Select[TableT]:
    """Hold the selected rows unchanged until the transaction ends, on PostgreSQL: many
    transactions may share them (pledges to one envelope), but one that locks them for update
    (closing or settling it) waits for all of them, and they for it. SQLite: as `for_update`."""
    if isinstance(User._meta.db, SQLiteEngine):
        return query
    return query.lock_rows("SHARE")


@asynccontextmanager
async def unless_duplicate() -> AsyncIterator[None]:
    """A step of a write transaction that may meet a unique index (another request stored the
    same row a moment ago): if it does, the step alone is undone (a savepoint) and `Duplicate`
    raised, and the transaction can go on, e.g. to update the row the other request stored."""
    transaction = User._meta.db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("unless_duplicate() runs inside a write transaction")
    savepoint = await transaction.savepoint()
    try:
        yield
    except Duplicate:
        await savepoint.rollback_to()
        raise
    await savepoint.release()
