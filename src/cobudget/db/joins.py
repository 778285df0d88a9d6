"""Joined columns without Piccolo's `dir()` on every attribute (issue 15).

Piccolo 1.38's `ForeignKey.__getattribute__` asks `name not in dir(self)` on every public
attribute it is asked for, to set up the columns of a table referenced lazily
(`LazyTableReference`) the first time. `dir()` builds and sorts a list of a hundred names each
time, and reading a page builds its joined columns (`Challenge.lieu.name`…) and compiles them
hundreds of times: a third of the time of the challenge page once its reads were fixed (6.0 →
4.1 ms). No table here references another lazily, so that question's answer is always « it is
there »: `use_known_references` gives Piccolo's module a `dir` that says so, after checking
that no table references lazily, and that `dir` is used in that one place only (a test checks
it again against the Piccolo installed, so an upgrade that changes either is noticed).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import piccolo.columns.column_types as column_types
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class _EveryName:
    """What `dir(column)` answers once no reference is lazy: every name is there."""

    def __contains__(self, name: object) -> bool:
        return True


def lazy_references(tables: Iterable[type[Table]]) -> list[str]:
    """The foreign keys that reference their table lazily, as `table.column`."""
    return [
        f"{table._meta.tablename}.{key._meta.name}"
        for table in tables
        for key in table._meta.foreign_key_columns
        if isinstance(key._foreign_key_meta.references, LazyTableReference)
    ]


def uses_of_dir() -> int:
    """How many times Piccolo's column module calls `dir(`."""
    return inspect.getsource(column_types).count("dir(")


def use_known_references(tables: Iterable[type[Table]]) -> bool:
    """Answer Piccolo's `dir()` question at once, if it is safe; whether it now is."""
    if lazy_references(tables) or uses_of_dir() != 1:
        return False

    def known(_obj: Any) -> _EveryName:
        return _EveryName()

    column_types.dir = known  # type: ignore[attr-defined]  # the module's global, not builtins
    return True
