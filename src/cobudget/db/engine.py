"""Build the Piccolo engine from a database URL and bind every table to it.

SQLite is the embedded default; several requests writing at once would fail with "database is
locked" under Piccolo's deferred transactions, so SQLite runs in WAL mode with a busy timeout,
and every write transaction (see `db.transactions`) starts with BEGIN IMMEDIATE under one lock
per process. PostgreSQL is used as is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction

from cobudget.db.tables import ALL_TABLES

SQLITE_BUSY_TIMEOUT_SECONDS = 30


class SafeSQLiteTransaction(SQLiteTransaction):
    """Closes its connection when BEGIN fails, so a timed-out start cannot hang the process."""

    async def __aenter__(self) -> SQLiteTransaction:
        try:
            return await super().__aenter__()
        except BaseException:
            connection = getattr(self, "connection", None)
            if connection is not None:
                await connection.close()
            raise


class CobudgetSQLiteEngine(SQLiteEngine):
    def transaction(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return SafeSQLiteTransaction(self, *args, **kwargs)


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not an SQLite URL: {url!r}")
    return Path(url.removeprefix("sqlite:///"))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        return CobudgetSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    scheme = urlparse(url).scheme
    if scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"unsupported database URL (sqlite:/// or postgresql://): {url!r}")


def bind_tables(engine: Engine) -> None:
    """Point every table at `engine` (Piccolo would otherwise look for a piccolo_conf)."""
    for table in ALL_TABLES:
        table._meta.db = engine
