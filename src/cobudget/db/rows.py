"""Typed rows: how services read the database (issue 15).

Piccolo hands back each row as a `dict[str, Any]`; read as is, every service casts each value
back to its type by hand, and a misspelt key fails only at run time. Here a query's rows
become instances of a frozen `msgspec.Struct` the reader declares with the columns it selects,
checked once as they arrive: a missing or mistyped column fails there, with its name, and the
rest of the code reads attributes mypy knows.

A column read across a foreign key comes back as "challenge.network": either alias it in the
query (`Round.challenge.network.as_alias("network_id")`) or name the field after it
(`network_id: int = msgspec.field(name="challenge.network")`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, TypeVar

import msgspec

RowT = TypeVar("RowT", bound=msgspec.Struct)


def typed(rows: Iterable[Mapping[str, Any]], into: type[RowT]) -> list[RowT]:
    """Rows already read, as `into` (a frozen Struct whose fields are the selected columns).

    Not strict, so a database's spelling of a value (SQLite's "1.0" for a numeric, an integer
    for a boolean) still becomes the declared type; anything else is a `msgspec.ValidationError`
    naming the column."""
    return msgspec.convert(list(rows), list[into], strict=False)  # type: ignore[valid-type]


def typed_one(row: Mapping[str, Any] | None, into: type[RowT]) -> RowT | None:
    return None if row is None else msgspec.convert(row, into, strict=False)


async def fetch(query: Awaitable[list[dict[str, Any]]], into: type[RowT]) -> list[RowT]:
    """Run a select and return its rows as `into`."""
    return typed(await query, into)


async def fetch_one(query: Awaitable[dict[str, Any] | None], into: type[RowT]) -> RowT | None:
    """Run a `.first()` select and return its row as `into`, or None."""
    return typed_one(await query, into)
