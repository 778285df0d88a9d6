"""A stuck process costs the others a few seconds at most (issue 14, item 10): a row held by a
frozen session, or SQLite's write lock held by another process, makes a write that needs it
answer 503 « réessayez » with Retry-After within the lock timeout, never hang and never 500,
while pages that only read answer as usual; and PostgreSQL ends the frozen session, so the row
is free again a few seconds later."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from cobudget.db import transactions
from cobudget.db.engine import Timeouts, bind_tables, make_engine, sqlite_path
from cobudget.db.tables import EnvelopeLieu, Pledge
from cobudget.domain.errors import Busy
from cobudget.settings import Settings
from tests.conftest import csrf_token
from tests.integration.api.conftest import problem
from tests.integration.conftest import World, log_in
from tests.support.database import backend

BUSY = "Le service est occupé, réessayez dans quelques secondes."


async def _put_pledge(client: AsyncTestClient, world: World, headers: dict[str, str]) -> Any:  # type: ignore[type-arg]
    body = {
        "challenge_id": world.consented_challenge_id,
        "unit": f"lieu:{world.lieu_id}",
        "source": "drawing_rights",
        "amount_cents": 10_000,
    }
    return await client.put(
        f"/api/envelopes/{world.envelope_id}/pledges", json=body, headers=headers
    )


async def _hold_lieu_row(connection: asyncpg.Connection, world: World) -> None:
    """BEGIN, then hold the lieu's row of the envelope as a pledge does, and stay there."""
    await connection.execute("BEGIN")
    await connection.fetch(
        "SELECT id FROM envelope_lieu WHERE envelope = $1 AND lieu = $2 FOR UPDATE",
        world.envelope_id,
        world.lieu_id,
    )


async def _pledge_and_read(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> tuple[Any, float, Any, float]:
    """A pledge and, while it waits, a read of the envelope's page: both answers, each with
    how long it took."""
    headers = {"x-csrftoken": await csrf_token(client, "/")}
    started = time.monotonic()

    async def write() -> tuple[Any, float]:
        return await _put_pledge(client, world, headers), time.monotonic() - started

    async def read() -> tuple[Any, float]:
        await asyncio.sleep(0.3)  # the write is waiting on the lock by now
        begun = time.monotonic()
        response = await client.get(f"/enveloppes/{world.envelope_id}")
        return response, time.monotonic() - begun

    # Bounded: before issue 14 the write waited for as long as the lock was held.
    (written, write_s), (page, read_s) = await asyncio.wait_for(
        asyncio.gather(write(), read()), timeout=20
    )
    return written, write_s, page, read_s


@pytest.mark.skipif(backend() != "postgresql", reason="row locks are PostgreSQL's")
async def test_a_lieu_row_held_by_a_stuck_session_answers_503_in_seconds_and_pages_still_answer(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    before = await Pledge.count()
    stuck = await asyncpg.connect(settings.database_url)  # a psql session left open
    try:
        await _hold_lieu_row(stuck, world)
        written, write_s, page, read_s = await _pledge_and_read(client, world)
        await stuck.execute("ROLLBACK")
    finally:
        await stuck.close()
    body = problem(written, 503)
    assert body["detail"] == BUSY
    assert int(written.headers["retry-after"]) >= 1
    lock = settings.database_lock_timeout_seconds
    assert lock - 0.5 <= write_s <= lock + 3, write_s
    assert page.status_code == 200 and read_s < 2, read_s
    assert await Pledge.count() == before


@pytest.mark.skipif(backend() != "postgresql", reason="sessions are PostgreSQL's")
async def test_a_frozen_app_session_is_ended_by_postgresql_and_the_row_is_free_again(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    """As a frozen app process: its connection carries the app's timeouts, so PostgreSQL ends
    it once it sits idle in its transaction, and the lieu's row is free."""
    await log_in(client, world.emails["member"])
    frozen_settings = Timeouts(idle_in_transaction=1.0).server_settings()
    frozen = await asyncpg.connect(settings.database_url, server_settings=frozen_settings)
    try:
        await _hold_lieu_row(frozen, world)
        await asyncio.sleep(2.0)  # frozen (SIGSTOP) longer than its idle-in-transaction limit
        response = await _put_pledge(client, world, {"x-csrftoken": await csrf_token(client, "/")})
        assert response.status_code == 200, response.text
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await frozen.fetch("SELECT 1")  # when it wakes up, its session is gone
    finally:
        await frozen.close()


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's one write lock")
async def test_sqlite_locked_by_another_process_answers_503_within_the_busy_timeout(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    before = await Pledge.count()
    with closing(sqlite3.connect(sqlite_path(settings.database_url), timeout=1)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process, frozen inside a write
        other.execute("UPDATE envelope_lieu SET weight = weight WHERE id = 0")
        written, write_s, page, read_s = await _pledge_and_read(client, world)
        other.rollback()
    assert problem(written, 503)["detail"] == BUSY
    assert written.headers["retry-after"]
    lock = settings.database_lock_timeout_seconds
    assert write_s <= lock + 3, write_s
    assert page.status_code == 200 and read_s < 2, read_s
    assert await Pledge.count() == before
    # Once the lock is free, the same request goes through.
    response = await _put_pledge(client, world, {"x-csrftoken": await csrf_token(client, "/")})
    assert response.status_code == 200, response.text


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's per-process write lock")
async def test_sqlite_a_writer_waits_its_turn_in_the_process_a_bounded_time(db: str) -> None:
    bind_tables(make_engine(db, Timeouts(write_queue=0.5)))
    await transactions._sqlite_write_lock.acquire()  # a writer of this process that never ends
    try:
        started = time.monotonic()
        with pytest.raises(Busy):
            async with transactions.write_transaction():
                await EnvelopeLieu.count()
        assert time.monotonic() - started < 1.5
    finally:
        transactions._sqlite_write_lock.release()
    async with transactions.write_transaction():  # the lock is whole again
        await EnvelopeLieu.count()
