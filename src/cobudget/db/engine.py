"""Build the Piccolo engine from a database URL and bind every table to it.

SQLite is the embedded default; several requests writing at once would fail with "database is
locked" under Piccolo's deferred transactions, so SQLite runs in WAL mode with a busy timeout,
and every write transaction (see `db.transactions`) starts with BEGIN IMMEDIATE under one lock
per process.

Connections are kept open (issue 15): Piccolo opens an SQLite connection (a thread, the file,
the schema) for every query outside a transaction, 2 to 3 ms each, which made a page of 25
queries cost 50 ms. Once the app starts (`open_pool`), SQLite keeps a few connections and lends
them to queries and transactions; PostgreSQL uses asyncpg's pool. In WAL mode each statement
outside a transaction reads the latest committed state, so a kept connection never serves an
old one, whichever process wrote.

No wait is endless (issue 14): a process frozen while it holds a row, or a psql session left
open, costs the others a few seconds at most. PostgreSQL connections carry a lock timeout, a
statement timeout and an idle-in-transaction timeout (which ends the frozen session and frees
its rows), and a pool connection is waited for a bounded time; SQLite has a short busy timeout
and the process's write lock is waited for a bounded time. A wait that runs out is the domain's
`Busy` (`db.failures`), which the web answers 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, dict_factory

from cobudget.db import data_version
from cobudget.db.failures import translated
from cobudget.db.tables import ALL_TABLES
from cobudget.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timeouts:
    """How long a request may wait for the database, in seconds (0: no limit). Built from the
    settings (`timeouts_of`); the defaults are the settings' defaults."""

    lock: float = 3.0  # PostgreSQL lock_timeout; SQLite busy timeout
    statement: float = 20.0  # PostgreSQL statement_timeout
    idle_in_transaction: float = 10.0  # PostgreSQL idle_in_transaction_session_timeout
    acquire: float = 5.0  # a pooled PostgreSQL connection
    # SQLite: this process's turn to write. Its writers are healthy (each waits for another
    # process at most `lock`), so a rush may queue them longer than one lock wait.
    write_queue: float = 15.0

    @property
    def retry_after_seconds(self) -> int:
        return max(2, math.ceil(self.lock))

    def server_settings(self) -> dict[str, str]:
        """asyncpg's `server_settings`: sent when each connection opens, pooled or not."""
        return {
            "lock_timeout": f"{int(self.lock * 1000)}ms",
            "statement_timeout": f"{int(self.statement * 1000)}ms",
            "idle_in_transaction_session_timeout": f"{int(self.idle_in_transaction * 1000)}ms",
        }


def timeouts_of(settings: Settings) -> Timeouts:
    return Timeouts(
        lock=settings.database_lock_timeout_seconds,
        statement=settings.database_statement_timeout_seconds,
        idle_in_transaction=settings.database_idle_in_transaction_seconds,
        acquire=settings.database_acquire_timeout_seconds,
        write_queue=settings.database_write_queue_seconds,
    )


# Migrations lock and rewrite whole tables, and run once, before the app serves: no limit.
NO_TIMEOUTS = Timeouts(lock=0, statement=0, idle_in_transaction=0, acquire=0, write_queue=0)


class SafeSQLiteTransaction(SQLiteTransaction):
    """Borrows a kept connection (closes it instead when anything went wrong with it), so a
    timed-out start cannot hang the process; a lock that stays taken is `Busy`."""

    wrote: bool = False  # a statement changed what a page may show (`db/data_version`)

    async def get_connection(self):  # type: ignore[no-untyped-def]
        return await self.engine.borrow()  # type: ignore[attr-defined]

    async def begin(self) -> None:
        await self.connection.execute(f"BEGIN {self.transaction_type.value}")

    async def __aenter__(self) -> SQLiteTransaction:
        try:
            with translated(self.engine.timeouts.retry_after_seconds):  # type: ignore[attr-defined]
                return await super().__aenter__()
        except BaseException:
            connection = getattr(self, "connection", None)
            if connection is not None:
                await connection.close()
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        if self._parent:
            return exception is None
        engine: CobudgetSQLiteEngine = self.engine  # type: ignore[assignment]
        ended = False
        try:
            with translated(engine.timeouts.retry_after_seconds):
                if exception:
                    if not self._rolled_back:
                        await self.rollback()  # type: ignore[no-untyped-call]  # Piccolo
                elif not self._committed and not self._rolled_back:
                    if self.wrote:
                        sql, value = data_version.bump_sql("?")
                        await self.connection.execute(sql, [value])
                    await self.commit()  # type: ignore[no-untyped-call]  # Piccolo
            ended = True
        finally:
            await engine.give_back(self.connection, reusable=ended)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class CobudgetSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with our timeouts and a few connections kept open.

    Without `keep_connections` (migrations, one-off commands, tests that build an engine of
    their own) every query opens and closes its connection, as Piccolo does."""

    def __init__(self, *, path: str, timeouts: Timeouts) -> None:
        super().__init__(path=str(path), timeout=timeouts.lock or 3600)
        self.timeouts = timeouts
        self.queries = 0  # statements run, for the tests that count a page's queries
        self.versioned = True  # its writes change the data version (`make_engine`)
        self._idle: list[aiosqlite.Connection] = []
        self._keep = 0
        # The connections reads outside transactions run on at once, one per thread
        # (`_run_in_new_connection`).
        self._readers = threading.local()
        self._all_readers: list[sqlite3.Connection] = []

    # Connections ---------------------------------------------------------------------------

    async def get_connection(self) -> aiosqlite.Connection:
        """A new connection. Its thread is a daemon: a connection left open (a test that
        stopped half-way) must not keep the interpreter from exiting."""
        connection = aiosqlite.Connection(
            functools.partial(sqlite3.connect, **self.connection_kwargs), iter_chunk_size=64
        )
        connection._thread.daemon = True  # aiosqlite 0.22 starts it on `await`
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def keep_connections(self, count: int) -> None:
        """From now on, keep up to `count` connections open between queries."""
        self._keep = max(0, count)

    async def close_connections(self) -> None:
        self._keep = 0
        readers, self._all_readers = self._all_readers, []
        self._readers = threading.local()
        for reader in readers:
            reader.close()
        idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.close()

    @property
    def keeps_connections(self) -> bool:
        return self._keep > 0

    async def borrow(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        return await self.get_connection()

    async def give_back(self, connection: aiosqlite.Connection, *, reusable: bool = True) -> None:
        """Keep `connection` for the next query if it is healthy and outside any transaction;
        close it otherwise, or when enough are kept."""
        if reusable and len(self._idle) < self._keep:
            try:
                in_transaction = connection.in_transaction
            except ValueError:  # already closed
                return
            if not in_transaction:
                self._idle.append(connection)
                return
        with contextlib.suppress(Exception):
            await connection.close()

    # Queries ---------------------------------------------------------------------------------

    def transaction(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return SafeSQLiteTransaction(self, *args, **kwargs)

    async def _run_in_new_connection(
        self,
        query: str,
        args: Sequence[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> list[dict[str, Any]]:
        """Outside a transaction: on a kept connection (autocommit, `isolation_level=None`).

        A read is run at once, in this thread, on the reader connection: handing it to an
        aiosqlite thread and back costs about 0.25 ms, more than most of our reads take, and a
        page makes a dozen. In WAL mode a read never waits for a writer; in the rare case it
        would (a checkpoint resetting the log), its busy timeout of 0 makes it fail at once
        rather than hold up the event loop, and it is run again the usual way."""
        if self._keep and _READ.match(query):
            try:
                return self._read_now(query, args or [])
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
        connection = await self.borrow()
        reusable = False
        try:
            async with connection.execute(query, args or []) as cursor:
                rows: list[dict[str, Any]] = list(await cursor.fetchall())  # type: ignore[arg-type]
            reusable = True
            return rows
        finally:
            await self.give_back(connection, reusable=reusable)

    def _read_now(self, query: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """On this thread's reader (the app has one thread; under the test client the app's
        thread and the test's each have theirs), which may only read."""
        reader: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if reader is None:
            reader = sqlite3.connect(
                **{**self.connection_kwargs, "timeout": 0, "check_same_thread": False}
            )
            reader.row_factory = dict_factory
            reader.execute("PRAGMA foreign_keys = 1")
            reader.execute("PRAGMA query_only = 1")
            self._readers.connection = reader
            self._all_readers.append(reader)
        cursor = reader.execute(query, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    async def _run_in_existing_connection(
        self,
        connection: aiosqlite.Connection,
        query: str,
        args: Sequence[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> list[dict[str, Any]]:
        """Inside a transaction: the connection was set up when it opened (foreign keys on,
        rows as dicts), so unlike Piccolo this sends no PRAGMA before each statement."""
        async with connection.execute(query, args or []) as cursor:
            return list(await cursor.fetchall())  # type: ignore[arg-type]  # rows are dicts

    async def run_querystring(self, querystring, in_pool: bool = False):  # type: ignore[no-untyped-def]
        """As Piccolo's, and a write a page may show changes the data version: before its
        transaction commits, or right after the statement outside one (`db/data_version`)."""
        self.queries += 1
        query, args = querystring.compile_string(engine_type=self.engine_type)
        writes = self.versioned and data_version.changes_pages(query)
        with translated(self.timeouts.retry_after_seconds):
            transaction = self.current_transaction.get()
            if transaction is not None:
                rows = await self._run_in_existing_connection(transaction.connection, query, args)
                if writes and isinstance(transaction, SafeSQLiteTransaction):
                    transaction.wrote = True
                return rows
            rows = await self._run_in_new_connection(query, args)
            if writes:
                await self.bump_data_version()
            return rows

    async def bump_data_version(self) -> None:
        sql, value = data_version.bump_sql("?")
        await self._run_in_new_connection(sql, [value])

    async def read_data_version(self) -> int:
        self.queries += 1
        rows = await self._run_in_new_connection(data_version.READ_SQL)
        return int(rows[0]["version"]) if rows else 0

    async def run_ddl(self, ddl: str, in_pool: bool = False):  # type: ignore[no-untyped-def]
        with translated(self.timeouts.retry_after_seconds):
            return await super().run_ddl(ddl, in_pool)


_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)


# A request that waits for the database several times in a row (a connection, then the
# envelope's row, the contributor's, the challenge's…) would wait several timeouts if each wait
# had its own: what the current task (a request, a worker's step) has already waited is deducted
# from the lock and pool timeouts of its next waits, down to this floor. Time spent computing
# between statements does not count. Each request runs in a task of its own and starts at 0.
# The tasks a request starts share its budget, and their waits at the same time count once:
# what is spent is the time during which at least one of them waited (fifty tasks waiting a
# second together have waited a second, not fifty).
FLOOR_SECONDS = 0.3


@dataclass
class _Budget:
    spent: float = 0.0  # seconds during which at least one wait ran, finished intervals
    waiting: int = 0  # waits running now
    since: float = 0.0  # when the current interval of waiting began

    def used(self) -> float:
        return self.spent + (time.monotonic() - self.since if self.waiting else 0.0)


_waited: ContextVar[_Budget | None] = ContextVar("cobudget_database_waited", default=None)


def new_wait_budget() -> None:
    """Start counting again: at the start of each request (the web app's middleware), so the
    tasks a request starts share its count, and before each unit of work of a long-lived task."""
    _waited.set(_Budget())


def _left(limit: float) -> float:
    """What is left of `limit` for this task's next wait (0: no limit)."""
    budget = _waited.get()
    return max(FLOOR_SECONDS, limit - (budget.used() if budget else 0.0)) if limit else 0.0


@contextlib.contextmanager
def _counted() -> Iterator[None]:
    budget = _waited.get()
    if budget is None:
        budget = _Budget()
        _waited.set(budget)
    if not budget.waiting:
        budget.since = time.monotonic()
    budget.waiting += 1
    try:
        yield
    finally:
        budget.waiting -= 1
        if not budget.waiting:
            budget.spent += time.monotonic() - budget.since


class BoundedPostgresTransaction(PostgresTransaction):
    """Waits a bounded time for a pooled connection, and gives its connection back even when
    the server already ended the session (a timeout), so the pool never loses one.

    `lock_timeout` bounds each lock wait; a transaction takes several locks (a pledge: the
    envelope, the contributor, the challenge), so before each statement its lock timeout is
    lowered to what is left of the task's budget (`_left`): the whole request waits about one
    lock timeout, whatever it needs."""

    lock_timeout: float = 0.0
    wrote: bool = False  # a statement changed what a page may show (`db/data_version`)

    async def get_connection(self):  # type: ignore[no-untyped-def]
        engine: CobudgetPostgresEngine = self.engine  # type: ignore[assignment]
        if engine.pool:
            return await engine.pool.acquire(timeout=_left(engine.timeouts.acquire) or None)
        return await engine.get_new_connection()

    async def tighten(self) -> None:
        """Before a statement: lower this transaction's lock timeout to what is left of it."""
        limit = self.engine.timeouts.lock  # type: ignore[attr-defined]
        left = _left(limit)
        if limit and left < (self.lock_timeout or limit) - 0.1:
            await self.connection.execute(f"SET LOCAL lock_timeout = '{int(left * 1000)}ms'")
            self.lock_timeout = left

    async def __aenter__(self) -> PostgresTransaction:
        engine: CobudgetPostgresEngine = self.engine  # type: ignore[assignment]
        try:
            with translated(engine.timeouts.retry_after_seconds), _counted():
                return await super().__aenter__()
        except BaseException:
            connection = getattr(self, "connection", None)
            if connection is not None and self._parent is None:
                await self._give_back(connection)
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        if self._parent:
            return exception is None
        engine: CobudgetPostgresEngine = self.engine  # type: ignore[assignment]
        try:
            if exception:
                if not self._rolled_back:
                    # The session may be gone (a timeout ended it) or the connection broken:
                    # the error that made us roll back is the one to tell; the connection is
                    # given back or closed below either way.
                    with contextlib.suppress(Exception):
                        await self.rollback()  # type: ignore[no-untyped-call]  # Piccolo
            elif not self._committed and not self._rolled_back:
                with translated(engine.timeouts.retry_after_seconds):
                    if self.wrote:
                        sql, value = data_version.bump_sql("$1")
                        await self.connection.execute(sql, value)
                    await self.commit()  # type: ignore[no-untyped-call]  # Piccolo
        finally:
            await self._give_back(self.connection)
            self.engine.current_transaction.reset(self.context)
        return exception is None

    async def _give_back(self, connection: Any) -> None:
        """To the pool it came from; a connection opened without the pool (a transaction begun
        before the pool started) is closed instead of upsetting the pool."""
        pool: Any = self.engine.pool  # this loop's pool (see the engine)
        from_pool = pool is not None and getattr(connection, "_holder", None) in pool._holders
        try:
            if from_pool:
                await pool.release(connection)  # a broken one is terminated and replaced
            elif not connection.is_closed():
                await connection.close()
        except Exception:
            log.warning("a database connection could not be given back cleanly", exc_info=True)


class CobudgetPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with our timeouts, and a pool per event loop.

    An asyncpg pool serves the loop it was made in only. The app has one loop, but under the
    test client the app runs in a loop of its own (a thread) beside the test's: each loop that
    starts a pool gets its own, and a loop without one opens a connection per query."""

    def __init__(self, *, dsn: str, timeouts: Timeouts) -> None:
        self._pools: dict[asyncio.AbstractEventLoop, Any] = {}
        super().__init__(config={"dsn": dsn, "server_settings": timeouts.server_settings()})
        self.timeouts = timeouts
        self.queries = 0  # statements run, for the tests that count a page's queries
        self.versioned = True  # its writes change the data version (`make_engine`)

    @property
    def pool(self) -> Any:
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:  # no loop running
            return None

    @pool.setter
    def pool(self, value: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # Piccolo's constructor sets None
            return
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return BoundedPostgresTransaction(engine=self, allow_nested=allow_nested)

    async def _run_in_pool(self, query: str, args: Any = None):  # type: ignore[no-untyped-def]
        if not self.pool:
            raise ValueError("A pool isn't currently running.")
        async with self.pool.acquire(timeout=_left(self.timeouts.acquire) or None) as connection:
            return await connection.fetch(query, *(args or []))

    async def run_querystring(self, querystring, in_pool: bool = True):  # type: ignore[no-untyped-def]
        """As Piccolo's, and a write a page may show changes the data version: before its
        transaction commits, or right after the statement outside one (`db/data_version`)."""
        self.queries += 1
        query, args = querystring.compile_string(engine_type=self.engine_type)
        writes = self.versioned and data_version.changes_pages(query)
        transaction = self.current_transaction.get()
        with translated(self.timeouts.retry_after_seconds), _counted():
            if transaction is not None:
                if isinstance(transaction, BoundedPostgresTransaction):
                    await transaction.tighten()
                rows = await transaction.connection.fetch(query, *args)
                if writes and isinstance(transaction, BoundedPostgresTransaction):
                    transaction.wrote = True
                return rows
            rows = await self._run(query, args, in_pool)
            if writes:
                await self.bump_data_version()
            return rows

    async def _run(self, query: str, args: Any, in_pool: bool = True) -> Any:
        if in_pool and self.pool:
            return await self._run_in_pool(query, args)
        return await self._run_in_new_connection(query, args)

    async def bump_data_version(self) -> None:
        sql, value = data_version.bump_sql("$1")
        await self._run(sql, [value])

    async def read_data_version(self) -> int:
        self.queries += 1
        with translated(self.timeouts.retry_after_seconds), _counted():
            rows = await self._run(data_version.READ_SQL, [])
        return int(rows[0]["version"]) if rows else 0

    async def run_ddl(self, ddl: str, in_pool: bool = True):  # type: ignore[no-untyped-def]
        with translated(self.timeouts.retry_after_seconds):
            return await super().run_ddl(ddl, in_pool)


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not an SQLite URL: {url!r}")
    return Path(url.removeprefix("sqlite:///"))


def make_engine(
    url: str, timeouts: Timeouts | None = None, *, versioned: bool = True
) -> Engine[Any]:
    """The engine for `url`. `versioned`: its writes change the data version (every engine but
    the migrations', which run before the table exists and before any page is served)."""
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        lite = CobudgetSQLiteEngine(path=str(path), timeouts=timeouts)
        lite.versioned = versioned
        return lite
    scheme = urlparse(url).scheme
    if scheme in {"postgres", "postgresql"}:
        postgres = CobudgetPostgresEngine(dsn=url, timeouts=timeouts)
        postgres.versioned = versioned
        return postgres
    raise ValueError(f"unsupported database URL (sqlite:/// or postgresql://): {url!r}")


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table at `engine` (Piccolo would otherwise look for a piccolo_conf)."""
    for table in ALL_TABLES:
        table._meta.db = engine


def bound_engine() -> Engine[Any]:
    """The engine the tables are bound to now."""
    return ALL_TABLES[0]._meta.db


async def open_pool(engine: Engine[Any], size: int) -> bool:
    """Keep `size` connections for `engine` (asyncpg's pool; kept SQLite connections). False
    when it already has them, or `size` is 0: the caller then leaves them to whoever opened
    them."""
    if size <= 0:
        return False
    if isinstance(engine, CobudgetSQLiteEngine):
        if engine.keeps_connections:
            return False
        await engine.keep_connections(size)
        return True
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            return False
        await engine.start_connection_pool(min_size=1, max_size=size)
        return True
    return False


async def close_pool(engine: Engine[Any]) -> None:
    if isinstance(engine, CobudgetSQLiteEngine):
        await engine.close_connections()
    elif isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def queries_run(engine: Engine[Any] | None = None) -> int:
    """How many statements `engine` (by default the bound one) has run since it was made."""
    return int(getattr(engine or bound_engine(), "queries", 0))


async def read_data_version(engine: Engine[Any] | None = None) -> int:
    """The data version now (0 where the engine keeps none), for the page cache."""
    reader = getattr(engine or bound_engine(), "read_data_version", None)
    return int(await reader()) if reader is not None else 0
