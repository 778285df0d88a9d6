"""Piccolo's joined columns are built without `dir()` (db/joins.py), which is safe only while
no table references another lazily and Piccolo's column module calls `dir(` in that one place:
checked here against the Piccolo installed, and the SQL of joined reads compared with what
Piccolo makes with the real `dir()`."""

from __future__ import annotations

import builtins
from pathlib import Path

import piccolo.columns.column_types as column_types
import pytest

from cobudget.db.engine import bind_tables, make_engine
from cobudget.db.joins import lazy_references, uses_of_dir
from cobudget.db.tables import ALL_TABLES, Challenge, ConsentRound, Pledge, RoundComment


def test_it_is_in_use_and_still_safe() -> None:
    assert lazy_references(ALL_TABLES) == []
    assert uses_of_dir() == 1
    assert column_types.dir is not builtins.dir  # type: ignore[attr-defined]


def _joined_reads() -> list[str]:
    queries = [
        ConsentRound.select(
            ConsentRound.challenge.lieu.name, ConsentRound.challenge.network.slug
        ).where(ConsentRound.id == 7),
        RoundComment.select(*RoundComment.all_columns(), RoundComment.author.name),
        Pledge.select(Pledge.challenge.lieu.name.as_alias("lieu"), Pledge.envelope.title),
        Challenge.select(*Challenge.lieu.all_columns()).where(Challenge.network.slug == "r"),
    ]
    return [q.querystrings[0].compile_string(engine_type="sqlite")[0] for q in queries]


def test_joined_reads_are_the_same_sql_as_with_pythons_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bind_tables(make_engine(f"sqlite:///{tmp_path / 'joins.sqlite3'}"))
    fast = _joined_reads()
    monkeypatch.setattr(column_types, "dir", builtins.dir, raising=False)
    assert fast == _joined_reads()
    assert all("JOIN" in sql for sql in fast)
