"""A database for one test run: an SQLite file, or a fresh PostgreSQL database.

The schema is made by our real migrations, run in a subprocess exactly as `cobudget migrate`
runs them. Between tests every table is emptied, so tests stay independent.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg

from cobudget.db.tables import ALL_TABLES


def backend() -> str:
    return os.environ.get("COBUDGET_TEST_BACKEND", "sqlite")


SHARED_MEMORY = Path("/dev/shm")


async def create_database(tmp_dir: Path) -> str:
    """SQLite goes to shared memory when there is some: the file is real, only fsync is free."""
    if backend() == "sqlite":
        folder = SHARED_MEMORY if SHARED_MEMORY.is_dir() else tmp_dir
        return f"sqlite:///{folder / f'cobudget-test-{uuid.uuid4().hex[:12]}.sqlite3'}"
    return await create_postgresql(os.environ["COBUDGET_TEST_DATABASE_URL"], "cobudget_test")


async def create_postgresql(server_url: str, prefix: str) -> str:
    """A new, empty database on the server of `server_url`; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


async def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    await drop_postgresql(os.environ["COBUDGET_TEST_DATABASE_URL"], url)


async def drop_postgresql(server_url: str, url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def migrate(url: str, var_dir: Path) -> None:
    env = {**os.environ, "COBUDGET_DATABASE_URL": url, "COBUDGET_VAR_DIR": str(var_dir)}
    subprocess.run(
        [sys.executable, "-m", "cobudget.cli", "migrate"], env=env, check=True, capture_output=True
    )


def migrate_to(url: str, migration_id: str) -> None:
    """Run our migrations up to `migration_id` ("all": every one), as `cobudget migrate` does."""
    env = {**os.environ, "COBUDGET_DATABASE_URL": url, "PICCOLO_CONF": "cobudget.db.piccolo_conf"}
    code = (
        "import asyncio\n"
        "from piccolo.apps.migrations.commands.forwards import run_forwards\n"
        f"result = asyncio.run(run_forwards(app_name='cobudget', migration_id='{migration_id}'))\n"
        "assert result.success, result.message\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


@asynccontextmanager
async def migrated_halfway(
    database_url: str, tmp_path: Path, migration_id: str
) -> AsyncIterator[str]:
    """A database of its own, migrated up to `migration_id`, our tables bound to it (its writes
    change no data version: there is none yet); the test's database bound again after."""
    from cobudget.db.engine import bind_tables, make_engine

    url = await create_database(tmp_path)
    previous = make_engine(database_url)
    try:
        migrate_to(url, migration_id)
        bind_tables(make_engine(url, versioned=False))
        yield url
    finally:
        bind_tables(previous)
        await drop_database(url)


@asynccontextmanager
async def pooled_setup(url: str, *, versioned: bool = True) -> AsyncIterator[None]:
    """Set-up code (factories) with a small connection pool on PostgreSQL, where a connection
    per query makes a fixture like the integration `world` take over a second. The pool lives in
    the test's event loop only: the previous engine is bound again before the test runs, since
    the app under test runs in a loop of its own."""
    if backend() != "postgresql":
        yield
        return
    from cobudget.db.engine import bind_tables, close_pool, make_engine, open_pool

    previous = ALL_TABLES[0]._meta.db
    # The app's engine (its writes change the data version the page cache follows), pooled.
    pooled = make_engine(url, versioned=versioned)
    await open_pool(pooled, 2)
    bind_tables(pooled)
    try:
        yield
    finally:
        await close_pool(pooled)
        bind_tables(previous)


@asynccontextmanager
async def tables_as_migrated() -> AsyncIterator[None]:
    """Rows written into a database migrated only part of the way (a test of a later migration):
    the columns added since are hidden from our tables meanwhile, so the factories insert what
    the schema of then had, whatever columns later issues add."""
    existing: dict[str, set[str]] = {}
    for table in ALL_TABLES:
        name = table._meta.tablename
        if backend() == "sqlite":
            rows = await table.raw(f"PRAGMA table_info({name})")
            existing[name] = {row["name"] for row in rows}
        else:
            rows = await table.raw(
                "SELECT column_name FROM information_schema.columns WHERE table_name = {}", name
            )
            existing[name] = {row["column_name"] for row in rows}
    saved = {table: table._meta.columns for table in ALL_TABLES}
    for table in ALL_TABLES:
        have = existing[table._meta.tablename]
        if have:
            table._meta.columns = [c for c in saved[table] if c._meta.db_column_name in have]
    try:
        yield
    finally:
        for table, columns in saved.items():
            table._meta.columns = columns


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database onto another, whole, with SQLite's backup API (safe with WAL;
    the app keeps no connection open between requests)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


async def snapshot_postgresql(url: str, schema: str) -> None:
    """Copy every table into `schema`, to be copied back by `restore_postgresql`."""
    names = [table._meta.tablename for table in ALL_TABLES]
    script = f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}";' + "".join(
        f'CREATE TABLE "{schema}"."{name}" AS TABLE public."{name}";' for name in names
    )
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(script)
    finally:
        await connection.close()


async def restore_postgresql(url: str, schema: str) -> None:
    """Put back the rows `snapshot_postgresql` copied, ids and sequences included, in one
    round trip."""
    names = _names()
    await _run_script(
        url,
        _replica(
            [f'DELETE FROM public."{name}";' for name in names]
            + [f'INSERT INTO public."{name}" SELECT * FROM "{schema}"."{name}";' for name in names]
            + [
                f"SELECT setval(pg_get_serial_sequence('public.\"{name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM public."{name}"), 0) + 1, false);'
                for name in names
            ]
        ),
    )


def _names() -> list[str]:
    return [table._meta.tablename for table in ALL_TABLES]


def _replica(statements: Iterable[str]) -> str:
    """Statements run as one transaction with foreign keys unchecked (replica role), so their
    order does not matter. DELETE, not TRUNCATE: the tables of a test hold a few rows, and
    TRUNCATE costs about 5 ms a table whatever it holds (240 ms for our 50, at every test)."""
    return "BEGIN; SET LOCAL session_replication_role = replica;" + "".join(statements) + "COMMIT;"


async def _run_script(url: str, script: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(script)
    finally:
        await connection.close()


async def empty_all_tables(url: str) -> None:
    if backend() == "postgresql":  # one round trip (ids keep growing)
        await _run_script(url, _replica(f'DELETE FROM public."{name}";' for name in _names()))
        return
    for table in reversed(ALL_TABLES):
        await table.delete(force=True)
