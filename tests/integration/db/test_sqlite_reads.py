"""SQLite reads outside transactions run at once on a reader connection (db/engine.py); they
see every commit at once, even another connection's, and a read that would wait is run again
on a kept connection instead of holding up the event loop."""

from __future__ import annotations

import sqlite3

import pytest

from cobudget.db.engine import CobudgetSQLiteEngine, bound_engine, sqlite_path
from cobudget.db.tables import Network
from tests.support import factories
from tests.support.database import backend

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="SQLite's reader connection")


async def test_a_read_sees_a_commit_made_by_another_connection_at_once(db: str) -> None:
    network = await factories.make_network("Réseau Avant")
    assert (await Network.select(Network.name).first() or {})["name"] == "Réseau Avant"
    with sqlite3.connect(sqlite_path(db), isolation_level=None) as other:
        other.execute("UPDATE network SET name = 'Réseau Après' WHERE id = ?", (network,))
    assert (await Network.select(Network.name).first() or {})["name"] == "Réseau Après"


async def test_a_read_that_would_wait_runs_again_on_a_kept_connection(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite answers a reader « database is locked » in rare moments (a checkpoint resetting
    the log); the reader's busy timeout is 0 so it says so at once, and the read is run again
    the usual way. The reader is made to answer so here, as SQLite would."""
    await factories.make_network("Réseau Occupé")
    engine = bound_engine()
    assert isinstance(engine, CobudgetSQLiteEngine)

    def locked(query: str, args: object) -> object:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(engine, "_read_now", locked)
    assert (await Network.select(Network.name).first() or {})["name"] == "Réseau Occupé"


async def test_the_reader_may_only_read(db: str) -> None:
    engine = bound_engine()
    assert isinstance(engine, CobudgetSQLiteEngine)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        engine._read_now("WITH x AS (SELECT 1) DELETE FROM network", [])
