"""Full-text search of challenges, in each database's own way (issue 17): the statements that
build the index and the one that searches, kept together so both backends stay alike.

- **SQLite:** an FTS5 table over `challenge_version` (external content: the text is stored once,
  in `challenge_version`), tokenizer `unicode61 remove_diacritics 2`, kept by three triggers,
  so every write of a version updates the index in its own transaction.
- **PostgreSQL:** a GIN index on an expression of the version's text folded by `_FOLD`
  (lower case, accents translated away) and read by the `simple` configuration: no extension
  needed (`unaccent` is not installed by default), no stemming, like FTS5. The index follows
  the rows by itself, in the writing transaction.

Every version is indexed, drafts included; a search joins only the challenge's current
(published) version, so its words are the ones shown. The words arrive as match expressions
built by `domain.search` (letters and digits only, quoted): they are passed as parameters.
"""

from __future__ import annotations

import msgspec
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from cobudget.db.rows import typed
from cobudget.db.tables import Challenge

_ACCENTED = "àáâãäåāçćčèéêëēėęìíîïīñńòóôõöøōùúûüūýÿžÀÁÂÃÄÅĀÇĆČÈÉÊËĒĖĘÌÍÎÏĪÑŃÒÓÔÕÖØŌÙÚÛÜŪÝŸŽ"
_PLAIN = "aaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyzaaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyz"
assert len(_ACCENTED) == len(_PLAIN)


def _fold(text: str) -> str:
    return f"translate(lower({text}), '{_ACCENTED}', '{_PLAIN}')"


# The indexed expression; a search must repeat it exactly for PostgreSQL to use the index.
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, "
    + _fold("v.title || ' ' || v.problem || ' ' || v.commons")
    + ")"
)

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE challenge_search USING fts5(title, problem, commons,"
    " content='challenge_version', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER challenge_search_insert AFTER INSERT ON challenge_version BEGIN"
    " INSERT INTO challenge_search(rowid, title, problem, commons)"
    " VALUES (new.id, new.title, new.problem, new.commons); END",
    "CREATE TRIGGER challenge_search_delete AFTER DELETE ON challenge_version BEGIN"
    " INSERT INTO challenge_search(challenge_search, rowid, title, problem, commons)"
    " VALUES ('delete', old.id, old.title, old.problem, old.commons); END",
    "CREATE TRIGGER challenge_search_update AFTER UPDATE OF title, problem, commons"
    " ON challenge_version BEGIN"
    " INSERT INTO challenge_search(challenge_search, rowid, title, problem, commons)"
    " VALUES ('delete', old.id, old.title, old.problem, old.commons);"
    " INSERT INTO challenge_search(rowid, title, problem, commons)"
    " VALUES (new.id, new.title, new.problem, new.commons); END",
    # Existing versions: read again from the content table.
    "INSERT INTO challenge_search(challenge_search) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS challenge_search_insert",
    "DROP TRIGGER IF EXISTS challenge_search_delete",
    "DROP TRIGGER IF EXISTS challenge_search_update",
    "DROP TABLE IF EXISTS challenge_search",
)
PG_CREATE = (
    "CREATE INDEX challenge_version_search ON challenge_version USING GIN ("
    + PG_VECTOR.replace("v.", "")
    + ")",
)
PG_DROP = ("DROP INDEX IF EXISTS challenge_version_search",)


def is_sqlite(table: type[Table] = Challenge) -> bool:
    return isinstance(table._meta.db, SQLiteEngine)


class Filters(msgspec.Struct, frozen=True):
    """What the database filters on: a match expression (`domain.search`), a licence code, a
    lieu that proposes, co-proposes or is concerned, a territory of the proposing lieu, and the
    lieux whose drafts the reader may see."""

    network_id: int
    match: str = ""
    licence: str = ""
    lieu_id: int = 0
    territory: str = ""
    draft_lieux: tuple[int, ...] = ()


class Found(msgspec.Struct, frozen=True):
    id: int
    total: int  # matches in all


def _statement(
    filters: Filters, sqlite: bool, limit: int | None = None, offset: int = 0
) -> tuple[str, list[object]]:
    """The search statement and its parameters, in the order of its `{}`."""
    visible = "c.current_version > 0"
    if filters.draft_lieux:
        lieux = ", ".join(str(int(lieu)) for lieu in filters.draft_lieux)
        visible = (
            f"({visible} OR (c.current_version = 0 AND (c.lieu IN ({lieux}) OR c.id IN"
            " (SELECT cp.challenge FROM co_proposer cp WHERE cp.accepted_at IS NOT NULL"
            f" AND cp.lieu IN ({lieux})))))"
        )
    joins, prefix = "", ""
    where = ["c.network = {}", visible]
    args: list[object] = [filters.network_id]
    current = "v.number = CASE WHEN c.current_version > 0 THEN c.current_version ELSE 1 END"
    source = f"challenge c JOIN challenge_version v ON v.challenge = c.id AND {current}"
    if filters.match and sqlite:
        # From the full-text index to the rows (CROSS JOIN fixes SQLite's join order): SQLite
        # would otherwise go through every challenge and ask the index about each.
        source = (
            "challenge_search s CROSS JOIN challenge_version v ON v.id = s.rowid"
            f" CROSS JOIN challenge c ON c.id = v.challenge AND {current}"
        )
        where.append("s.challenge_search MATCH {}")
        args.append(filters.match)
    elif filters.match:
        # The same on PostgreSQL: the index read once, in a materialized CTE (without it the
        # planner, which cannot guess how many rows match, may rebuild the vector row by row).
        prefix = (
            "WITH matched AS MATERIALIZED (SELECT v.id FROM challenge_version v"
            f" WHERE {PG_VECTOR} @@ to_tsquery('simple'::regconfig, {{}})) "
        )
        args.insert(0, filters.match)
        source = (
            "matched m JOIN challenge_version v ON v.id = m.id"
            f" JOIN challenge c ON c.id = v.challenge AND {current}"
        )
    if filters.licence:
        where.append("v.licence = {}")
        args.append(filters.licence)
    if filters.territory:
        joins += " JOIN lieu l ON l.id = c.lieu"
        where.append("l.territory = {}")
        args.append(filters.territory)
    if filters.lieu_id:
        lieu = int(filters.lieu_id)
        where.append(
            f"(c.lieu = {lieu} OR c.id IN (SELECT cp.challenge FROM co_proposer cp"
            f" WHERE cp.lieu = {lieu} AND cp.accepted_at IS NOT NULL)"
            f" OR c.id IN (SELECT cl.challenge FROM concerned_lieu cl WHERE cl.lieu = {lieu}))"
        )
    sql = (
        prefix
        + "SELECT c.id AS id, COUNT(*) OVER () AS total FROM "
        + source
        + joins
        + " WHERE "
        + " AND ".join(where)
        + " ORDER BY c.id DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return sql, args


async def matching_ids(
    filters: Filters, *, limit: int | None = None, offset: int = 0
) -> tuple[list[int], int]:
    """The ids of the network's challenges that match, newest first (every match, or the
    `limit` from `offset`), and how many match in all: one statement, ids only. Newest first
    on both databases alike: ordering by relevance would rank every match (on PostgreSQL,
    rebuilding each one's vector), which costs seconds when a word is in thousands of them."""
    sql, args = _statement(filters, is_sqlite(), limit, offset)
    rows = typed(await Challenge.raw(sql, *args), Found)
    if not rows and offset:  # past the last page: how many there are, all the same
        rows = typed(await Challenge.raw(_statement(filters, is_sqlite(), 1)[0], *args), Found)
        return [], rows[0].total if rows else 0
    return [row.id for row in rows], rows[0].total if rows else 0
