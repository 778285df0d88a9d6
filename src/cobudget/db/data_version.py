"""The data version: a value that changes with every write a page may show (issue 15).

Pages for visitors are cached by it (`web/page_cache.py`). For such a cache never to serve a
page older than a write, the version must change in the same transaction as the write, in every
process and whatever code wrote: so the engine itself (`db/engine.py`) notes each INSERT,
UPDATE or DELETE it runs, and a transaction that wrote changes the version just before its
COMMIT; a write outside a transaction changes it right after. A reader reads the version before
the data it renders: whatever it stores under a version was read no earlier than that version.

The new value is random, not the old one plus one: a test that empties the tables between two
runs, or a restore from a backup, can never bring back a version a cache already holds.
Changing it last in the transaction means holding its row (PostgreSQL) only from that statement
to the commit, so writers wait for each other for microseconds and never in a cycle.

Writes no visitor page shows (sessions, login attempts, the outbox, password resets) leave the
version alone, or a login would empty every cache.
"""

from __future__ import annotations

import re
import secrets

# The tables whose rows no visitor page shows.
UNSEEN_TABLES = frozenset(
    {"web_session", "login_attempt", "outbox_message", "password_reset", "data_version"}
)

_WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE
)

READ_SQL = "SELECT version FROM data_version WHERE id = 1"


def changes_pages(sql: str) -> bool:
    """Whether this statement writes rows a visitor's page may show."""
    match = _WRITE.match(sql)
    return match is not None and match.group(1).lower() not in UNSEEN_TABLES


def bump_sql(placeholder: str) -> tuple[str, int]:
    """The statement that gives the version a new value (and makes the row if a test emptied
    the table), with the value; `placeholder` is the driver's: "?" (SQLite) or "$1" (asyncpg)."""
    value = secrets.randbits(62)
    return (
        f"INSERT INTO data_version (id, version) VALUES (1, {placeholder})"
        f" ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        value,
    )
