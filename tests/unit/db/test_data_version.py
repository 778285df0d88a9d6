"""Which statements change the data version the page cache follows (db/data_version.py)."""

from __future__ import annotations

import pytest

from cobudget.db.data_version import bump_sql, changes_pages


@pytest.mark.parametrize(
    "sql",
    [
        'INSERT INTO "pledge" ("envelope") VALUES (?)',
        'UPDATE "network" SET "name" = ?',
        '  delete from "round_comment" WHERE id = ?',
        "UPDATE lieu SET description = ''",
    ],
)
def test_a_write_a_page_may_show_changes_the_version(sql: str) -> None:
    assert changes_pages(sql)


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "id" FROM "network"',
        'INSERT INTO "web_session" ("key_hash") VALUES (?)',
        'DELETE FROM "login_attempt" WHERE at < ?',
        'UPDATE "outbox_message" SET "claimed_until" = ?',
        'INSERT INTO "password_reset" ("token_hash") VALUES (?)',
        "SET LOCAL lock_timeout = '3s'",
        "WITH x AS (SELECT 1) SELECT * FROM x",
    ],
)
def test_reads_and_writes_no_visitor_sees_leave_it(sql: str) -> None:
    assert not changes_pages(sql)


def test_each_bump_gives_a_new_value() -> None:
    values = {bump_sql("?")[1] for _ in range(1000)}
    assert len(values) == 1000
    sql, _value = bump_sql("$1")
    assert "$1" in sql and "ON CONFLICT (id)" in sql
