"""The database's own refusals, as the domain's errors: a wait that ran out is `Busy` (503, try
again), a unique index that refused a second row is `Duplicate` (409). Applied once, by the
engines of `db.engine` around every query and transaction, so no service sees a driver error.

PostgreSQL: lock_timeout (55P03), statement_timeout or a cancel (57014), this session's
idle-in-transaction timeout (25P03) or its connection lost (a frozen process wakes up to find
its session ended), a deadlock (40P01), a serialization failure (40001), and a pool that gave no
connection in time (TimeoutError). SQLite: "database is locked" / "busy"
after the busy timeout, and the process's write lock not acquired in time (TimeoutError).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from cobudget.domain.errors import Busy, Duplicate

BUSY_SQLSTATES = frozenset({"55P03", "57014", "25P03", "40P01", "40001"})
UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.*)")


@contextmanager
def translated(retry_after_seconds: int) -> Iterator[None]:
    """Raise `Busy` or `Duplicate` for the database errors they stand for; others pass."""
    try:
        yield
    except asyncpg.PostgresError as error:
        state = getattr(error, "sqlstate", None)
        if state in BUSY_SQLSTATES or isinstance(error, asyncpg.PostgresConnectionError):
            raise Busy(retry_after_seconds, type(error).__name__) from error
        if state == UNIQUE_VIOLATION:
            raise Duplicate(str(getattr(error, "constraint_name", "") or "")) from error
        raise
    except (asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError) as error:
        # The client's side of a connection the server ended while this process was frozen:
        # the transaction is lost, as with 25P03.
        raise Busy(retry_after_seconds, type(error).__name__) from error
    except sqlite3.OperationalError as error:
        text = str(error)
        if "locked" in text or "busy" in text:
            raise Busy(retry_after_seconds, text) from error
        raise
    except sqlite3.IntegrityError as error:
        match = _SQLITE_UNIQUE.match(str(error))
        if match:
            raise Duplicate(match.group(1)) from error
        raise
    except TimeoutError as error:
        raise Busy(retry_after_seconds, "timeout") from error
